import { z } from 'zod';
import { env } from '#libs/config';
import { TOKEN_DEFAULTS } from '#libs/contracts';
import type { ServiceConfig } from '#libs/platform';
import { clientsConfigSchema } from './clients/client-store';

/**
 * The token dealer's own environment variables beyond the common ones (libs/config `commonShape`, and PORT),
 * with the lab's defaults. Validated once at boot by libs/platform `buildService`.
 */
export const tokenDealerConfigShape = {
  TOKEN_ISSUER: env.string(TOKEN_DEFAULTS.issuer),
  TOKEN_AUDIENCE: env.string(TOKEN_DEFAULTS.audience),
  /** Lifetime of an access token; also how long a retired signing key stays in the JWKS. */
  TOKEN_TTL_SECONDS: env.int(900, 30, 86_400),
  /** JSON array of `{clientId, secretHash, scopes}`; unset means the lab's two default clients. */
  TOKEN_CLIENTS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not valid JSON: expected [{"clientId","secretHash","scopes":[…]}]' });
        return z.NEVER;
      }
      const result = clientsConfigSchema.safeParse(parsed);
      if (!result.success) {
        for (const issue of result.error.issues)
          ctx.addIssue({ code: 'custom', message: `${issue.path.join('.') || '(list)'}: ${issue.message}` });
        return z.NEVER;
      }
      return result.data;
    }),
  /** How long a verified client secret skips scrypt on later requests (0 = every request pays it). */
  TOKEN_SECRET_CACHE_SECONDS: env.int(300, 0, 86_400),
  /** Directory of PKCS#8 PEM signing keys, kept across restarts; unset means fresh keys per process. */
  TOKEN_SIGNING_KEYS_DIR: z.string().min(1).optional(),
  /** Failed-attempt limits before scrypt (429 when spent); `false` only to measure without them. */
  TOKEN_FAILED_AUTH_LIMITS: env.bool(true),
  /** Failed authentications one client id may have from one source address: bucket size… */
  TOKEN_FAILED_AUTH_CLIENT_SOURCE_BURST: env.int(5, 1, 100_000),
  /** …and refill per minute. */
  TOKEN_FAILED_AUTH_CLIENT_SOURCE_PER_MINUTE: env.number(5, 0.01, 100_000),
  /** Failed authentications from one source address (IPv4, or IPv6 /64), any client id. */
  TOKEN_FAILED_AUTH_SOURCE_BURST: env.int(10, 1, 100_000),
  TOKEN_FAILED_AUTH_SOURCE_PER_MINUTE: env.number(10, 0.01, 100_000),
  /** Failed authentications naming one client id from sources not trusted for it. */
  TOKEN_FAILED_AUTH_CLIENT_BURST: env.int(10, 1, 100_000),
  TOKEN_FAILED_AUTH_CLIENT_PER_MINUTE: env.number(10, 0.01, 100_000),
  /** All failed authentications from untrusted (client id, source) pairs together: the guessers' scrypts. */
  TOKEN_FAILED_AUTH_UNTRUSTED_BURST: env.int(10, 1, 100_000),
  TOKEN_FAILED_AUTH_UNTRUSTED_PER_MINUTE: env.number(60, 0.01, 100_000),
  /** How long a source stays trusted for a client after the client last authenticated from it. */
  TOKEN_TRUSTED_SOURCE_TTL_SECONDS: env.int(86_400, 1, 30 * 86_400),
};

/** The token dealer's validated configuration, as its modules receive it. */
export type TokenDealerConfig = ServiceConfig<typeof tokenDealerConfigShape>;
