import { percentile } from '../metrics';
import type { LiveState } from './runner';

/** One line, rewritten each second: `12/60 s  rate 9.8/s  p95 23 ms  e2e p95 180 ms  failed 0.0 %  vus 3`. */
export function progressLine(scenario: string, state: LiveState): string {
  const w = state.timeline.window(state.elapsedSeconds * 1000, 5);
  const p95 = percentile(w.durations, 95);
  const e2e = percentile(w.e2e, 95);
  const failedTotal = state.metrics.aggregate({ metric: 'http_req_failed', tags: {} }, { kind: 'rate' }) ?? 0;
  const dropped = state.metrics.aggregate({ metric: 'dropped_iterations', tags: {} }, { kind: 'count' }) ?? 0;
  const ms = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : '-');
  const parts = [
    `${scenario}`,
    `${Math.min(state.elapsedSeconds, state.totalSeconds).toFixed(0)}/${state.totalSeconds.toFixed(0)} s`,
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
