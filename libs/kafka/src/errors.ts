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
