import { ConcurrencyLimiter } from './concurrency-limiter';
import { rateLimitHeaders } from './rate-limit-headers';
import { TokenBucketLimiter } from './token-bucket';

describe('TokenBucketLimiter', () => {
  let nowMs = 0;
  const limiter = () => new TokenBucketLimiter({ ratePerSecond: 10, burst: 5, now: () => nowMs });

  beforeEach(() => (nowMs = 1_000_000));

  it('allows a burst, then refuses with the time until the next token', () => {
    const bucket = limiter();
    const decisions = Array.from({ length: 6 }, () => bucket.take('a'));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0, 0]);
    expect(decisions[5]!.retryAfterSeconds).toBe(1);
    expect(decisions[5]!.resetSeconds).toBe(1);
  });

  it('refills at the configured rate and never above the burst', () => {
    const bucket = limiter();
    for (let i = 0; i < 5; i++) bucket.take('a');
    nowMs += 250; // 2.5 tokens back
    expect([bucket.take('a').allowed, bucket.take('a').allowed, bucket.take('a').allowed]).toEqual([true, true, false]);
    nowMs += 60_000;
    expect(bucket.take('a').remaining).toBe(4);
  });

  it('keeps one bucket per key', () => {
    const bucket = limiter();
    for (let i = 0; i < 5; i++) bucket.take('a');
    expect(bucket.take('a').allowed).toBe(false);
    expect(bucket.take('b').allowed).toBe(true);
  });

  it('stays bounded: the least recently used keys go first', () => {
    const bucket = new TokenBucketLimiter({ ratePerSecond: 1, burst: 1, maxKeys: 3, now: () => nowMs });
    for (const key of ['a', 'b', 'c', 'd', 'e']) bucket.take(key);
    expect(bucket.size()).toBe(3);
    // "a" was evicted, so it starts again with a full bucket.
    expect(bucket.take('a').allowed).toBe(true);
    expect(bucket.take('e').allowed).toBe(false);
  });

  it('states its policy window in whole seconds', () => {
    expect(new TokenBucketLimiter({ ratePerSecond: 50, burst: 100 }).windowSeconds).toBe(2);
    expect(new TokenBucketLimiter({ ratePerSecond: 1000, burst: 10 }).windowSeconds).toBe(1);
    expect(() => new TokenBucketLimiter({ ratePerSecond: 0, burst: 1 })).toThrow(RangeError);
  });
});

describe('rateLimitHeaders', () => {
  it('writes the draft-ietf-httpapi-ratelimit-headers structured fields', () => {
    expect(rateLimitHeaders({ allowed: true, remaining: 42, resetSeconds: 2, retryAfterSeconds: 0 }, 100, 2)).toEqual({
      'ratelimit-policy': '"default";q=100;w=2',
      ratelimit: '"default";r=42;t=2',
    });
  });
});

describe('ConcurrencyLimiter', () => {
  it('admits up to the limit per key and frees a slot on release (once)', () => {
    const limiter = new ConcurrencyLimiter(2);
    const first = limiter.tryAcquire('a')!;
    const second = limiter.tryAcquire('a')!;
    expect(limiter.tryAcquire('a')).toBeUndefined();
    expect(limiter.tryAcquire('b')).toBeDefined();
    first();
    first();
    expect(limiter.active('a')).toBe(1);
    expect(limiter.tryAcquire('a')).toBeDefined();
    expect(limiter.tryAcquire('a')).toBeUndefined();
    second();
    expect(limiter.active('a')).toBe(1);
  });
});
