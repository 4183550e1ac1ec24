import { authConfigShape } from '#libs/auth';
import { z } from 'zod';
import { env } from '#libs/config';
import type { ServiceConfig } from '#libs/platform';

/**
 * data-service's own environment variables beyond the common ones (libs/config `commonShape`, and PORT),
 * with the lab's defaults. Validated once at boot by libs/platform `buildService`.
 */
export const dataServiceConfigShape = {
  /** Where the chaos API's tokens are verified: the token dealer's JWKS, issuer and audience. */
  ...authConfigShape,
  /** Where the embedded SQLite store keeps jeeves.db. */
  DATA_DIR: env.string('./.lab/data'),
  /**
   * postgres://… selects PostgreSQL; empty or unset selects SQLite. Checked by the store at boot, not
   * here, so that a bad value is never echoed (it may hold a password).
   */
  DATABASE_URL: z.string().default(''),
  DATA_SQLITE_BUSY_TIMEOUT_MS: env.int(5000, 0, 60_000),
  DATA_PG_POOL_SIZE: env.int(10, 1, 100),
  DATA_PG_STATEMENT_TIMEOUT_MS: env.int(5000, 100, 60_000),
};

/** Data-service's validated configuration, as its modules receive it. */
export type DataServiceConfig = ServiceConfig<typeof dataServiceConfigShape>;
