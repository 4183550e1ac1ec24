/**
 * The capacity benchmark's arithmetic, as pure functions: Prometheus histograms read from /metrics
 * text and their quantiles from bucket deltas, CPU time from /proc tick counts, the step verdict
 * and the climb's stop rule, and medians with their spread over rounds. No I/O here: capacity.ts
 * and its probes feed these, and capacity-math.spec.ts checks them with made-up numbers.
 */

/** One bucket of a cumulative histogram: `count` observations ≤ `le` seconds (`le` may be Infinity). */
export interface Bucket {
  readonly le: number;
  readonly count: number;
}

/** A cumulative histogram: buckets sorted by `le`, the last one `+Inf` (its count is the total). */
export interface Histogram {
  readonly buckets: readonly Bucket[];
}

/** A series' labels, `le` left out. */
export type Labels = Readonly<Record<string, string>>;

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Reads `<name>_bucket` series from Prometheus text exposition (0.0.4) or OpenMetrics text (an
 * exemplar after ` # ` is ignored), keeps the series whose labels pass `select`, and sums them by
 * `le` — PromQL's `sum by (le) (<name>_bucket{…})`. A histogram with no buckets when nothing matched.
 */
export function parseHistogram(
  text: string,
  name: string,
  select: (labels: Labels) => boolean = () => true,
): Histogram {
  const prefix = `${name}_bucket{`;
  const byLe = new Map<number, number>();
  for (const raw of text.split('\n')) {
    if (!raw.startsWith(prefix)) continue;
    const line = raw.split(' # ')[0];
    const close = line.lastIndexOf('}');
    const labels: Record<string, string> = {};
    for (const m of line.slice(prefix.length, close).matchAll(LABEL)) labels[m[1]] = m[2];
    const value = Number(
      line
        .slice(close + 1)
        .trim()
        .split(/\s+/)[0],
    );
    const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
    delete labels.le;
    if (!Number.isFinite(value) || Number.isNaN(le) || !select(labels)) continue;
    byLe.set(le, (byLe.get(le) ?? 0) + value);
  }
  return { buckets: [...byLe.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count })) };
}

/** Observations in a histogram (its `+Inf` bucket), 0 when it has none. */
export const histogramCount = (h: Histogram): number => h.buckets.at(-1)?.count ?? 0;

/**
 * `later − earlier`, bucket by bucket: what was observed between two scrapes of one process. A
 * bucket missing from `earlier` (no observation yet, so no series) counts from 0. Throws when a
 * count went down: the process restarted between the scrapes, and the delta means nothing.
 */
export function histogramDelta(later: Histogram, earlier: Histogram): Histogram {
  const before = new Map(earlier.buckets.map((b) => [b.le, b.count]));
  return {
    buckets: later.buckets.map((b) => {
      const count = b.count - (before.get(b.le) ?? 0);
      if (count < 0) throw new Error(`histogram bucket le=${b.le} went down (${before.get(b.le)} → ${b.count}): reset`);
      return { le: b.le, count };
    }),
  };
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of a histogram, as Prometheus's `histogram_quantile` computes it
 * (https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile,
 * promql/quantile.go `BucketQuantile`): find the first bucket whose cumulative count reaches
 * q × total and interpolate linearly between its lower and upper bound (the lowest bucket's lower
 * bound is 0); a rank in the `+Inf` bucket gives the highest finite bound. NaN when empty.
 */
export function histogramQuantile(q: number, h: Histogram): number {
  const buckets = h.buckets;
  const total = histogramCount(h);
  if (buckets.length < 2 || total === 0 || buckets.at(-1)?.le !== Infinity) return NaN;
  const rank = q * total;
  const i = buckets.findIndex((b) => b.count >= rank);
  if (i === buckets.length - 1) return buckets[buckets.length - 2].le;
  const upper = buckets[i].le;
  const lower = i === 0 ? 0 : buckets[i - 1].le;
  const below = i === 0 ? 0 : buckets[i - 1].count;
  const inBucket = buckets[i].count - below;
  if (i === 0 && upper <= 0) return upper;
  return inBucket === 0 ? upper : lower + (upper - lower) * ((rank - below) / inBucket);
}

/**
 * utime + stime of a process, in clock ticks, from the text of `/proc/<pid>/stat` (proc(5): fields
 * 14 and 15, counted after the parenthesised command name, which may itself hold spaces and ')').
 */
export function cpuTicksOfStat(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): utime is field 14, stime field 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`not a /proc/<pid>/stat line: ${stat}`);
  return utime + stime;
}

/** CPU used between two tick readings, in ms (`ticksPerSecond`: sysconf(_SC_CLK_TCK), 100 on Linux). */
export const cpuMs = (ticksBefore: number, ticksAfter: number, ticksPerSecond: number): number =>
  ((ticksAfter - ticksBefore) * 1000) / ticksPerSecond;

/** CPU % of one core over a wall-clock window (100 = one core busy the whole time). */
export const cpuPercent = (usedMs: number, wallMs: number): number => (wallMs > 0 ? (100 * usedMs) / wallMs : NaN);

/** CPU ms per message: NaN when no message completed (a per-message cost of nothing is not 0). */
export const cpuMsPerMessage = (usedMs: number, messages: number): number => (messages > 0 ? usedMs / messages : NaN);

/**
 * CPU ms per message above what the process costs idle: `perMessageMs` less the idle CPU (`idlePercent`
 * of a core, i.e. idlePercent × 10 ms a second) spread over `messagesPerSecond`.
 */
export const cpuMsPerMessageAboveIdle = (
  perMessageMs: number,
  idlePercent: number,
  messagesPerSecond: number,
): number => (messagesPerSecond > 0 ? perMessageMs - (idlePercent * 10) / messagesPerSecond : NaN);

/** A rate over a window: `count` per second of `seconds`; NaN for an empty window. */
export const perSecond = (count: number, seconds: number): number => (seconds > 0 ? count / seconds : NaN);

/** What "sustained" means for a step: kept up, barely failed, p99 under a bound. */
export interface Slo {
  /** The share of the offered rate that must be accepted and answered (0.95). */
  readonly keptUpShare: number;
  /** Failures allowed, as a share of offered messages (0.01). */
  readonly maxFailedShare: number;
  /** The latency bound the p99 must stay under, in ms. */
  readonly p99LimitMs: number;
}

/** The pipeline SLO of issue 14: ≥ 95 % kept up, < 1 % failed, end-to-end p99 < 250 ms. */
export const PIPELINE_SLO: Slo = { keptUpShare: 0.95, maxFailedShare: 0.01, p99LimitMs: 250 };

/** What a step measured, as far as its verdict needs. */
export interface StepOutcome {
  readonly offeredPerSecond: number;
  readonly acceptedPerSecond: number;
  /** Answered per second: replies stored for a pipeline, 2xx answers for an HTTP handler. */
  readonly completedPerSecond: number;
  /** Failed share of the offered messages (HTTP failures, failed messages, dropped arrivals). */
  readonly failedShare: number;
  readonly p99Ms: number;
}

/** A step's verdict: ok when every part of the SLO held, with the reasons it did not otherwise. */
export function judgeStep(step: StepOutcome, slo: Slo): { ok: boolean; note: string } {
  const need = slo.keptUpShare * step.offeredPerSecond;
  const pct = (v: number): string => `${((100 * v) / step.offeredPerSecond).toFixed(0)} %`;
  const problems = [
    step.acceptedPerSecond < need ? `accepted ${pct(step.acceptedPerSecond)}` : '',
    step.completedPerSecond < need ? `answered ${pct(step.completedPerSecond)}` : '',
    step.failedShare >= slo.maxFailedShare ? `${(100 * step.failedShare).toFixed(1)} % failed` : '',
    !(step.p99Ms < slo.p99LimitMs) ? `p99 ${formatMs(step.p99Ms)} ms ≥ ${slo.p99LimitMs}` : '',
  ].filter(Boolean);
  return { ok: problems.length === 0, note: problems.length ? problems.join('; ') : 'ok' };
}

const formatMs = (v: number): string => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : String(v));

/**
 * Runs `measure` at each rate in order and stops once `failuresToStop` steps have failed (2: one
 * failed step may be a neighbour's burst; the second confirms the knee). Returns every step run.
 */
export async function climb<S extends { readonly ok: boolean }>(
  rates: readonly number[],
  measure: (rate: number) => Promise<S>,
  failuresToStop = 2,
): Promise<S[]> {
  const steps: S[] = [];
  let failures = 0;
  for (const rate of rates) {
    const step = await measure(rate);
    steps.push(step);
    if (!step.ok && ++failures >= failuresToStop) break;
  }
  return steps;
}

/** The sustained rate of a climb: the completed rate of the highest-rate step that passed; 0 when none did. */
export function sustainedRate<S extends { readonly ok: boolean; readonly offeredPerSecond: number }>(
  steps: readonly S[],
  completed: (s: S) => number,
): number {
  const passed = steps.filter((s) => s.ok).sort((a, b) => b.offeredPerSecond - a.offeredPerSecond);
  return passed.length ? completed(passed[0]) : 0;
}

/** Median, min and max of a number per round (NaN values left out; all NaN when none is left). */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

export function spreadOf(values: readonly number[]): Spread {
  const xs = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (xs.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const mid = xs.length / 2;
  const median = xs.length % 2 ? xs[(xs.length - 1) / 2] : (xs[mid - 1] + xs[mid]) / 2;
  return { median, min: xs[0], max: xs[xs.length - 1], n: xs.length };
}

/** "median (min–max)", each through `format`; just the value when there was one round. */
export function formatSpread(s: Spread, format: (v: number) => string): string {
  if (s.n === 0) return '-';
  if (s.n === 1) return format(s.median);
  return `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}
