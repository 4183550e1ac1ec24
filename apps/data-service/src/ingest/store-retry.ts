import { NonRetryableError } from '#libs/kafka';
import { retry } from '#libs/resilience';
import { isTransientStoreError } from '../store/store-errors';

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
 * at once: a store outage then shows as consumer lag that drains afterwards, in order. Every store
 * write is idempotent by envelope id, so retrying is safe; but only a transient store failure is
 * waited out (isTransientStoreError). Anything else — a bug in our code, an input it did not
 * expect, a write the engine refuses — fails the same way every time and is thrown at once as a
 * NonRetryableError, which the transport dead-letters without retries (reason `handler-error`).
 */
export async function whileStoreFails<T>(work: () => Promise<T>, options: StoreRetryOptions): Promise<T> {
  // A failed heartbeat (the group rebalancing, the broker away) is Kafka's, not the store's: it is
  // handed to the transport as it was, which rejoins on a rebalance and retries anything else.
  let heartbeatFailure: { error: unknown } | undefined;
  try {
    return await retry(
      async (attempt) => {
        if (attempt > 0) {
          try {
            await options.heartbeat();
          } catch (error) {
            heartbeatFailure = { error };
            throw error;
          }
        }
        return work();
      },
      {
        attempts: options.attempts,
        baseDelayMs: options.baseDelayMs,
        maxDelayMs: options.maxDelayMs,
        idempotent: true,
        isRetryable: (error) => heartbeatFailure === undefined && isTransientStoreError(error),
        signal: options.signal,
        onRetry: (error, attempt) => options.onRetry(error, attempt),
      },
    );
  } catch (error) {
    if (heartbeatFailure || isTransientStoreError(error) || options.signal.aborted) throw error;
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new NonRetryableError(`not a store outage, not retried: ${what}`, { cause: error });
  }
}
