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
 * uncommitted offset: kafkajs leaves the consumer stopped for good when the error is a TypeError,
 * RangeError, ReferenceError or SyntaxError (`UNRECOVERABLE_ERRORS` in its retrier); other errors are retried.
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

/** Names of the ECMAScript errors a bug throws (a property of null, a bad argument, a bad regex). */
const BUG_ERRORS: ReadonlySet<string> = new Set([
  'TypeError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'EvalError',
  'URIError',
]);

/**
 * True for an error that says our own code, or input it did not expect, is wrong: one of the
 * ECMAScript built-ins (TypeError, RangeError, …) thrown by a bug or by JSON.parse, or a
 * NonRetryableError. Another attempt fails the same way, so it is dead-lettered at once. Judged by
 * `name`, as kafkajs judges its unrecoverable errors, because Node's own errors come from another
 * realm under a test runner. undici's `fetch failed` TypeError is the exception: it reports a
 * network failure and carries it in `cause`.
 */
export function isNotRetryable(error: unknown): boolean {
  if (error instanceof NonRetryableError || isPoison(error)) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { name, message, cause } = error as { name?: unknown; message?: unknown; cause?: unknown };
  if (name === 'TypeError' && message === 'fetch failed' && cause !== undefined) return false;
  return typeof name === 'string' && BUG_ERRORS.has(name);
}
