import { authConfigShape } from '#libs/auth';
import { env } from '#libs/config';
import type { ServiceConfig } from '#libs/platform';

/**
 * The provider's own environment variables beyond the common ones (libs/config `commonShape`, and PORT),
 * with the lab's defaults. Validated once at boot by libs/platform `buildService`.
 */
export const providerConfigShape = {
  /** Latency every answer takes before chaos adds any. */
  PROVIDER_BASE_LATENCY_MS: env.int(20, 0, 60_000),
  PROVIDER_JITTER_MS: env.int(10, 0, 60_000),
  /** Where the chaos API's tokens are verified (the provider has no other protected route). */
  ...authConfigShape,
};

/** The provider's validated configuration, as its modules receive it. */
export type ProviderConfig = ServiceConfig<typeof providerConfigShape>;
