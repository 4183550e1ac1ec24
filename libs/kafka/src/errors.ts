import type { DeadLetterReason } from '#libs/contracts';

/**
 * A message that can never be handled (bad JSON, schema, unknown type): retrying is pointless, so it
 * goes straight to the dead-letter topic.
 */
export class PoisonMessageError extends Error {
  readonly code = 'EPOISON';
  constructor(
    readonly reason: DeadLetterReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PoisonMessageError';
  }
}

/** A handler error that retrying cannot fix (say, a business rule): dead-letter without retries. */
export class NonRetryableError extends Error {
  readonly code = 'ENONRETRYABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

export function isPoison(error: unknown): error is PoisonMessageError {
  return error instanceof PoisonMessageError;
}

/**
 * Wraps anything that escapes our message handling (a dead-letter send to a broker that is down, a
 * bug) so that kafkajs retries the message and, past its retries, restarts the consumer at the
 * uncommitted offset: kafkajs treats a non-Kafka error as fatal and leaves the consumer stopped.
 * The original is kept in `original`, not `cause`: kafkajs judges retriability by the root cause.
 */
export class RetriableConsumerError extends Error {
  readonly code = 'ECONSUMERRETRY';
  readonly retriable = true;
  constructor(readonly original: unknown) {
    super(
      `message handling failed; kafkajs will retry: ${original instanceof Error ? original.message : String(original)}`,
    );
    this.name = 'RetriableConsumerError';
  }
}
