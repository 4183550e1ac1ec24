import { createBreaker } from './breaker';
import { isTimeout } from './errors';
import { fastBreaker, freshRegistry, metricValue, silentLogger } from './testing/fixtures';
import { runWithTimeout, withTimeout } from './timeout';

/** Resolves when `signal` aborts; never otherwise, like a hung dependency that honours its signal. */
function hangUntilAborted(signal: AbortSignal, seen: AbortSignal[]): Promise<never> {
  seen.push(signal);
  return new Promise((_resolve, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
  );
}

describe('breaker: timeouts abort the call', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('aborts only the call that timed out, and counts it once, as a timeout', async () => {
    const registry = freshRegistry();
    const seen: AbortSignal[] = [];
    const breaker = createBreaker(
      'provider',
      (signal) => (seen.length === 0 ? hangUntilAborted(signal, seen) : (seen.push(signal), Promise.resolve('fast'))),
      { ...fastBreaker, volumeThreshold: 100 },
      registry,
      silentLogger,
    );
    const hung = breaker.fire();
    await expect(breaker.fire()).resolves.toEqual({ value: 'fast', degraded: false });
    jest.advanceTimersByTime(fastBreaker.timeoutMs);
    expect(isTimeout(await hung.catch((error: unknown) => error))).toBe(true);
    expect(seen[0]!.aborted).toBe(true);
    expect(seen[1]!.aborted).toBe(false);
    expect(
      await metricValue(registry, 'jeeves_breaker_calls_total', { dependency: 'provider', outcome: 'timeout' }),
    ).toBe(1);
    expect(
      await metricValue(registry, 'jeeves_breaker_calls_total', { dependency: 'provider', outcome: 'failure' }),
    ).toBe(0);
    breaker.shutdown();
  });
});

describe('withTimeout', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('aborts with ETIMEDOUT after the deadline', () => {
    const signal = withTimeout(undefined, 50, 'jwks');
    jest.advanceTimersByTime(49);
    expect(signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toMatchObject({ code: 'ETIMEDOUT', dependency: 'jwks' });
  });

  it('follows its parent', () => {
    const parent = new AbortController();
    const signal = withTimeout(parent.signal, 10_000);
    parent.abort(new Error('client went away'));
    expect(signal.reason).toEqual(new Error('client went away'));
  });

  it('runWithTimeout gives up on work that ignores its signal', async () => {
    const never = runWithTimeout(() => new Promise<never>(() => undefined), 20, { dependency: 'x' });
    jest.advanceTimersByTime(20);
    await expect(never).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });
});
