import { delay, fullJitterDelayMs } from './backoff';
import { isBreakerOpen, isBulkheadRejected, isCallerError } from './errors';
import type { RetryBudget } from './retry-budget';

export interface RetryOptions {
  /** Attempts in all, the first included (1 = no retry). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Required, on purpose: retrying is only safe when the operation is idempotent (a GET, a keyed
   * upsert). The flag makes every caller say so where the retry is configured.
   */
  idempotent: true;
  budget?: RetryBudget;
  /** Which errors are worth another attempt; default: not caller errors, not an open breaker, not a full bulkhead. */
  isRetryable?: (error: unknown) => boolean;
  /** Called before each retry (metrics, logs). `attempt` counts retries from 1. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
  random?: () => number;
}

/** Errors that another attempt cannot fix, or that would make things worse. */
export function defaultIsRetryable(error: unknown): boolean {
  return !isCallerError(error) && !isBreakerOpen(error) && !isBulkheadRejected(error);
}

/**
 * Runs `work` up to `attempts` times with exponential backoff and full jitter between attempts,
 * within the retry budget. The last error is thrown when attempts or budget run out.
 */
export async function retry<T>(work: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const isRetryable = options.isRetryable ?? defaultIsRetryable;
  options.budget?.deposit();
  for (let attempt = 0; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      const last = attempt + 1 >= options.attempts;
      if (last || options.signal?.aborted || !isRetryable(error)) throw error;
      if (options.budget && !options.budget.tryWithdraw()) throw error;
      const waitMs = fullJitterDelayMs(attempt, options, options.random);
      options.onRetry?.(error, attempt + 1, waitMs);
      await delay(waitMs, options.signal);
    }
  }
}
