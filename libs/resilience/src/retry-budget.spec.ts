import { createBreaker } from './breaker';
import { retry } from './retry';
import { RetryBudget } from './retry-budget';
import { fastBreaker, freshRegistry, HttpLikeError, metricValue, silentLogger } from './testing/fixtures';

describe('RetryBudget', () => {
  it('allows retries up to ratio × calls plus the per-second minimum', () => {
    let now = 0;
    const budget = new RetryBudget({ ratio: 0.2, minRetriesPerSecond: 1, now: () => now });
    for (let i = 0; i < 100; i++) budget.deposit();
    let granted = 0;
    while (budget.tryWithdraw()) granted++;
    expect(granted).toBe(20 + 1);
    expect(budget.tryWithdraw()).toBe(false);
    now += 1000;
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
  });

  it('caps savings so a calm spell cannot fund a storm', () => {
    const budget = new RetryBudget({ ratio: 0.5, minRetriesPerSecond: 0, maxBalance: 3, now: () => 0 });
    for (let i = 0; i < 1000; i++) budget.deposit();
    expect(budget.available()).toBe(3);
  });
});

describe('retry', () => {
  const fast = { attempts: 4, baseDelayMs: 0, maxDelayMs: 0, idempotent: true as const };

  it('retries until success', async () => {
    let calls = 0;
    const result = await retry(async () => {
      if (++calls < 3) throw new Error('flaky');
      return 'ok';
    }, fast);
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('never retries a caller error', async () => {
    let calls = 0;
    await expect(
      retry(async () => {
        calls++;
        throw new HttpLikeError(400);
      }, fast),
    ).rejects.toBeInstanceOf(HttpLikeError);
    expect(calls).toBe(1);
  });

  it('stops when the budget is spent: a failing dependency sees at most calls × (1 + ratio) + minimum attempts', async () => {
    const budget = new RetryBudget({ ratio: 0.2, minRetriesPerSecond: 2, now: () => 0 });
    let attempts = 0;
    for (let call = 0; call < 100; call++) {
      await expect(
        retry(
          async () => {
            attempts++;
            throw new Error('down');
          },
          { ...fast, budget },
        ),
      ).rejects.toThrow('down');
    }
    // Without a budget: 100 calls × 4 attempts = 400.
    expect(attempts).toBeLessThanOrEqual(100 + 20 + 2);
    expect(attempts).toBeGreaterThan(100);
  });

  it('counts retries made through a breaker in jeeves_retries_total', async () => {
    const registry = freshRegistry();
    let calls = 0;
    const breaker = createBreaker(
      'provider',
      async () => {
        if (++calls < 3) throw new Error('flaky');
        return 'ok';
      },
      { ...fastBreaker, volumeThreshold: 100 },
      registry,
      silentLogger,
      { retry: { ...fast, budget: new RetryBudget({ ratio: 0.2, minRetriesPerSecond: 10 }) } },
    );
    await expect(breaker.fire()).resolves.toEqual({ value: 'ok', degraded: false });
    expect(await metricValue(registry, 'jeeves_retries_total', { dependency: 'provider' })).toBe(2);
    breaker.shutdown();
  });
});
