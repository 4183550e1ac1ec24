import { meets, parseExpectation } from '../expectation';
import type { TimedValue } from '../watcher';

/** Judgements over a run's samples, pure: windows of values, timings from a moment, peaks and stalls. */

/** Judges a window of samples: `always` wants every sample to meet the bound, `sometimes` one. */
export function judgeWindow(
  values: readonly (number | undefined)[],
  expect: string,
  holds: 'always' | 'sometimes',
): { ok: boolean; measured: number | undefined } {
  const e = parseExpectation(expect);
  const defined = values.filter((v): v is number => v !== undefined && !Number.isNaN(v));
  if (defined.length === 0) return { ok: false, measured: undefined };
  const baseline = defined[0];
  const hits = defined.map((v) => meets(e, v, baseline));
  // The reported value is the one that decides: the worst sample for `always`, the best for `sometimes`.
  const firstMiss = defined.find((_, i) => !hits[i]);
  const firstHit = defined.find((_, i) => hits[i]);
  let worst = firstMiss ?? defined[defined.length - 1];
  let best = firstHit ?? defined[defined.length - 1];
  if (e.kind === 'compare' && (e.operator === '<' || e.operator === '<='))
    [worst, best] = [Math.max(...defined), Math.min(...defined)];
  if (e.kind === 'compare' && (e.operator === '>' || e.operator === '>='))
    [worst, best] = [Math.min(...defined), Math.max(...defined)];
  if (holds === 'always') return { ok: hits.every(Boolean), measured: worst };
  return { ok: hits.some(Boolean), measured: best };
}

/** Seconds from `fromS` until a sample meets the expectation (`increases`: above the last value before `fromS`). */
export function timeUntil(samples: readonly TimedValue[], fromS: number, expect: string): number | undefined {
  const e = parseExpectation(expect);
  const before = samples.filter((s) => s.t <= fromS && s.value !== undefined);
  const baseline = before.length > 0 ? before[before.length - 1].value : undefined;
  const hit = samples.find((s) => s.t >= fromS && meets(e, s.value, baseline));
  return hit === undefined ? undefined : hit.t - fromS;
}

/** Defined samples between `fromS` and `toS` (seconds into the run). */
function valuesIn(samples: readonly TimedValue[], fromS: number, toS: number): number[] {
  return samples.filter((s) => s.t >= fromS && s.t <= toS && s.value !== undefined).map((s) => s.value as number);
}

/** Highest defined sample between `fromS` and `toS`. */
export function peakOf(samples: readonly TimedValue[], fromS: number, toS: number): number | undefined {
  const values = valuesIn(samples, fromS, toS);
  return values.length === 0 ? undefined : Math.max(...values);
}

/** Lowest defined sample between `fromS` and `toS`: above 0 for a lag means it never caught up there. */
export function lowOf(samples: readonly TimedValue[], fromS: number, toS: number): number | undefined {
  const values = valuesIn(samples, fromS, toS);
  return values.length === 0 ? undefined : Math.min(...values);
}

/** Longest time a counter did not move between `fromS` and its last increase before `toS`. */
export function longestStall(samples: readonly TimedValue[], fromS: number, toS: number): number | undefined {
  return stallOf(samples, fromS, toS)?.seconds;
}

/**
 * Seconds from `fromS` to the end of the counter's longest stall between `fromS` and `toS`: the
 * sample where it moved again (a producer's successful sends: the first one after a failover's
 * pause). Undefined when it never moved in the window (no end) or with fewer than two samples.
 */
export function stallEndOf(samples: readonly TimedValue[], fromS: number, toS: number): number | undefined {
  const stall = stallOf(samples, fromS, toS);
  return stall?.endS === undefined ? undefined : stall.endS - fromS;
}

/** The longest stall in the window: its length, and the sample that ended it (none: it never moved). */
function stallOf(
  samples: readonly TimedValue[],
  fromS: number,
  toS: number,
): { seconds: number; endS: number | undefined } | undefined {
  const inWindow = samples.filter((s) => s.t >= fromS && s.t <= toS && s.value !== undefined);
  if (inWindow.length < 2) return undefined;
  let lastMove = fromS;
  let previous = inWindow[0].value as number;
  let longest = 0;
  let endS: number | undefined;
  for (const s of inWindow.slice(1)) {
    if ((s.value as number) > previous) {
      if (s.t - lastMove > longest || endS === undefined) {
        longest = Math.max(longest, s.t - lastMove);
        endS = s.t;
      }
      lastMove = s.t;
    }
    previous = s.value as number;
  }
  // Never moved at all: the whole window was a stall.
  return lastMove === fromS ? { seconds: toS - fromS, endS: undefined } : { seconds: longest, endS };
}

/**
 * Seconds from `fromS` to the last defined sample up to `toS` that is above the defined sample before
 * it (a counter that rose), 0 when none rose. A drop (a restarted process) is not a rise. Undefined
 * without two defined samples in the window.
 */
export function lastIncreaseOf(samples: readonly TimedValue[], fromS: number, toS: number): number | undefined {
  const defined = samples.filter((s) => s.value !== undefined && s.t <= toS) as Array<{ t: number; value: number }>;
  // From the last sample at or before `fromS`: a rise that ends right after it counts.
  const startAt = Math.max(
    0,
    defined.findLastIndex((s) => s.t <= fromS),
  );
  const window = defined.slice(startAt);
  if (window.length < 2) return undefined;
  let last: number | undefined;
  for (let k = 1; k < window.length; k++) if (window[k].value > window[k - 1].value) last = window[k].t;
  return last === undefined ? 0 : Math.max(0, last - fromS);
}
