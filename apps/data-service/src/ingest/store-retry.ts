import { retry } from '#libs/resilience';

export interface StoreRetryOptions {
  /** Attempts in all; Infinity keeps trying until `signal` aborts. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Aborted at shutdown: stop waiting for the store and let the caller fail. */
  signal: AbortSignal;
  /** Called before each retry, so a long outage does not make the group think this member died. */
  heartbeat: () => Promise<void>;
  onRetry: (error: unknown, attempt: number) => void;
}

/**
 * Keeps one event waiting while the store fails, instead of letting it go to the dead-letter topic
 * at once: a store outage then shows as consumer lag that drains afterwards, in order. Every error
 * here is the store's (the lifecycle is pure), and every store write is idempotent by envelope id,
 * so retrying is always safe.
 */
export async function whileStoreFails<T>(work: () => Promise<T>, options: StoreRetryOptions): Promise<T> {
  return retry(
    async (attempt) => {
      if (attempt > 0) await options.heartbeat();
      return work();
    },
    {
      attempts: options.attempts,
      baseDelayMs: options.baseDelayMs,
      maxDelayMs: options.maxDelayMs,
      idempotent: true,
      isRetryable: () => true,
      signal: options.signal,
      onRetry: (error, attempt) => options.onRetry(error, attempt),
    },
  );
}
