/** What one `take` decided, with what the RateLimit headers need. */
export interface RateDecision {
  readonly allowed: boolean;
  /** Whole tokens left after this request. */
  readonly remaining: number;
  /** Seconds until the bucket is full again (the quota "resets"). */
  readonly resetSeconds: number;
  /** Seconds until one token is available; 0 when allowed. */
  readonly retryAfterSeconds: number;
}

export interface TokenBucketOptions {
  /** Tokens added per second, the sustained rate. */
  ratePerSecond: number;
  /** Bucket size, the largest burst. */
  burst: number;
  /** Buckets kept at most; idle full buckets are dropped first, then the least recently used. */
  maxKeys?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedAtMs: number;
}

/**
 * One token bucket per key (client id). Buckets are lazily refilled on access, so an idle client
 * costs nothing but its map entry, and a full bucket is the same as no bucket.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(private readonly options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1))
      throw new RangeError('ratePerSecond must be > 0 and burst >= 1');
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  get burst(): number {
    return this.options.burst;
  }

  /** The policy window: how long an empty bucket takes to refill, whole seconds. */
  get windowSeconds(): number {
    return Math.max(1, Math.ceil(this.options.burst / this.options.ratePerSecond));
  }

  take(key: string, cost = 1): RateDecision {
    const nowMs = this.now();
    const bucket = this.refill(key, nowMs);
    const allowed = bucket.tokens >= cost;
    if (allowed) bucket.tokens -= cost;
    // Re-insert: Map order doubles as least-recently-used order for eviction.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    this.evict();
    const missingForFull = this.options.burst - bucket.tokens;
    return {
      allowed,
      remaining: Math.floor(bucket.tokens),
      resetSeconds: Math.ceil(missingForFull / this.options.ratePerSecond),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((cost - bucket.tokens) / this.options.ratePerSecond)),
    };
  }

  size(): number {
    return this.buckets.size;
  }

  private refill(key: string, nowMs: number): Bucket {
    const bucket = this.buckets.get(key) ?? { tokens: this.options.burst, updatedAtMs: nowMs };
    const elapsedSeconds = Math.max(0, nowMs - bucket.updatedAtMs) / 1000;
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + elapsedSeconds * this.options.ratePerSecond);
    bucket.updatedAtMs = nowMs;
    return bucket;
  }

  private evict(): void {
    if (this.buckets.size <= this.maxKeys) return;
    // The oldest entries are the least recently used; dropping one at most makes its client's
    // bucket full again, which errs on the side of letting traffic through.
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) break;
      this.buckets.delete(key);
    }
  }
}
