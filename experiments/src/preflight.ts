import { type AppName, type LabPart } from '../../tools/lab';
import type { Experiment, WatchSpec } from './definition';

/**
 * Every part of the lab an experiment reads or drives, derived from its definition:
 * - `prometheus`: every report plots the standard charts from it, and `query`/`alert` sources and
 *   alert overrides read or reload it;
 * - `kafka`: the load crosses the broker, and `lag` sources and `produce` steps talk to it directly;
 * - `<app>/metrics` of every app a `watch` (or the ledger) samples;
 * - `gateway` and `token-dealer` ready: the load driver's targets (load-tests' `checkReady`);
 * - each app a step injects a fault into (its chaos API).
 * Checked before anything runs, so a missing instrument stops the run instead of failing it.
 */
export function experimentNeeds(experiment: Experiment): LabPart[] {
  const probes = [...experiment.steadyState, ...experiment.deviation, ...experiment.recovery.probes];
  const watches: WatchSpec[] = [
    ...probes.map((p) => p.watch),
    ...experiment.measurements.flatMap((m) => [
      m.until?.watch,
      m.stall,
      m.peak?.watch,
      m.low?.watch,
      m.increase?.watch,
    ]),
  ].filter((w): w is WatchSpec => w !== undefined);
  const watchedApps: AppName[] = [
    ...watches.map((w) => w.app),
    // The ledger reads gateway's accepted and data-service's completed counters straight from /metrics.
    ...(experiment.ledger ? (['gateway', 'data-service'] as const) : []),
  ];
  const faulted = experiment.method.flatMap((step) => ('inject' in step ? [step.inject.service] : []));
  const parts: LabPart[] = [
    'prometheus',
    'kafka',
    'gateway',
    'token-dealer',
    ...faulted,
    ...watchedApps.map((app): LabPart => `${app}/metrics`),
  ];
  return [...new Set(parts)];
}
