/**
 * Every error this lib makes carries a `code`, so callers (and the one place per boundary that maps
 * errors to HTTP statuses or dead letters) can tell the lib's refusals from the dependency's own
 * failures. opossum's two codes are kept as opossum spells them.
 */
export type ResilienceCode = 'EOPENBREAKER' | 'ETIMEDOUT' | 'EBULKHEAD' | 'ERETRYBUDGET' | 'ESHUTDOWN';

interface CodedError {
  code: string;
}

function hasCode(error: unknown): error is CodedError {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string';
}

/** A call refused because the dependency's bulkhead was full or its queue wait ran out. */
export class BulkheadRejectedError extends Error {
  readonly code = 'EBULKHEAD';
  constructor(
    readonly dependency: string,
    readonly reason: 'queue-full' | 'queue-timeout',
  ) {
    super(
      reason === 'queue-full'
        ? `bulkhead for ${dependency} is full (every slot busy, queue full): shed load or raise its limit`
        : `bulkhead for ${dependency}: waited too long for a free slot`,
    );
    this.name = 'BulkheadRejectedError';
  }
}

/** A call (or its wait for a slot) that ran past its deadline; the work was aborted, not abandoned. */
export class DependencyTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(
    readonly dependency: string,
    readonly timeoutMs: number,
  ) {
    super(`${dependency} did not answer within ${timeoutMs} ms`);
    this.name = 'DependencyTimeoutError';
  }
}

/** The breaker is open (or half-open with its one trial call in flight): the call was not made. */
export function isBreakerOpen(error: unknown): boolean {
  return hasCode(error) && (error.code === 'EOPENBREAKER' || error.code === 'ESHUTDOWN');
}

/** The call timed out, by the breaker's clock or a `withTimeout` signal. */
export function isTimeout(error: unknown): boolean {
  return hasCode(error) && error.code === 'ETIMEDOUT';
}

export function isBulkheadRejected(error: unknown): error is BulkheadRejectedError {
  return error instanceof BulkheadRejectedError || (hasCode(error) && error.code === 'EBULKHEAD');
}

/** True when the error came from this lib (a refusal or timeout), not from the dependency itself. */
export function isResilienceError(error: unknown): error is Error & { code: ResilienceCode } {
  return hasCode(error) && ['EOPENBREAKER', 'ETIMEDOUT', 'EBULKHEAD', 'ERETRYBUDGET', 'ESHUTDOWN'].includes(error.code);
}

/**
 * The default "the caller was wrong" test: a 4xx status on the error (`status` or `statusCode`),
 * except 408 and 429, which say the dependency is slow or overloaded. Such errors pass through a
 * breaker without counting against the dependency, and are never retried or replaced by a fallback.
 */
export function isCallerError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const value = typeof status === 'number' ? status : typeof statusCode === 'number' ? statusCode : undefined;
  return value !== undefined && value >= 400 && value < 500 && value !== 408 && value !== 429;
}

/** The error's code when it has one (for logs and `reason` fields), else `failure`. */
export function errorCode(error: unknown): string {
  return hasCode(error) ? error.code : 'failure';
}
