import { createBreaker } from './breaker';
import { fastBreaker, freshRegistry, HttpLikeError, metricValue, silentLogger } from './testing/fixtures';

describe('breaker: caller errors', () => {
  it('passes 4xx errors through without opening, without fallback', async () => {
    const registry = freshRegistry();
    const fallback = jest.fn(() => 'fallback');
    const breaker = createBreaker(
      'data-service',
      () => Promise.reject(new HttpLikeError(404)),
      fastBreaker,
      registry,
      silentLogger,
      { fallback },
    );
    for (let i = 0; i < 10; i++) await expect(breaker.fire()).rejects.toBeInstanceOf(HttpLikeError);
    expect(breaker.state).toBe('closed');
    expect(fallback).not.toHaveBeenCalled();
    expect(
      await metricValue(registry, 'jeeves_breaker_calls_total', { dependency: 'data-service', outcome: 'failure' }),
    ).toBe(0);
    breaker.shutdown();
  });

  it.each([408, 429, 500, 503])('counts a %i as a dependency failure', async (status) => {
    const breaker = createBreaker(
      'data-service',
      () => Promise.reject(new HttpLikeError(status)),
      fastBreaker,
      freshRegistry(),
      silentLogger,
    );
    for (let i = 0; i < 4; i++) await expect(breaker.fire()).rejects.toBeInstanceOf(HttpLikeError);
    expect(breaker.state).toBe('open');
    breaker.shutdown();
  });
});
