import { createBreaker } from './breaker';
import { Bulkhead } from './bulkhead';
import { fastBreaker, freshRegistry, metricValue, silentLogger } from './testing/fixtures';

describe('breaker: fallback', () => {
  it('marks a fallback answer as degraded, with the reason', async () => {
    const registry = freshRegistry();
    const breaker = createBreaker(
      'provider',
      (_signal, city: string) => Promise.reject(new Error(`no weather for ${city}`)),
      fastBreaker,
      registry,
      silentLogger,
      {
        fallback: (_error, city) => `stale weather for ${city}`,
      },
    );
    await expect(breaker.fire('Paris')).resolves.toEqual({
      value: 'stale weather for Paris',
      degraded: true,
      reason: 'failure',
    });
    expect(
      await metricValue(registry, 'jeeves_breaker_calls_total', { dependency: 'provider', outcome: 'fallback' }),
    ).toBe(1);
    breaker.shutdown();
  });

  it('answers from the fallback while open, without calling the dependency', async () => {
    const fn = jest.fn(() => Promise.reject(new Error('down')));
    const breaker = createBreaker('provider', fn, fastBreaker, freshRegistry(), silentLogger, {
      fallback: () => 'sorry',
    });
    for (let i = 0; i < 4; i++) await breaker.fire();
    expect(breaker.state).toBe('open');
    await expect(breaker.fire()).resolves.toEqual({ value: 'sorry', degraded: true, reason: 'EOPENBREAKER' });
    expect(fn).toHaveBeenCalledTimes(4);
    breaker.shutdown();
  });

  it('a real answer is not degraded', async () => {
    const breaker = createBreaker('provider', () => Promise.resolve(21), fastBreaker, freshRegistry(), silentLogger, {
      fallback: () => 0,
    });
    await expect(breaker.fire()).resolves.toEqual({ value: 21, degraded: false });
    breaker.shutdown();
  });

  it('serves the fallback when the bulkhead refuses, without counting a dependency failure', async () => {
    const registry = freshRegistry();
    const bulkhead = new Bulkhead('provider', { maxConcurrent: 1, maxQueue: 0, queueTimeoutMs: 10 }, registry);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const breaker = createBreaker(
      'provider',
      async () => gate.then(() => 'ok'),
      { ...fastBreaker, timeoutMs: 10_000 },
      registry,
      silentLogger,
      {
        bulkhead,
        fallback: () => 'busy',
      },
    );
    const first = breaker.fire();
    await expect(breaker.fire()).resolves.toEqual({ value: 'busy', degraded: true, reason: 'EBULKHEAD' });
    release();
    await expect(first).resolves.toEqual({ value: 'ok', degraded: false });
    expect(
      await metricValue(registry, 'jeeves_breaker_calls_total', { dependency: 'provider', outcome: 'failure' }),
    ).toBe(0);
    breaker.shutdown();
  });
});
