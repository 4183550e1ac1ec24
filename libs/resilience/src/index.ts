export { fullJitterDelayMs, delay } from './backoff';
export type { BackoffOptions } from './backoff';
export { Breaker, BreakerRegistry, createBreaker, DEFAULT_BREAKER_OPTIONS } from './breaker';
export type { BreakerOptions, BreakerResult, BreakerDependencies, GuardedCall } from './breaker';
export { Bulkhead } from './bulkhead';
export type { BulkheadOptions } from './bulkhead';
export {
  BulkheadRejectedError,
  DependencyTimeoutError,
  isBreakerOpen,
  isTimeout,
  isBulkheadRejected,
  isResilienceError,
  isCallerError,
  errorCode,
} from './errors';
export type { ResilienceCode } from './errors';
export { resilienceMetrics, BREAKER_STATES } from './metrics';
export type { ResilienceMetrics, BreakerState, CallOutcome } from './metrics';
export { retry, defaultIsRetryable } from './retry';
export type { RetryOptions } from './retry';
export { RetryBudget } from './retry-budget';
export type { RetryBudgetOptions } from './retry-budget';
export { withTimeout, runWithTimeout } from './timeout';
export { breakerEnvShape, breakerOptionsFromConfig } from './config';
export { waitFor, WaitTimeoutError } from './wait-for';
export type { WaitOptions } from './wait-for';
