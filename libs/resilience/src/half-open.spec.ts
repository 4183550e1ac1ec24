import { createBreaker } from './breaker';
import { fastBreaker, freshRegistry, metricValue, silentLogger } from './testing/fixtures';

describe('breaker: open, half-open, closed', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('opens past the threshold, lets one trial through after resetTimeout, and closes when it succeeds', async () => {
    const registry = freshRegistry();
    let healthy = false;
    let calls = 0;
    const breaker = createBreaker(
      'provider',
      async () => {
        calls++;
        if (!healthy) throw new Error('down');
        return 'ok';
      },
      fastBreaker,
      registry,
      silentLogger,
    );

    for (let i = 0; i < 4; i++) await expect(breaker.fire()).rejects.toThrow('down');
    expect(breaker.state).toBe('open');
    await expect(breaker.fire()).rejects.toMatchObject({ code: 'EOPENBREAKER' });
    expect(calls).toBe(4);

    jest.advanceTimersByTime(fastBreaker.resetTimeoutMs);
    expect(breaker.state).toBe('half_open');
    expect(await metricValue(registry, 'jeeves_breaker_state', { dependency: 'provider', state: 'half_open' })).toBe(1);

    healthy = true;
    await expect(breaker.fire()).resolves.toEqual({ value: 'ok', degraded: false });
    expect(breaker.state).toBe('closed');
    expect(await metricValue(registry, 'jeeves_breaker_state', { dependency: 'provider', state: 'closed' })).toBe(1);
    expect(await metricValue(registry, 'jeeves_breaker_state', { dependency: 'provider', state: 'open' })).toBe(0);
    for (const to of ['open', 'half_open', 'closed']) {
      expect(await metricValue(registry, 'jeeves_breaker_transitions_total', { dependency: 'provider', to })).toBe(1);
    }
    expect(
      await metricValue(registry, 'jeeves_breaker_calls_total', { dependency: 'provider', outcome: 'failure' }),
    ).toBe(4);
    expect(
      await metricValue(registry, 'jeeves_breaker_calls_total', { dependency: 'provider', outcome: 'rejected' }),
    ).toBe(1);
    expect(
      await metricValue(registry, 'jeeves_breaker_calls_total', { dependency: 'provider', outcome: 'success' }),
    ).toBe(1);
    breaker.shutdown();
  });

  it('goes back to open when the trial call fails', async () => {
    const breaker = createBreaker(
      'provider',
      () => Promise.reject(new Error('down')),
      fastBreaker,
      freshRegistry(),
      silentLogger,
    );
    for (let i = 0; i < 4; i++) await expect(breaker.fire()).rejects.toThrow('down');
    jest.advanceTimersByTime(fastBreaker.resetTimeoutMs);
    expect(breaker.state).toBe('half_open');
    await expect(breaker.fire()).rejects.toThrow('down');
    expect(breaker.state).toBe('open');
    breaker.shutdown();
  });

  it('stays closed below the volume threshold, whatever the failure rate', async () => {
    const breaker = createBreaker(
      'provider',
      () => Promise.reject(new Error('down')),
      fastBreaker,
      freshRegistry(),
      silentLogger,
    );
    for (let i = 0; i < fastBreaker.volumeThreshold - 1; i++) await expect(breaker.fire()).rejects.toThrow('down');
    expect(breaker.state).toBe('closed');
    breaker.shutdown();
  });
});
