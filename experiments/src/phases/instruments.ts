import type { ClusterSpec, Experiment, LagSpec, WatchSpec } from '../definition';
import { clusterKey, lagKey, watchKey } from '../watcher';

/**
 * The ledger's counters, in the order `drainLedger` reads them: accepted, completed, published late.
 * Absent from an app that answers is zero: a gateway restarted with a run's settings has no series
 * until its first acceptance.
 */
export const LEDGER_WATCHES: readonly WatchSpec[] = [
  { app: 'gateway', metric: 'jeeves_messages_accepted_total', aggregate: 'sum', missingAsZero: true },
  { app: 'data-service', metric: 'jeeves_messages_completed_total', aggregate: 'sum', missingAsZero: true },
  // Answered 503 publish-unconfirmed, published all the same (ADR 0041): the client was told its id.
  { app: 'gateway', metric: 'jeeves_messages_published_late_total', aggregate: 'sum', missingAsZero: true },
];

/** What the Watcher samples through a run: each series, lag, partition count and alert once. */
export interface Instruments {
  readonly watches: readonly WatchSpec[];
  readonly alerts: readonly string[];
  readonly lags: readonly LagSpec[];
  readonly clusters: readonly ClusterSpec[];
}

/** Every watched series, consumer lag, partition count and alert the experiment's probes, measurements and ledger read. */
export function instrumentsOf(experiment: Experiment): Instruments {
  const allProbes = [...experiment.steadyState, ...experiment.deviation, ...experiment.recovery.probes];
  const measurementWatches = experiment.measurements.flatMap((m) => [
    m.until?.watch,
    m.stall,
    m.stallEnd,
    m.peak?.watch,
    m.low?.watch,
    m.increase?.watch,
    m.lastIncrease?.watch,
  ]);
  const lags = dedupe(
    [
      ...allProbes.map((p) => p.lag),
      ...experiment.measurements.flatMap((m) => [
        m.until?.lag,
        m.peak?.lag,
        m.low?.lag,
        m.increase?.lag,
        m.lastIncrease?.lag,
      ]),
    ].filter((l): l is LagSpec => l !== undefined),
    lagKey,
  );
  const clusters = dedupe(
    [
      ...allProbes.map((p) => p.cluster),
      ...experiment.measurements.flatMap((m) => [
        m.until?.cluster,
        m.peak?.cluster,
        m.low?.cluster,
        m.increase?.cluster,
        m.lastIncrease?.cluster,
      ]),
    ].filter((c): c is ClusterSpec => c !== undefined),
    clusterKey,
  );
  const watches = dedupe(
    [...allProbes.map((p) => p.watch), ...measurementWatches, ...(experiment.ledger ? LEDGER_WATCHES : [])].filter(
      (w): w is WatchSpec => w !== undefined,
    ),
    watchKey,
  );
  const alerts = [
    ...new Set(
      [...allProbes.map((p) => p.alert), ...experiment.measurements.map((m) => m.until?.alert)].filter(
        (a): a is string => a !== undefined,
      ),
    ),
  ];
  return { watches, alerts, lags, clusters };
}

function dedupe<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const i of items) if (!seen.has(key(i))) seen.set(key(i), i);
  return [...seen.values()];
}
