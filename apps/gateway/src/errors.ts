import { ProblemError } from '#libs/platform';

/** Kafka did not take a message in time (broker down, produce fault, timeout). */
export class PublishFailedError extends Error {
  readonly code = 'EPUBLISH';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PublishFailedError';
  }
}

export type DataServiceErrorCode =
  /** Connection refused or reset: data-service is down. */
  | 'EUNAVAILABLE'
  /** No answer within the per-call timeout. */
  | 'ETIMEDOUT'
  /** It answered, but with a 5xx or something that is not the contract. */
  | 'EBADRESPONSE'
  /** It refused the query as invalid (400): the caller's mistake, which must not trip a breaker. */
  | 'EREJECTED';

/** A read through data-service failed for a reason that is not the caller's. */
export class DataServiceError extends Error {
  constructor(
    readonly code: DataServiceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DataServiceError';
  }
}

/** How soon a client may retry when a dependency failed. */
const RETRY_AFTER_SECONDS = 1;

/**
 * The gateway's dependency failures as HTTP answers, in one place. Every one is a fast 503 with
 * Retry-After: the caller can do nothing but retry, and a 504 would only say the same thing slower.
 */
export function dependencyProblem(error: unknown): ProblemError | undefined {
  if (error instanceof PublishFailedError) {
    return new ProblemError(503, 'dependency-unavailable', {
      detail: 'the message bus did not take the message; retry (with the same Idempotency-Key)',
      retryAfterSeconds: RETRY_AFTER_SECONDS,
      cause: error,
    });
  }
  if (error instanceof DataServiceError) {
    if (error.code === 'EREJECTED')
      return new ProblemError(400, 'validation-failed', { detail: error.message, cause: error });
    const detail = {
      EUNAVAILABLE: 'the message store is unavailable',
      ETIMEDOUT: 'the message store did not answer in time',
      EBADRESPONSE: 'the message store gave an unusable answer',
    }[error.code];
    return new ProblemError(503, 'dependency-unavailable', {
      detail,
      retryAfterSeconds: RETRY_AFTER_SECONDS,
      cause: error,
    });
  }
  return undefined;
}
