export interface RetryBudgetOptions {
  /** Retries allowed per call made, e.g. 0.2: retries stay under 20% of traffic. */
  ratio: number;
  /** Retries allowed per second whatever the traffic, so a quiet service can still retry. */
  minRetriesPerSecond: number;
  /** Most tokens the ratio bucket saves up, so a long calm spell does not fund a retry storm. */
  maxBalance?: number;
  now?: () => number;
}

/**
 * A token bucket that bounds retries to a share of calls (the Finagle/gRPC "retry budget"): every
 * call deposits `ratio` of a token, every retry withdraws one; a small per-second allowance keeps
 * retries possible at low traffic. When a dependency is down, retries stop multiplying its load.
 */
export class RetryBudget {
  // Tokens are counted in thousandths, so 5 deposits of 0.2 make exactly one retry (no float drift).
  private ratioMilli = 0;
  private minTokens: number;
  private lastRefillMs: number;
  private readonly now: () => number;
  private readonly maxBalance: number;

  constructor(private readonly options: RetryBudgetOptions) {
    if (options.ratio < 0 || options.minRetriesPerSecond < 0)
      throw new RangeError('retry budget ratio and minimum must be ≥ 0');
    this.now = options.now ?? Date.now;
    this.maxBalance = options.maxBalance ?? Math.max(10, options.ratio * 100);
    this.minTokens = options.minRetriesPerSecond;
    this.lastRefillMs = this.now();
  }

  /** Records a first attempt: funds `ratio` of a retry. */
  deposit(): void {
    this.ratioMilli = Math.min(this.maxBalance * 1000, this.ratioMilli + Math.round(this.options.ratio * 1000));
  }

  /** Takes one retry from the budget; false when the budget is spent (do not retry). */
  tryWithdraw(): boolean {
    this.refillMinimum();
    if (this.ratioMilli >= 1000) {
      this.ratioMilli -= 1000;
      return true;
    }
    if (this.minTokens >= 1) {
      this.minTokens -= 1;
      return true;
    }
    return false;
  }

  /** Whole retries available now (for tests and debugging). */
  available(): number {
    this.refillMinimum();
    return Math.floor(this.ratioMilli / 1000) + Math.floor(this.minTokens);
  }

  private refillMinimum(): void {
    const now = this.now();
    const elapsedSeconds = Math.max(0, now - this.lastRefillMs) / 1000;
    this.lastRefillMs = now;
    this.minTokens = Math.min(
      this.options.minRetriesPerSecond,
      this.minTokens + elapsedSeconds * this.options.minRetriesPerSecond,
    );
  }
}
