export { fullJitterDelayMs, delay } from './backoff';
export type { BackoffOptions } from './backoff';
