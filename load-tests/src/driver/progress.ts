import { percentile } from '../metrics';
import type { LiveState } from './runner';

/** Seconds of the run that the progress line's rates and percentiles cover. */
export const PROGRESS_WINDOW_SECONDS = 5;

/**
 * One line, rewritten each second:
 * `smoke  12/60 s  offered 10.0 it/s  rate 9.8 req/s  p95 23 ms  e2e p95 180 ms  failed 0.00 %  vus 3`.
 * `offered` is the iterations due per second (started + dropped), the rate the driver sends at;
 * `rate` the HTTP requests that finished per second (more than `offered` when flows poll). Both
 * are counted over the last whole seconds (Timeline.window) and divided by how many there are.
 */
export function progressLine(scenario: string, state: LiveState): string {
  const w = state.timeline.window(state.elapsedSeconds * 1000, PROGRESS_WINDOW_SECONDS);
  const p95 = percentile(w.durations, 95);
  const e2e = percentile(w.e2e, 95);
  const failedTotal = state.metrics.aggregate({ metric: 'http_req_failed', tags: {} }, { kind: 'rate' }) ?? 0;
  const dropped = state.metrics.aggregate({ metric: 'dropped_iterations', tags: {} }, { kind: 'count' }) ?? 0;
  const ms = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : '-');
  const parts = [
    `${scenario}`,
    `${Math.min(state.elapsedSeconds, state.totalSeconds).toFixed(0)}/${state.totalSeconds.toFixed(0)} s`,
    `offered ${((w.started + w.dropped) / w.seconds).toFixed(1)} it/s`,
    `rate ${(w.requests / w.seconds).toFixed(1)} req/s`,
    `p95 ${ms(p95)}`,
    `e2e p95 ${ms(e2e)}`,
    `failed ${(failedTotal * 100).toFixed(2)} %`,
    `vus ${state.inFlight}`,
  ];
  if (dropped > 0) parts.push(`dropped ${dropped}`);
  if (state.failing.length > 0) parts.push(`ABORTING: ${state.failing[0].metric} ${state.failing[0].threshold}`);
  return parts.join('  ');
}
