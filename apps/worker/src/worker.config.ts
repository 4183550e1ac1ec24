import { authConfigShape } from '#libs/auth';
import { env } from '#libs/config';
import { defaultUrlOf } from '#libs/contracts';
import { payloadFormatConfigShape } from '#libs/kafka';
import type { ServiceConfig } from '#libs/platform';
import { breakerEnvShape } from '#libs/resilience';

/**
 * The worker's own environment variables beyond the common ones (libs/config `commonShape`, and PORT),
 * with the lab's defaults. Validated once at boot by libs/platform `buildService`.
 */
export const workerConfigShape = {
  /** How this app encodes the envelopes it publishes: json (default), msgpack, protobuf (ADR 0090). */
  ...payloadFormatConfigShape,
  /** Where the chaos API's tokens are verified: the token dealer's JWKS, issuer and audience. */
  ...authConfigShape,
  PROVIDER_URL: env.url(defaultUrlOf('provider')),
  /** Longest one provider call may take (body included) before it is aborted. */
  PROVIDER_TIMEOUT_MS: env.int(2000, 1, 60_000),
  /** Partitions of jeeves.actions.v1 handled at once by this instance (12 partitions in all: all of them). */
  WORKER_CONCURRENCY: env.int(12, 1, 64),
  /** The provider breaker (PROVIDER_BREAKER_*): its timeout is below PROVIDER_TIMEOUT_MS, so it aborts first. */
  ...breakerEnvShape('PROVIDER', {
    timeoutMs: 1500,
    errorThresholdPercentage: 50,
    volumeThreshold: 5,
    resetTimeoutMs: 5000,
  }),
  /** Provider calls in flight at once, and how many may wait for a slot (and for how long). */
  PROVIDER_BULKHEAD_MAX_CONCURRENT: env.int(16, 1, 1000),
  PROVIDER_BULKHEAD_MAX_QUEUE: env.int(16, 0, 10_000),
  PROVIDER_BULKHEAD_QUEUE_TIMEOUT_MS: env.int(1000, 1, 60_000),
  /** Attempts per provider GET (idempotent), the first included; retries stay within a 20% budget. */
  PROVIDER_RETRY_ATTEMPTS: env.int(2, 1, 5),
};

/** The worker's validated configuration, as its modules receive it. */
export type WorkerConfig = ServiceConfig<typeof workerConfigShape>;
