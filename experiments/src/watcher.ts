import type { ClusterSpec, LagSpec, SampledSpec, WatchSpec } from './definition';
import { aggregate, parseExposition, parseSelector, select, type Sample } from './exposition';
import type { PrometheusApi } from '../../tools/common';

/** Reads every running instance's /metrics text for an app (the lab, or a fake). */
export interface MetricsScraper {
  /** One entry per instance that answered, named by its instance id (`gateway-2`). */
  scrape(app: WatchSpec['app']): Promise<Array<{ instance: string; text: string }>>;
}

/** Reads a consumer group's lag from the broker (the lab, or a fake). */
export interface LagReader {
  consumerLag(spec: LagSpec): Promise<number | undefined>;
}

/** Counts partitions of the lab's contract topics from the cluster's metadata (the lab, or a fake). */
export interface ClusterReader {
  /** Undefined when no broker answered the metadata request. */
  clusterCount(spec: ClusterSpec): Promise<number | undefined>;
}

export interface TimedValue {
  /** Seconds since the run started. */
  readonly t: number;
  readonly value: number | undefined;
}

export function watchKey(spec: WatchSpec): string {
  return `${spec.app}:${spec.aggregate}:${spec.metric}${spec.missingAsZero ? ':missing=0' : ''}`;
}

/** `lag:bot:messages:key=load-user-0` — also the chart's title in the report. */
export function lagKey(spec: LagSpec): string {
  const where =
    spec.key !== undefined ? `key=${spec.key}` : spec.partition !== undefined ? `p${spec.partition}` : 'all';
  return `lag:${spec.group}:${spec.topic}:${where}`;
}

/** `cluster:under-replicated:messages` (or `:all`) — also the chart's title in the report. */
export function clusterKey(spec: ClusterSpec): string {
  return `cluster:${spec.count}:${spec.topic ?? 'all'}`;
}

export function sampledKey(spec: SampledSpec): string {
  if (spec.watch) return watchKey(spec.watch);
  if (spec.lag) return lagKey(spec.lag);
  return clusterKey(spec.cluster as ClusterSpec);
}

export function alertKey(alert: string): string {
  return `alert:${alert}`;
}

/**
 * How much a series rose from the last defined sample at or before `fromS` (or the first after it)
 * to the last one at or before `toS`. A counter (`counter: true`, a watched series) that drops was
 * restarted and counts on from zero (Prometheus's increase() rule, without extrapolation); a gauge
 * (a lag) is last minus first. Undefined without a sample in the window.
 */
export function increaseOf(
  samples: readonly TimedValue[],
  fromS: number,
  toS: number,
  options: { counter?: boolean } = {},
): number | undefined {
  const defined = samples.filter((s) => s.value !== undefined && s.t <= toS) as Array<{ t: number; value: number }>;
  const startAt = defined.findLastIndex((s) => s.t <= fromS);
  const first = startAt >= 0 ? startAt : defined.findIndex((s) => s.t >= fromS);
  // Nothing sampled from `fromS` on: no increase is known, not zero.
  if (first < 0 || defined[defined.length - 1].t < fromS) return undefined;
  const window = defined.slice(first);
  if (!options.counter) return window[window.length - 1].value - window[0].value;
  let total = 0;
  for (let k = 1; k < window.length; k++) {
    const step = window[k].value - window[k - 1].value;
    total += step >= 0 ? step : window[k].value;
  }
  return total;
}

/**
 * Samples watched series and alert states on a short interval for the whole run. The samples are
 * the evidence behind timings (fault → breaker open) and are plotted in the report.
 */
export class Watcher {
  private readonly series = new Map<string, TimedValue[]>();
  /** Per summed watch, each instance's own sum in the rounds it answered: counters restart per process. */
  private readonly byInstance = new Map<string, Map<string, TimedValue[]>>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly watches: readonly WatchSpec[],
    private readonly alerts: readonly string[],
    private readonly scraper: MetricsScraper & Partial<LagReader> & Partial<ClusterReader>,
    private readonly prometheus: PrometheusApi | undefined,
    private readonly elapsedSeconds: () => number,
    private readonly lags: readonly LagSpec[] = [],
    private readonly clusters: readonly ClusterSpec[] = [],
  ) {
    for (const w of watches) this.series.set(watchKey(w), []);
    for (const a of alerts) this.series.set(alertKey(a), []);
    for (const l of lags) this.series.set(lagKey(l), []);
    for (const c of clusters) this.series.set(clusterKey(c), []);
  }

  start(intervalMs = 500): void {
    this.timer = setInterval(() => void this.sampleOnce(), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round; a round still running is not overlapped (a slow scrape must not pile up). */
  async sampleOnce(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const t = this.elapsedSeconds();
      const apps = [...new Set(this.watches.map((w) => w.app))];
      const [texts, lagValues, clusterValues] = await Promise.all([
        Promise.all(apps.map(async (app) => [app, await this.scraper.scrape(app).catch(() => [])] as const)),
        Promise.all(
          this.lags.map((l) => this.scraper.consumerLag?.(l).catch(() => undefined) ?? Promise.resolve(undefined)),
        ),
        Promise.all(
          this.clusters.map((c) => this.scraper.clusterCount?.(c).catch(() => undefined) ?? Promise.resolve(undefined)),
        ),
      ]);
      this.lags.forEach((l, i) => this.series.get(lagKey(l))?.push({ t, value: lagValues[i] }));
      this.clusters.forEach((c, i) => this.series.get(clusterKey(c))?.push({ t, value: clusterValues[i] }));
      const samplesByApp = new Map<string, Array<{ instance: string; samples: Sample[] }>>(
        texts.map(([app, list]) => [
          app,
          list.map(({ instance, text }) => ({ instance, samples: parseExposition(text) })),
        ]),
      );
      for (const w of this.watches) {
        const perInstance = samplesByApp.get(w.app) ?? [];
        const selector = parseSelector(w.metric);
        const values = perInstance.flatMap(({ samples }) => select(samples, selector));
        // Absent from an app that answered: a counter not created yet, 0 when the spec says so.
        const value =
          values.length === 0 && w.missingAsZero && perInstance.length > 0 ? 0 : aggregate(values, w.aggregate);
        this.series.get(watchKey(w))?.push({ t, value });
        if (w.aggregate !== 'sum') continue;
        const own = this.byInstance.get(watchKey(w)) ?? new Map<string, TimedValue[]>();
        this.byInstance.set(watchKey(w), own);
        for (const { instance, samples } of perInstance) {
          const its = select(samples, selector);
          const series = own.get(instance) ?? [];
          own.set(instance, series);
          series.push({ t, value: its.length === 0 ? (w.missingAsZero ? 0 : undefined) : aggregate(its, 'sum') });
        }
      }
      if (this.alerts.length > 0 && this.prometheus) {
        const active = await this.prometheus.alerts().catch(() => undefined);
        for (const a of this.alerts) {
          const firing =
            active === undefined
              ? undefined
              : active.some((x) => x.labels.alertname === a && x.state === 'firing')
                ? 1
                : 0;
          this.series.get(alertKey(a))?.push({ t, value: firing });
        }
      }
    } finally {
      this.busy = false;
    }
  }

  samples(key: string): readonly TimedValue[] {
    return this.series.get(key) ?? [];
  }

  latest(key: string): number | undefined {
    const s = this.series.get(key);
    return s && s.length > 0 ? s[s.length - 1].value : undefined;
  }

  /**
   * How much a sampled counter grew from the last sample at or before `fromT` (seconds since the
   * run started) to the last at or before `toT` (default: the latest), a drop counting as a restart
   * from zero (increaseOf); undefined when no sample has a value. A summed watch is counted per
   * instance, then added up: one instance restarting, stopping or missing a scrape is not a drop of
   * the sum. An instance first seen after `fromT` while others were already counted started since,
   * and counts from zero. Increments a process made after its last sample are not seen.
   */
  increase(key: string, fromT: number, toT = Number.POSITIVE_INFINITY): number | undefined {
    const instances = this.byInstance.get(key);
    if (!instances) return increaseOf(this.samples(key), fromT, toT, { counter: true });
    const sampledBy = (samples: readonly TimedValue[]): boolean =>
      samples.some((s) => s.value !== undefined && s.t <= fromT);
    const countedAtStart = sampledBy(this.samples(key));
    let total: number | undefined;
    for (const samples of instances.values()) {
      const fresh = countedAtStart && !sampledBy(samples);
      const grown = increaseOf(fresh ? [{ t: fromT, value: 0 }, ...samples] : samples, fromT, toT, { counter: true });
      if (grown !== undefined) total = (total ?? 0) + grown;
    }
    return total;
  }

  all(): Record<string, readonly TimedValue[]> {
    return Object.fromEntries(this.series);
  }
}
