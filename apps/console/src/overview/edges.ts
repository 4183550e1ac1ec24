import type { MetricSample } from './metrics-text';
import type { PromSample } from '../prometheus/prometheus-client';
import type { EdgeKind, EdgeView } from '../api-types';

export type { EdgeKind, EdgeView } from '../api-types';

/**
 * The counters behind the Overview's edges. Each family is read two ways: as an instant PromQL
 * query of per-second rates over the last minute by the `by` labels and `outcome` (the lab's
 * recording rule where one keeps those labels), and, when Prometheus does not answer, as the raw
 * counter in each app's /metrics, whose increase between two polls the console divides itself.
 */
export interface CounterFamily {
  /** The counter's sample name in an app's /metrics (prom-client writes `_total`, and `_count` of a histogram). */
  readonly metric: string;
  /** Labels that pick an edge's series (besides `outcome`). */
  readonly by: readonly string[];
  /** Instant query: per-second rates over 1 min, `sum by (<by>, outcome)`. */
  readonly promql: string;
  /** Outcomes that count as failures in the error share. */
  readonly errorOutcomes: readonly string[];
  /** Outcomes that are not events of the edge at all (a breaker's fallback follows a failed call). */
  readonly ignoredOutcomes: readonly string[];
}

/** Rate window of the PromQL queries, as the lab's recording rules use (prometheus/rules/recording.yml). */
export const RATE_WINDOW_SECONDS = 60;

const familyQuery = (by: readonly string[], series: string): string =>
  `sum by (${[...by, 'outcome'].join(', ')}) (${series})`;

/** `jeeves_kafka_messages_produced_total{topic, outcome}` per producing service. */
const produced: CounterFamily = {
  metric: 'jeeves_kafka_messages_produced_total',
  by: ['service'],
  promql: familyQuery(['service'], 'rate(jeeves_kafka_messages_produced_total[1m])'),
  errorOutcomes: ['error'],
  ignoredOutcomes: [],
};

/** Messages consumed per group: the recording rule `topic_outcome:jeeves_kafka_messages_consumed:rate1m`. */
const consumed: CounterFamily = {
  metric: 'jeeves_kafka_messages_consumed_total',
  by: ['group'],
  promql: familyQuery(['group'], 'topic_outcome:jeeves_kafka_messages_consumed:rate1m'),
  // Dead-lettered, or dropped (a raw record whose handler kept failing, or one the DLQ refused).
  errorOutcomes: ['dead_lettered', 'dropped'],
  ignoredOutcomes: [],
};

/** The worker's HTTP calls to the provider, retries included (`outcome` ok | rejected | timeout | unavailable). */
const providerCalls: CounterFamily = {
  metric: 'jeeves_provider_call_duration_seconds_count',
  by: ['service'],
  promql: familyQuery(['service'], 'rate(jeeves_provider_call_duration_seconds_count[1m])'),
  errorOutcomes: ['rejected', 'timeout', 'unavailable'],
  ignoredOutcomes: [],
};

/** Calls through a breaker (`outcome` success | failure | timeout | rejected, and fallback). */
const breakerCalls: CounterFamily = {
  metric: 'jeeves_breaker_calls_total',
  by: ['service', 'dependency'],
  promql: familyQuery(['service', 'dependency'], 'rate(jeeves_breaker_calls_total[1m])'),
  errorOutcomes: ['failure', 'timeout', 'rejected'],
  ignoredOutcomes: ['fallback'],
};

/** Every family the edges read, once each. */
export const COUNTER_FAMILIES: readonly CounterFamily[] = [produced, consumed, providerCalls, breakerCalls];

/** One arrow of the Overview's graph and the counter series it is measured by. */
export interface EdgeSpec {
  /** `<from>-><to>`. */
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  /** What failed events are called in the label (`errors`, `dead-lettered`, `failed`). */
  readonly errorName: string;
  readonly family: CounterFamily;
  /** Label values of `family.by` that select this edge's series. */
  readonly match: Readonly<Record<string, string>>;
  /** The consumer group, for `consume` edges: its lag is shown with the rate. */
  readonly group?: string;
}

const edge = (
  from: string,
  to: string,
  kind: EdgeKind,
  family: CounterFamily,
  match: Record<string, string>,
  errorName: string,
): EdgeSpec => ({
  id: `${from}->${to}`,
  from,
  to,
  kind,
  family,
  match,
  errorName,
  ...(family === consumed ? { group: match.group } : {}),
});

/**
 * The lab's pipeline as the graph draws it (docs/architecture.md): the gateway produces messages;
 * bot, worker and data-service consume (their groups `jeeves-<app>`); bot and worker produce
 * actions, replies and dead letters; the worker calls the provider; the gateway reads from
 * data-service and fetches the token-dealer's JWKS, both through breakers.
 */
export const EDGES: readonly EdgeSpec[] = [
  edge('gateway', 'kafka', 'produce', produced, { service: 'gateway' }, 'errors'),
  edge('kafka', 'bot', 'consume', consumed, { group: 'jeeves-bot' }, 'dead-lettered'),
  edge('bot', 'kafka', 'produce', produced, { service: 'bot' }, 'errors'),
  edge('kafka', 'worker', 'consume', consumed, { group: 'jeeves-worker' }, 'dead-lettered'),
  edge('worker', 'kafka', 'produce', produced, { service: 'worker' }, 'errors'),
  edge('kafka', 'data-service', 'consume', consumed, { group: 'jeeves-data-service' }, 'dead-lettered'),
  edge('worker', 'provider', 'call', providerCalls, { service: 'worker' }, 'failed'),
  edge('gateway', 'data-service', 'call', breakerCalls, { service: 'gateway', dependency: 'data-service' }, 'failed'),
  edge('gateway', 'token-dealer', 'call', breakerCalls, { service: 'gateway', dependency: 'jwks' }, 'failed'),
];

/** Events per outcome of one edge: per-second rates (Prometheus) or counter totals (/metrics). */
export type OutcomeValues = Readonly<Record<string, number>>;

function matches(labels: Readonly<Record<string, string>>, match: Readonly<Record<string, string>>): boolean {
  return Object.entries(match).every(([name, value]) => labels[name] === value);
}

/** Sums `values` of the series of `edge` by outcome (series without an `outcome` label are skipped). */
export function outcomesOf(
  edge: EdgeSpec,
  series: ReadonlyArray<{ labels: Readonly<Record<string, string>>; value: number }>,
): Record<string, number> {
  const byOutcome: Record<string, number> = {};
  for (const s of series) {
    const outcome = s.labels.outcome;
    if (outcome === undefined || !matches(s.labels, edge.match) || !Number.isFinite(s.value)) continue;
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + s.value;
  }
  return byOutcome;
}

/** Rate and error share of an edge from its per-outcome rates (events/s). */
export function rateAndErrorShare(
  edge: EdgeSpec,
  rates: OutcomeValues,
): Pick<EdgeView, 'ratePerSecond' | 'errorShare'> {
  let total = 0;
  let failed = 0;
  for (const [outcome, rate] of Object.entries(rates)) {
    if (edge.family.ignoredOutcomes.includes(outcome)) continue;
    total += rate;
    if (edge.family.errorOutcomes.includes(outcome)) failed += rate;
  }
  return { ratePerSecond: total, errorShare: total > 0 ? failed / total : null };
}

/** The edges from one instant query per family (`answers` in COUNTER_FAMILIES' order). */
export function edgesFromPrometheus(
  answers: ReadonlyMap<CounterFamily, readonly PromSample[]>,
): Map<string, Pick<EdgeView, 'ratePerSecond' | 'errorShare'>> {
  return new Map(EDGES.map((e) => [e.id, rateAndErrorShare(e, outcomesOf(e, answers.get(e.family) ?? []))]));
}

/** Counter totals of every edge at one moment, from the apps' /metrics samples. */
export interface CounterReading {
  readonly atMs: number;
  /** Per edge id: totals by outcome; absent when the app that reports it did not answer. */
  readonly totals: ReadonlyMap<string, OutcomeValues>;
}

/** The app whose /metrics counts an edge: the producer or caller, or the consuming group's app. */
export function reporterOf(edge: EdgeSpec): string {
  return edge.match.service ?? edge.to;
}

/** The edges' counters out of each answering app's /metrics samples (`samplesByApp`), each from its reporter. */
export function readCounters(atMs: number, samplesByApp: ReadonlyMap<string, readonly MetricSample[]>): CounterReading {
  const totals = new Map<string, OutcomeValues>();
  for (const e of EDGES) {
    const samples = samplesByApp.get(reporterOf(e));
    if (!samples) continue;
    totals.set(
      e.id,
      outcomesOf(
        e,
        samples.filter((s) => s.name === e.family.metric),
      ),
    );
  }
  return { atMs, totals };
}

/**
 * Rates from the apps' own counters when Prometheus does not answer: the increase between the
 * oldest reading kept (at most `windowMs` old) and the newest, per second. A counter that went
 * down was reset (its app restarted): its newest value is the increase, as PromQL's rate() takes it.
 */
export class CounterHistory {
  private readings: CounterReading[] = [];

  /** `windowMs`: how far back the rate looks (readings older than that are dropped). */
  constructor(private readonly windowMs = 30_000) {}

  /** Keeps a reading (one per Overview poll). */
  add(reading: CounterReading): void {
    this.readings.push(reading);
    this.readings = this.readings.filter((r) => reading.atMs - r.atMs <= this.windowMs);
  }

  /** Seconds between the oldest and newest reading kept; null with fewer than two. */
  windowSeconds(): number | null {
    const first = this.readings[0];
    const last = this.readings.at(-1);
    return first && last && last !== first ? (last.atMs - first.atMs) / 1000 : null;
  }

  /** Each edge's rate and error share over the kept window; null rate where a reading is missing. */
  edges(): Map<string, Pick<EdgeView, 'ratePerSecond' | 'errorShare'>> {
    const seconds = this.windowSeconds();
    const first = this.readings[0];
    const last = this.readings.at(-1);
    return new Map(
      EDGES.map((e) => {
        const before = first?.totals.get(e.id);
        const now = last?.totals.get(e.id);
        if (!seconds || !before || !now) return [e.id, { ratePerSecond: null, errorShare: null }];
        const rates: Record<string, number> = {};
        for (const [outcome, value] of Object.entries(now)) {
          const old = before[outcome] ?? 0;
          rates[outcome] = (value >= old ? value - old : value) / seconds;
        }
        return [e.id, rateAndErrorShare(e, rates)];
      }),
    );
  }
}
