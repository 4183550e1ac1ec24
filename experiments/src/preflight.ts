import { type AppName, type LabDescription, type LabPart, type MissingPart } from '../../tools/lab';
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
      m.stallEnd,
      m.peak?.watch,
      m.low?.watch,
      m.increase?.watch,
      m.lastIncrease?.watch,
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

/**
 * The cluster the experiment's `requires.brokers` asks for, as a missing part when the lab runs
 * fewer brokers (lab.json's brokerCount; 1 when absent): the run stops at preflight with it.
 * Undefined when the lab runs enough, or when no lab is up (the other checks name that).
 */
export function missingBrokers(experiment: Experiment, lab: LabDescription | undefined): MissingPart | undefined {
  const wanted = experiment.requires?.brokers;
  const has = lab?.brokerCount ?? 1;
  if (lab === undefined || wanted === undefined || has >= wanted) return undefined;
  return {
    name: `A ${wanted}-broker Kafka cluster`,
    url: lab.brokers,
    why: `this lab runs ${has} broker${has === 1 ? '' : 's'}; ${experiment.name} needs ${wanted}`,
    start: `npm run lab -- down, then npm run lab -- up --brokers ${wanted}`,
  };
}
