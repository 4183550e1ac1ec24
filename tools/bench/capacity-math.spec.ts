import {
  climb,
  cpuMs,
  cpuMsPerMessage,
  cpuMsPerMessageAboveIdle,
  cpuPercent,
  cpuTicksOfStat,
  formatSpread,
  histogramCount,
  histogramDelta,
  histogramQuantile,
  judgeStep,
  parseHistogram,
  perSecond,
  PIPELINE_SLO,
  spreadOf,
  sustainedRate,
  type Histogram,
} from './capacity-math';

const scrape = (counts: Record<string, [number, number, number, number]>): string =>
  Object.entries(counts)
    .flatMap(([labels, [a, b, c, inf]]) => [
      `jeeves_message_end_to_end_seconds_bucket{service="data-service",${labels},le="0.1"} ${a}`,
      `jeeves_message_end_to_end_seconds_bucket{service="data-service",${labels},le="0.25"} ${b} # {trace_id="abc"} 0.2 1700000000.1`,
      `jeeves_message_end_to_end_seconds_bucket{service="data-service",${labels},le="0.5"} ${c}`,
      `jeeves_message_end_to_end_seconds_bucket{service="data-service",${labels},le="+Inf"} ${inf}`,
      `jeeves_message_end_to_end_seconds_count{service="data-service",${labels}} ${inf}`,
    ])
    .join('\n');

describe('parseHistogram', () => {
  const text = [
    '# HELP jeeves_message_end_to_end_seconds From acceptance …',
    '# TYPE jeeves_message_end_to_end_seconds histogram',
    scrape({ 'intent="echo",status="replied"': [10, 20, 20, 20], 'intent="weather",status="failed"': [0, 1, 2, 3] }),
    'jeeves_other_bucket{le="0.1"} 99',
  ].join('\n');

  it('sums the selected series by le (sum by (le)), ignoring exemplars and other metrics', () => {
    expect(parseHistogram(text, 'jeeves_message_end_to_end_seconds').buckets).toEqual([
      { le: 0.1, count: 10 },
      { le: 0.25, count: 21 },
      { le: 0.5, count: 22 },
      { le: Infinity, count: 23 },
    ]);
    const failed = parseHistogram(text, 'jeeves_message_end_to_end_seconds', (l) => l.status === 'failed');
    expect(histogramCount(failed)).toBe(3);
  });

  it('gives an empty histogram when no series matches', () => {
    expect(parseHistogram(text, 'nothing_here')).toEqual({ buckets: [] });
    expect(histogramCount(parseHistogram(text, 'nothing_here'))).toBe(0);
  });
});

describe('histogramDelta and histogramQuantile', () => {
  const h = (pairs: Array<[number, number]>): Histogram => ({ buckets: pairs.map(([le, count]) => ({ le, count })) });

  it('takes the bucket deltas between two scrapes; a bucket absent before counts from 0', () => {
    const before = h([
      [0.1, 5],
      [Infinity, 6],
    ]);
    const after = h([
      [0.1, 105],
      [0.25, 50],
      [Infinity, 206],
    ]);
    expect(histogramDelta(after, before)).toEqual(
      h([
        [0.1, 100],
        [0.25, 50],
        [Infinity, 200],
      ]),
    );
  });

  it('refuses a delta across a restart (a count went down)', () => {
    expect(() => histogramDelta(h([[Infinity, 1]]), h([[Infinity, 5]]))).toThrow(/reset/);
  });

  // 100 observations: 50 ≤ 0.1 s, 40 in (0.1, 0.25], 8 in (0.25, 0.5], 2 above.
  const d = h([
    [0.1, 50],
    [0.25, 90],
    [0.5, 98],
    [Infinity, 100],
  ]);

  it('interpolates linearly inside the bucket that holds the rank, as histogram_quantile does', () => {
    // rank 50 is the top of the first bucket: 0 + 0.1 × 50/50.
    expect(histogramQuantile(0.5, d)).toBeCloseTo(0.1, 10);
    // rank 70: 20 of the 40 in (0.1, 0.25] → 0.1 + 0.15 × 0.5.
    expect(histogramQuantile(0.7, d)).toBeCloseTo(0.175, 10);
    // rank 94: 4 of the 8 in (0.25, 0.5] → 0.375.
    expect(histogramQuantile(0.94, d)).toBeCloseTo(0.375, 10);
    // rank 25 in the lowest bucket: its lower bound is 0.
    expect(histogramQuantile(0.25, d)).toBeCloseTo(0.05, 10);
  });

  it('answers the highest finite bound for a rank in +Inf, and NaN for an empty histogram', () => {
    expect(histogramQuantile(0.99, d)).toBe(0.5);
    expect(histogramQuantile(0.5, h([[Infinity, 0]]))).toBeNaN();
    expect(histogramQuantile(0.5, { buckets: [] })).toBeNaN();
  });
});

describe('CPU from /proc/<pid>/stat', () => {
  // proc(5): pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
  const stat = '4242 (node (a) b) S 1 4242 4242 0 -1 4194560 9000 0 12 0 1234 567 0 0 20 0 11 0 100 1000000 5000';

  it('reads utime + stime even when the command name holds spaces and parentheses', () => {
    expect(cpuTicksOfStat(stat)).toBe(1234 + 567);
    expect(() => cpuTicksOfStat('garbage')).toThrow(/not a \/proc/);
  });

  it('turns tick deltas into ms, % of a core and ms per message', () => {
    const used = cpuMs(1000, 1250, 100);
    expect(used).toBe(2500);
    expect(cpuPercent(used, 10_000)).toBe(25);
    expect(cpuMsPerMessage(used, 1000)).toBe(2.5);
    expect(cpuMsPerMessage(used, 0)).toBeNaN();
    expect(perSecond(1500, 10)).toBe(150);
    // 40 % of a core idle is 400 ms a second: over 200 msgs/s, 2 ms of each message's 2.5 ms.
    expect(cpuMsPerMessageAboveIdle(2.5, 40, 200)).toBeCloseTo(0.5, 10);
    expect(cpuMsPerMessageAboveIdle(2.5, 40, 0)).toBeNaN();
    expect(perSecond(1, 0)).toBeNaN();
  });
});

describe('judgeStep (the SLO of a sustained step)', () => {
  const step = { offeredPerSecond: 200, acceptedPerSecond: 200, completedPerSecond: 199, failedShare: 0, p99Ms: 120 };

  it('passes a step that kept up, barely failed and stayed under the p99 bound', () => {
    expect(judgeStep(step, PIPELINE_SLO)).toEqual({ ok: true, note: 'ok' });
    expect(judgeStep({ ...step, completedPerSecond: 190, failedShare: 0.0099 }, PIPELINE_SLO).ok).toBe(true);
  });

  it('names every part of the SLO that broke', () => {
    expect(judgeStep({ ...step, completedPerSecond: 189 }, PIPELINE_SLO)).toEqual({ ok: false, note: 'answered 95 %' });
    expect(judgeStep({ ...step, acceptedPerSecond: 150, failedShare: 0.25 }, PIPELINE_SLO).note).toBe(
      'accepted 75 %; 25.0 % failed',
    );
    expect(judgeStep({ ...step, p99Ms: 250 }, PIPELINE_SLO).note).toBe('p99 250 ms ≥ 250');
    expect(judgeStep({ ...step, p99Ms: NaN }, PIPELINE_SLO).ok).toBe(false);
  });
});

describe('climb (the stop rule) and sustainedRate', () => {
  const fakeSystem = (capacity: number, noisyAt?: number) => async (rate: number) => ({
    offeredPerSecond: rate,
    replied: Math.min(rate, capacity),
    ok: rate <= capacity && rate !== noisyAt,
  });

  it('goes on past the first failing step and stops after the second', async () => {
    const measured: number[] = [];
    const steps = await climb([50, 100, 150, 200, 300, 400, 600], async (rate) => {
      measured.push(rate);
      return fakeSystem(160, 100)(rate);
    });
    expect(measured).toEqual([50, 100, 150, 200]);
    expect(steps.map((s) => s.ok)).toEqual([true, false, true, false]);
    // A pass after a one-off failure still counts: the highest passing step sets the rate.
    expect(sustainedRate(steps, (s) => s.replied)).toBe(150);
  });

  it('runs every rate when none fails twice, and sustains 0 when nothing passed', async () => {
    expect(await climb([1, 2, 3], fakeSystem(10))).toHaveLength(3);
    const none = await climb([50, 100, 150], fakeSystem(10));
    expect(none).toHaveLength(2);
    expect(sustainedRate(none, (s) => s.replied)).toBe(0);
  });
});

describe('spread over rounds', () => {
  it('gives the median and the min–max, leaving out NaN', () => {
    expect(spreadOf([300, 280, NaN, 320])).toEqual({ median: 300, min: 280, max: 320, n: 3 });
    expect(spreadOf([1, 2, 3, 4]).median).toBe(2.5);
    expect(formatSpread(spreadOf([0.52, 0.48, 0.5]), (v) => v.toFixed(2))).toBe('0.50 (0.48–0.52)');
    expect(formatSpread(spreadOf([7]), String)).toBe('7');
    expect(formatSpread(spreadOf([NaN]), String)).toBe('-');
  });
});
