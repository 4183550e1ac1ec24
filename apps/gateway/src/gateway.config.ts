import { authConfigShape } from '#libs/auth';
import { env } from '#libs/config';
import { defaultUrlOf, GATEWAY_READS_MODES } from '#libs/contracts';
import { payloadFormatConfigShape } from '#libs/kafka';
import type { ServiceConfig } from '#libs/platform';
import { breakerEnvShape } from '#libs/resilience';

/**
 * The gateway's own environment variables beyond the common ones (libs/config `commonShape`, and PORT),
 * with the lab's defaults. Validated once at boot by libs/platform `buildService`.
 */
export const gatewayConfigShape = {
  /** How this app encodes the envelopes it publishes: json (default), msgpack, protobuf (ADR 0090). */
  ...payloadFormatConfigShape,
  ...authConfigShape,
  DATA_SERVICE_URL: env.url(defaultUrlOf('data-service')),
  /**
   * How reads reach data-service: `http` (its read API at DATA_SERVICE_URL, ADR 0040) or `kafka`
   * (Kafka request-reply, ClientKafka.send → @MessagePattern, ADR 0042). Same answers either way.
   */
  GATEWAY_READS: env.oneOf(GATEWAY_READS_MODES, 'http'),
  /** One read from data-service (over HTTP: connect to last byte; over Kafka: send to reply); past it the gateway answers 503. */
  DATA_SERVICE_TIMEOUT_MS: env.int(2000, 10, 60_000),
  /** The data-service breaker (DATA_SERVICE_BREAKER_*); its timeout is a backstop above DATA_SERVICE_TIMEOUT_MS. */
  ...breakerEnvShape('DATA_SERVICE', {
    timeoutMs: 2500,
    errorThresholdPercentage: 50,
    volumeThreshold: 5,
    resetTimeoutMs: 5000,
  }),
  /**
   * One Kafka publish of an accepted message; past it the POST answers 503 publish-unconfirmed with
   * the message id (the send goes on and may still publish it: ADR 0041).
   */
  PUBLISH_TIMEOUT_MS: env.int(5000, 100, 60_000),
  /** Sustained requests per second per client (token bucket refill). */
  RATE_LIMIT_PER_SECOND: env.number(50, 0.001),
  /** Largest burst per client (token bucket size). */
  RATE_LIMIT_BURST: env.int(100, 1),
  /**
   * Requests one client may have in flight at once. Named with the rate limits so that the lab
   * passes all of the edge's per-client limits through to the gateway (`RATE_LIMIT_*`).
   */
  RATE_LIMIT_MAX_IN_FLIGHT: env.int(64, 1),
  IDEMPOTENCY_TTL_SECONDS: env.int(86_400, 1),
  /** Idempotency keys remembered at most (oldest evicted first). */
  IDEMPOTENCY_MAX_KEYS: env.int(100_000, 1),
  RECENTLY_ACCEPTED_MAX_IDS: env.int(10_000, 1),
  /**
   * Browser origins allowed to call the API cross-origin (CORS), comma-separated, each exactly as a
   * browser sends `Origin` (`https://app.example`, `http://127.0.0.1:5173`). Empty (default): no CORS.
   * No wildcard, and credentials are never allowed (docs: apps/gateway/README.md#cors).
   */
  CORS_ALLOWED_ORIGINS: env.list('').refine((origins) => origins.every(isOrigin), {
    message:
      'expected exact origins such as https://app.example or http://127.0.0.1:5173 (scheme://host[:port], no path, no *)',
  }),
  /** How long browsers may cache a preflight answer (`Access-Control-Max-Age`). */
  CORS_MAX_AGE_SECONDS: env.int(600, 0, 86_400),
};

/** An origin as browsers serialize it: http(s), a host, an optional port; nothing else. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value && !value.includes('*');
  } catch {
    return false;
  }
}

/** The gateway's validated configuration, as its modules receive it. */
export type GatewayConfig = ServiceConfig<typeof gatewayConfigShape>;
