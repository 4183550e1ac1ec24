/** How many failed attempts a key may spend: a bucket of `burst`, refilled at `perMinute`. */
export interface FailureBudget {
  /** Failed attempts allowed at once, from a full bucket. */
  burst: number;
  /** Failed attempts given back per minute. */
  perMinute: number;
}

interface Bucket {
  tokens: number;
  updatedAtMs: number;
}

/**
 * Token buckets of failed attempts, one per key, in a bounded map: the least recently touched key
 * goes first when full. A key whose bucket has refilled completely is the same as an absent one, so
 * forgetting it loses nothing.
 */
export class FailureBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly budget: FailureBudget,
    private readonly maxKeys: number,
  ) {}

  /** Whole attempts `key` may still fail right now. */
  available(key: string, nowMs: number): number {
    return Math.floor(this.level(key, nowMs));
  }

  /** Takes one attempt from `key`'s bucket; false (and nothing taken) when it is empty. */
  take(key: string, nowMs: number): boolean {
    const tokens = this.level(key, nowMs);
    if (tokens < 1) return false;
    this.store(key, tokens - 1, nowMs);
    return true;
  }

  /** Gives back an attempt taken by `take` (the attempt did not fail after all). */
  refund(key: string, nowMs: number): void {
    const tokens = Math.min(this.budget.burst, this.level(key, nowMs) + 1);
    if (tokens >= this.budget.burst) this.buckets.delete(key);
    else this.store(key, tokens, nowMs);
  }

  /** Seconds until `key` may fail once more (0 when it may now); RFC 9110 §10.2.3 wants whole seconds. */
  secondsUntilAvailable(key: string, nowMs: number): number {
    const missing = 1 - this.level(key, nowMs);
    if (missing <= 0) return 0;
    // The epsilon keeps float dust (0.1 × 60 ÷ 6 = 1.0000000000000002) from adding a second.
    return Math.max(1, Math.ceil((missing * 60) / this.budget.perMinute - 1e-9));
  }

  size(): number {
    return this.buckets.size;
  }

  private level(key: string, nowMs: number): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.budget.burst;
    const refilled = ((nowMs - bucket.updatedAtMs) / 60_000) * this.budget.perMinute;
    return Math.min(this.budget.burst, bucket.tokens + Math.max(0, refilled));
  }

  private store(key: string, tokens: number, nowMs: number): void {
    this.buckets.delete(key);
    this.buckets.set(key, { tokens, updatedAtMs: nowMs });
    for (const oldest of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) break;
      this.buckets.delete(oldest);
    }
  }
}
