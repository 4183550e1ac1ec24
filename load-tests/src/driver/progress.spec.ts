import { MetricStore } from '../metrics';
import { progressLine } from './progress';
import { Timeline } from './timeline';

/**
 * A run on a fake clock: iterations start exactly `ratePerSecond` times a second and each one's
 * request finishes `latencyMs` later, recorded into the timeline where runner.ts and http.ts
 * record them (started in the arrival's second, the request in its completion's second).
 */
function simulatedRun(ratePerSecond: number, latencyMs: number, requestsPerIteration = 1) {
  const timeline = new Timeline();
  let recordedUntilMs = 0;
  const events: Array<{ atMs: number; record: () => void }> = [];
  for (let i = 0; i * (1000 / ratePerSecond) < 120_000; i++) {
    const startMs = i * (1000 / ratePerSecond);
    events.push({ atMs: startMs, record: () => (timeline.at(startMs).started += 1) });
    for (let r = 1; r <= requestsPerIteration; r++) {
      const endMs = startMs + r * latencyMs;
      events.push({ atMs: endMs, record: () => (timeline.at(endMs).requests += 1) });
    }
  }
  events.sort((a, b) => a.atMs - b.atMs);
  /** The progress line as the per-second timer would print it at `elapsedSeconds`. */
  return (elapsedSeconds: number): string => {
    for (const e of events) if (e.atMs >= recordedUntilMs && e.atMs < elapsedSeconds * 1000) e.record();
    recordedUntilMs = elapsedSeconds * 1000;
    const metrics = new MetricStore(() => elapsedSeconds);
    return progressLine('fake', { elapsedSeconds, totalSeconds: 120, metrics, timeline, inFlight: 0, failing: [] });
  };
}

const shown = (line: string, label: 'offered' | 'rate'): number =>
  Number(new RegExp(`${label} ([\\d.]+)`).exec(line)?.[1] ?? NaN);

describe('progressLine rates (fake clock)', () => {
  // When the once-a-second timer fires: on time, a little early (Node timers round to the ms and
  // start from the loop's cached time), and late (a busy event loop).
  const moments = [1.0, 1.7, 2.0, 2.999, 3.001, 4.5, 5.0, 6.25, 10.0, 29.998, 60.4];

  it.each([50, 100, 200, 400])('shows a steady %d/s as that rate at every moment, the first seconds too', (rate) => {
    const lineAt = simulatedRun(rate, 20);
    for (const t of moments) {
      const line = lineAt(t);
      expect(shown(line, 'offered')).toBeCloseTo(rate, 0);
      // Requests finish 20 ms after they start: the first second holds 2 % fewer, no more.
      expect(shown(line, 'rate')).toBeGreaterThanOrEqual(rate * 0.97);
      expect(shown(line, 'rate')).toBeLessThanOrEqual(rate * 1.001);
    }
  });

  it('counts every request of a polling flow in the request rate, and iterations in the offered rate', () => {
    const lineAt = simulatedRun(50, 10, 3);
    for (const t of [2.0, 10.0, 30.5]) {
      expect(shown(lineAt(t), 'offered')).toBeCloseTo(50, 0);
      expect(shown(lineAt(t), 'rate')).toBeCloseTo(150, -1);
    }
  });

  it('reads 0/s before the first whole second instead of dividing a partial one', () => {
    const lineAt = simulatedRun(50, 20);
    expect(shown(lineAt(0.6), 'offered')).toBe(0);
  });
});
