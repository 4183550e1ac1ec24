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

/** Records appended to jeeves.messages.v1, from the broker: the ledger's acceptances with `accepted: messages-topic`. */
export const MESSAGES_TOPIC_RECORDS: ClusterSpec = { count: 'records', topic: 'messages' };

/**
 * Records appended to the messages, replies and dead-letter topics, from the broker: where along the
 * pipeline a message the ledger finds lost stopped (a message's reply, or its dead letter, goes
 * through one of the last two). Sampled with every ledger; reported beside it.
 */
export const LEDGER_TRAIL = {
  messages: MESSAGES_TOPIC_RECORDS,
  replies: { count: 'records', topic: 'replies' },
  dlq: { count: 'records', topic: 'dlq' },
} as const satisfies Record<string, ClusterSpec>;

/** What the ledger reads: acceptances (summed) and completions, as watched series or broker counts. */
export interface LedgerSources {
  /** Summed into the acceptances: the gateway's accepted and published-late counters, or the topic's records. */
  readonly accepted: ReadonlyArray<{ readonly watch: WatchSpec } | { readonly cluster: ClusterSpec }>;
  readonly completed: WatchSpec;
  /** Records appended along the pipeline (LEDGER_TRAIL), for the report. */
  readonly trail: typeof LEDGER_TRAIL;
  /** Apps whose restart would lose their last increments to the count (their settings are rolled back after the drain). */
  readonly countingApps: readonly string[];
}

/** The ledger's sources for an experiment with a ledger (see `ledger.accepted` in the definition). */
export function ledgerSourcesOf(ledger: NonNullable<Experiment['ledger']>): LedgerSources {
  const [accepted, completed, late] = LEDGER_WATCHES;
  return ledger.accepted === 'messages-topic'
    ? { accepted: [{ cluster: MESSAGES_TOPIC_RECORDS }], completed, trail: LEDGER_TRAIL, countingApps: [completed.app] }
    : {
        accepted: [{ watch: accepted }, { watch: late }],
        completed,
        trail: LEDGER_TRAIL,
        countingApps: [accepted.app, completed.app],
      };
}

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
  const ledger = experiment.ledger ? ledgerSourcesOf(experiment.ledger) : undefined;
  const ledgerWatches = ledger
    ? [ledger.completed, ...ledger.accepted.flatMap((a) => ('watch' in a ? [a.watch] : []))]
    : [];
  const ledgerClusters = ledger
    ? [...ledger.accepted.flatMap((a) => ('cluster' in a ? [a.cluster] : [])), ...Object.values(ledger.trail)]
    : [];
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
      ...ledgerClusters,
    ].filter((c): c is ClusterSpec => c !== undefined),
    clusterKey,
  );
  const watches = dedupe(
    [...allProbes.map((p) => p.watch), ...measurementWatches, ...ledgerWatches].filter(
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
