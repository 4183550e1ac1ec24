import type { Measurement, Probe, SampledSpec, WatchSpec } from '../definition';
import { resolveMoment } from '../definition';
import { meets, parseExpectation } from '../expectation';
import { evaluateExpression } from '../expression';
import type { PrometheusApi } from '../../../tools/common';
import { probeOutcome, type MeasurementResult, type ProbeResult } from '../run-record';
import { increaseOf, sampledKey, watchKey, type Watcher } from '../watcher';
import { probeSource, sampledSourceKey } from './probes';
import { judgeWindow, lastIncreaseOf, longestStall, lowOf, peakOf, stallEndOf, timeUntil } from './samples';

/**
 * A deviation probe judged over the method's window (seconds on the run's clock): a Prometheus
 * range at 1-s steps for a query, else the Watcher's samples. No value at all, or a gap in an
 * `always` window that otherwise held, is "no data", never "out of bounds". Never throws.
 */
export async function judgeDuring(
  p: Probe,
  window: { startS: number; endS: number },
  watcher: Watcher,
  prometheus: PrometheusApi | undefined,
  startedAtS: number,
): Promise<ProbeResult> {
  let values: Array<number | undefined> = [];
  let note: string;
  /** Steps (Prometheus) or samples (/metrics, lag, alerts) of the window that gave no value. */
  let gaps: number;
  const hasValue = (v: number | undefined): boolean => v !== undefined && !Number.isNaN(v);
  if (p.query) {
    let failed: string | undefined;
    const series = prometheus
      ? await prometheus
          .range(p.query, startedAtS + window.startS, startedAtS + window.endS, 1)
          .catch((error: unknown) => {
            failed = error instanceof Error ? error.message : String(error);
            return [];
          })
      : [];
    values = series.length > 0 ? series[0].points.map(([, v]) => v) : [];
    // A range query leaves out the steps where the series had no value: a gap shows as fewer points
    // (or as NaN points, e.g. a ratio over no traffic).
    const steps = Math.floor(window.endS - window.startS) + 1;
    const defined = values.filter(hasValue).length;
    gaps = Math.max(0, steps - defined);
    note = failed
      ? `the query failed: ${failed}`
      : `${defined} samples${defined < steps ? ` of ${steps} 1-s steps` : ''}`;
  } else {
    values = watcher
      .samples(sampledSourceKey(p))
      .filter((s) => s.t >= window.startS && s.t <= window.endS)
      .map((s) => s.value);
    gaps = values.filter((v) => !hasValue(v)).length;
    note = `${values.length} samples${gaps > 0 ? `, ${gaps} without data` : ''}`;
  }
  // Judged on the samples that have a value; none at all is "no data", not a miss. An `always` probe
  // must hold at every step: with no miss but a gap (a scrape gap mid-run), it was not seen to hold
  // throughout, so it is "no data" too. A miss among the samples is out of bounds either way.
  const judged = judgeWindow(values, p.expect, p.holds);
  const unseen = p.holds === 'always' && judged.ok && gaps > 0;
  const ok = judged.ok && !unseen;
  return {
    phase: 'during',
    name: p.name,
    source: probeSource(p),
    expect: `${p.expect} (${p.holds})`,
    measured: judged.measured,
    ok,
    outcome: unseen ? 'no data' : probeOutcome(ok, judged.measured),
    note,
  };
}

/**
 * Computes the measurements in order (an expression may use the ones before it): instants at a
 * moment, times until a source met a bound, a step's duration, a counter's longest stall (or its end), a
 * series' peak, low, increase or last rise over a window. A value that cannot be computed is undefined; `ok` is
 * set where the measurement has an `expect`. `events` maps step ids to their start and end.
 */
export async function measure(
  specs: readonly Measurement[],
  events: ReadonlyMap<string, { startS: number; endS: number }>,
  runEndS: number,
  watcher: Watcher,
  prometheus: PrometheusApi | undefined,
  startedAtS: number,
): Promise<MeasurementResult[]> {
  const results: MeasurementResult[] = [];
  const values: Record<string, number | undefined> = {};
  for (const m of specs) {
    let value: number | undefined;
    try {
      if (m.expression !== undefined) value = evaluateExpression(m.expression, values);
      else if (m.step !== undefined) {
        const e = events.get(m.step);
        value = e === undefined ? undefined : e.endS - e.startS;
      } else if (m.query !== undefined && m.at !== undefined) {
        const at = resolveMoment(m.at, events, runEndS);
        value = at === undefined || !prometheus ? undefined : await prometheus.instant(m.query, startedAtS + at);
      } else if (m.until !== undefined && m.from !== undefined) {
        const from = resolveMoment(m.from, events, runEndS);
        if (from !== undefined) {
          if (m.until.query !== undefined) {
            const series = prometheus
              ? await prometheus.range(m.until.query, startedAtS + from - 5, startedAtS + runEndS, 1)
              : [];
            const samples = (series[0]?.points ?? []).map(([t, v]) => ({ t: t - startedAtS, value: v }));
            value = timeUntil(samples, from, m.until.expect);
          } else {
            value = timeUntil(watcher.samples(sampledSourceKey(m.until)), from, m.until.expect);
          }
        }
      } else if ((m.stall || m.stallEnd) && m.from && m.to) {
        const from = resolveMoment(m.from, events, runEndS);
        const to = resolveMoment(m.to, events, runEndS);
        const samples = watcher.samples(watchKey((m.stall ?? m.stallEnd) as WatchSpec));
        value =
          from === undefined || to === undefined
            ? undefined
            : m.stall
              ? longestStall(samples, from, to)
              : stallEndOf(samples, from, to);
      } else if ((m.peak || m.low || m.increase || m.lastIncrease) && m.from && m.to) {
        const from = resolveMoment(m.from, events, runEndS);
        const to = resolveMoment(m.to, events, runEndS);
        const samples = watcher.samples(sampledKey((m.peak ?? m.low ?? m.increase ?? m.lastIncrease) as SampledSpec));
        value =
          from === undefined || to === undefined
            ? undefined
            : m.peak
              ? peakOf(samples, from, to)
              : m.low
                ? lowOf(samples, from, to)
                : m.lastIncrease
                  ? lastIncreaseOf(samples, from, to)
                  : m.increase?.watch
                    ? watcher.increase(watchKey(m.increase.watch), from, to)
                    : increaseOf(samples, from, to);
      }
    } catch {
      value = undefined;
    }
    values[m.name] = value;
    const ok = m.expect === undefined ? undefined : meets(parseExpectation(m.expect), value);
    results.push({
      name: m.name,
      ...(m.description ? { description: m.description } : {}),
      unit: m.unit,
      value,
      ...(m.expect ? { expect: m.expect, ok } : {}),
    });
  }
  return results;
}
