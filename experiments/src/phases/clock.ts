import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** Raised inside the method when Ctrl-C arrives; caught by the runner, never shown as a failure of a step. */
export class Interrupted extends Error {}

/**
 * The run's clock: seconds since the load's schedule began (the method's `at:` counts from there),
 * and the same moment in Prometheus time (`startedAtS`, unix seconds). Sleeps end early on `signal`.
 */
export class RunClock {
  private t0 = performance.now();
  /** Wall-clock start of the load, unix seconds; re-dated by `startAt`. */
  startedAtS = Date.now() / 1000;

  constructor(private readonly signal: AbortSignal) {}

  /** Seconds since the start (before `startAt`: since the clock was made). */
  readonly elapsed = (): number => (performance.now() - this.t0) / 1000;

  /** Re-dates the clock to the load's start, `loadStartMs` in `performance.now()` time. */
  startAt(loadStartMs: number): void {
    this.startedAtS = Date.now() / 1000 - (performance.now() - loadStartMs) / 1000;
    this.t0 = loadStartMs;
  }

  /** Waits until `s` seconds on this clock; throws Interrupted once the run is stopped. */
  async sleepUntil(s: number): Promise<void> {
    const ms = (s - this.elapsed()) * 1000;
    if (ms > 0) await sleep(ms, undefined, { signal: this.signal }).catch(() => undefined);
    if (this.signal.aborted) throw new Interrupted();
  }

  /** Waits `ms` milliseconds, or less when the run is stopped; never throws. */
  async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.signal }).catch(() => undefined);
  }
}
