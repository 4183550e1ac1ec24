import type { ClusterSpec, LagSpec, Probe, WatchSpec } from '../definition';
import { meets, parseExpectation } from '../expectation';
import type { PrometheusApi } from '../../../tools/common';
import { probeOutcome, type ProbeResult } from '../run-record';
import { alertKey, clusterKey, lagKey, watchKey, type Watcher } from '../watcher';

/** Where a probe or measurement reads its value from. */
export type Source = { query?: string; watch?: WatchSpec; alert?: string; lag?: LagSpec; cluster?: ClusterSpec };

/** The source in words, for the report: `PromQL: …`, `max of … on worker (/metrics, sampled)`, … */
export function probeSource(p: Source): string {
  if (p.query) return `PromQL: ${p.query}`;
  if (p.watch) return `${p.watch.aggregate} of ${p.watch.metric} on ${p.watch.app} (/metrics, sampled)`;
  if (p.lag)
    return `lag of the ${p.lag.group} group on ${p.lag.topic}${p.lag.key !== undefined ? ` (partition of key ${p.lag.key})` : p.lag.partition !== undefined ? ` partition ${p.lag.partition}` : ''} (broker offsets, sampled)`;
  if (p.cluster)
    return `${p.cluster.count} partitions of ${p.cluster.topic ?? 'every pipeline topic'} (cluster metadata, sampled)`;
  return `alert ${p.alert} firing`;
}

/** The value of one source now: an instant query (at `atS`, Prometheus time), or the Watcher's latest sample. */
export class SourceReader {
  constructor(
    private readonly watcher: Watcher,
    private readonly prometheus: PrometheusApi | undefined,
  ) {}

  /** Undefined when the source has no value (a failed or empty query, no sample yet). */
  async valueNow(p: Source, atS?: number): Promise<number | undefined> {
    if (p.query) return this.prometheus ? this.prometheus.instant(p.query, atS).catch(() => undefined) : undefined;
    return this.watcher.latest(sampledSourceKey(p));
  }
}

/** The Watcher's key for a source it samples (a watched series, a lag, a partition count or an alert; not a query). */
export function sampledSourceKey(p: Source): string {
  if (p.watch) return watchKey(p.watch);
  if (p.lag) return lagKey(p.lag);
  if (p.cluster) return clusterKey(p.cluster);
  return alertKey(p.alert as string);
}

/** A probe judged on one value (before the method, or after it during recovery). */
export function judgeInstant(
  phase: 'before' | 'after',
  p: Probe,
  measured: number | undefined,
  note?: string,
): ProbeResult {
  const ok = meets(parseExpectation(p.expect), measured);
  return {
    phase,
    name: p.name,
    source: probeSource(p),
    expect: p.expect,
    measured,
    ok,
    outcome: probeOutcome(ok, measured),
    ...(note === undefined ? {} : { note }),
  };
}
