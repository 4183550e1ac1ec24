/**
 * The built-in driver's measurements, under k6's metric names and types, so thresholds and
 * summaries read the same in both drivers. Trend values are milliseconds (k6's unit for time).
 */
import type { Aggregation, Aggregator, MetricSelector } from './thresholds';

export type MetricType = 'counter' | 'rate' | 'trend' | 'gauge';

/** Metrics the driver emits; the names are k6's built-ins plus our custom e2e trend. */
export const METRIC_TYPES: Readonly<Record<string, MetricType>> = {
  http_reqs: 'counter',
  http_req_failed: 'rate',
  http_req_duration: 'trend',
  iterations: 'counter',
  iteration_duration: 'trend',
  dropped_iterations: 'counter',
  checks: 'rate',
  vus: 'gauge',
  vus_max: 'gauge',
  jeeves_e2e_latency: 'trend',
};

export type Tags = Readonly<Record<string, string>>;

interface Series {
  readonly metric: string;
  readonly tags: Tags;
  /** counter: sum; rate: non-zero count; gauge: last value. */
  value: number;
  /** rate: all samples; trend: number of samples. */
  count: number;
  max: number;
  values: Float64Array | undefined;
}

/** Sorted values of one selector, cached per sample count so repeated threshold checks stay cheap. */
interface SortedCache {
  count: number;
  sorted: Float64Array;
}

export class MetricStore implements Aggregator {
  private readonly series = new Map<string, Series>();
  private readonly sortedCache = new Map<string, SortedCache>();

  /** @param elapsedSeconds the run's length so far, for a counter's `rate`. */
  constructor(private readonly elapsedSeconds: () => number) {}

  add(metric: string, value: number, tags: Tags = {}): void {
    const type = METRIC_TYPES[metric];
    if (!type) throw new Error(`unknown metric ${metric}`);
    const s = this.seriesFor(metric, tags, type);
    switch (type) {
      case 'counter':
        s.value += value;
        s.count += 1;
        break;
      case 'rate':
        if (value !== 0) s.value += 1;
        s.count += 1;
        break;
      case 'gauge':
        s.value = value;
        s.count += 1;
        s.max = Math.max(s.max, value);
        break;
      case 'trend': {
        let values = s.values as Float64Array;
        if (s.count === values.length) {
          const grown = new Float64Array(values.length * 2);
          grown.set(values);
          values = s.values = grown;
        }
        values[s.count] = value;
        s.count += 1;
        s.max = Math.max(s.max, value);
        break;
      }
    }
  }

  private seriesFor(metric: string, tags: Tags, type: MetricType): Series {
    const key = seriesKey(metric, tags);
    let s = this.series.get(key);
    if (!s) {
      s = {
        metric,
        tags: { ...tags },
        value: 0,
        count: 0,
        max: -Infinity,
        values: type === 'trend' ? new Float64Array(1024) : undefined,
      };
      this.series.set(key, s);
    }
    return s;
  }

  private matching(selector: MetricSelector): Series[] {
    const wanted = Object.entries(selector.tags);
    return [...this.series.values()].filter(
      (s) => s.metric === selector.metric && wanted.every(([k, v]) => s.tags[k] === v),
    );
  }

  /** k6's aggregation of a metric (optionally narrowed by tags); undefined when it has no samples. */
  aggregate(selector: MetricSelector, aggregation: Aggregation): number | undefined {
    const type = METRIC_TYPES[selector.metric];
    if (!type) return undefined;
    const series = this.matching(selector);
    const count = series.reduce((n, s) => n + s.count, 0);
    if (count === 0) return undefined;
    switch (type) {
      case 'counter': {
        const sum = series.reduce((n, s) => n + s.value, 0);
        if (aggregation.kind === 'count') return sum;
        if (aggregation.kind === 'rate') return sum / Math.max(this.elapsedSeconds(), 1e-9);
        return undefined;
      }
      case 'rate':
        return aggregation.kind === 'rate' ? series.reduce((n, s) => n + s.value, 0) / count : undefined;
      case 'gauge':
        if (aggregation.kind === 'value') return series[series.length - 1].value;
        if (aggregation.kind === 'max') return Math.max(...series.map((s) => s.max));
        return undefined;
      case 'trend':
        return trendStat(this.sorted(selector, series, count), aggregation);
    }
  }

  private sorted(selector: MetricSelector, series: Series[], count: number): Float64Array {
    const key = seriesKey(selector.metric, selector.tags);
    const cached = this.sortedCache.get(key);
    if (cached && cached.count === count) return cached.sorted;
    const all = new Float64Array(count);
    let offset = 0;
    for (const s of series) {
      all.set((s.values as Float64Array).subarray(0, s.count), offset);
      offset += s.count;
    }
    all.sort();
    this.sortedCache.set(key, { count, sorted: all });
    return all;
  }

  /** Samples recorded under a selector (for a rate: passes + fails). */
  sampleCount(selector: MetricSelector): number {
    return this.matching(selector).reduce((n, s) => n + s.count, 0);
  }

  /** Every series, for the summary. */
  snapshot(): Array<{ metric: string; type: MetricType; tags: Tags }> {
    return [...this.series.values()].map((s) => ({ metric: s.metric, type: METRIC_TYPES[s.metric], tags: s.tags }));
  }
}

/** Percentile by linear interpolation between closest ranks (what k6 reports for p(N)). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export function trendStat(sorted: ArrayLike<number>, aggregation: Aggregation): number | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  switch (aggregation.kind) {
    case 'avg': {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += sorted[i];
      return sum / n;
    }
    case 'min':
      return sorted[0];
    case 'max':
      return sorted[n - 1];
    case 'med':
      return percentile(sorted, 50);
    case 'p':
      return percentile(sorted, aggregation.percentile);
    case 'count':
      return n;
    default:
      return undefined;
  }
}

function seriesKey(metric: string, tags: Tags): string {
  return `${metric}{${Object.keys(tags)
    .sort()
    .map((k) => `${k}:${tags[k]}`)
    .join(',')}}`;
}
