import type { ChartData } from '../api-types';
import type { PromRangeSeries } from '../prometheus/prometheus-client';

export type { ChartData } from '../api-types';

/** One line of a chart: a PromQL expression, and how its series are named (`{label}` takes a label's value). */
export interface ChartQuery {
  readonly promql: string;
  /** Series name; `{group}` is replaced by the series' `group` label. */
  readonly name: string;
}

/** A chart of the Overview: what it shows, its unit, its lines. */
export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  /** `messages/s`, `seconds`, `messages`. */
  readonly unit: string;
  readonly queries: readonly ChartQuery[];
}

/**
 * The Overview's charts, from the lab's recording rules (prometheus/rules/recording.yml) where one
 * exists: throughput at both ends of the pipeline, end-to-end latency, and lag per consumer group.
 */
export const CHARTS: readonly ChartSpec[] = [
  {
    id: 'throughput',
    title: 'Messages per second',
    unit: 'messages/s',
    queries: [
      { name: 'accepted (gateway)', promql: 'sum(rate(jeeves_messages_accepted_total[1m]))' },
      { name: '{status} (data-service)', promql: 'sum by (status) (rate(jeeves_messages_completed_total[1m]))' },
    ],
  },
  {
    id: 'latency',
    title: 'End-to-end latency, accepted to stored reply',
    unit: 'seconds',
    queries: [
      { name: 'p99', promql: ':jeeves_message_end_to_end_seconds:p99_rate1m' },
      { name: 'p95', promql: ':jeeves_message_end_to_end_seconds:p95_rate1m' },
    ],
  },
  {
    id: 'lag',
    title: 'Consumer lag per group',
    unit: 'messages',
    queries: [{ name: '{group}', promql: 'group:jeeves_kafka_consumer_lag_messages:sum' }],
  },
];

/** The time grid of a range query: `startS`…`endS` every `stepS` (unix seconds, whole). */
export interface RangeWindow {
  readonly startS: number;
  readonly endS: number;
  readonly stepS: number;
}

/** At most this many points per line: enough for a chart a page wide. */
export const MAX_POINTS = 240;
/** Never finer than the lab's scrape interval (5 s). */
export const MIN_STEP_SECONDS = 5;

/** The grid for the last `minutes` ending at `nowS`, aligned to the step so successive polls share points. */
export function rangeWindow(minutes: number, nowS: number): RangeWindow {
  const stepS = Math.max(MIN_STEP_SECONDS, Math.ceil((minutes * 60) / MAX_POINTS));
  const endS = Math.floor(nowS / stepS) * stepS;
  return { startS: endS - minutes * 60, endS, stepS };
}

/** `{label}` placeholders of a series name filled from its labels (an absent label reads `?`). */
export function seriesName(template: string, labels: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (_, label: string) => labels[label] ?? '?');
}

/**
 * Range answers (one per query of the chart, in order) laid on the window's grid: every series gets
 * a value or null at every timestamp (NaN, ±Inf and missing points are null), sorted by name.
 */
export function chartData(
  spec: ChartSpec,
  window: RangeWindow,
  answers: ReadonlyArray<readonly PromRangeSeries[]>,
): ChartData {
  const timestamps: number[] = [];
  for (let t = window.startS; t <= window.endS; t += window.stepS) timestamps.push(t);
  const index = new Map(timestamps.map((t, i) => [t, i]));
  const series = spec.queries.flatMap((query, q) =>
    (answers[q] ?? []).map((s) => {
      const values: Array<number | null> = timestamps.map(() => null);
      for (const [t, v] of s.points) {
        const at = index.get(Math.round(t));
        if (at !== undefined && Number.isFinite(v)) values[at] = v;
      }
      return { name: seriesName(query.name, s.labels), values };
    }),
  );
  series.sort((a, b) => a.name.localeCompare(b.name));
  return { id: spec.id, title: spec.title, unit: spec.unit, timestamps, series };
}
