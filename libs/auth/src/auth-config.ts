import { env } from '#libs/config';
import { defaultUrlOf, TOKEN_DEFAULTS } from '#libs/contracts';
import type { TokenVerifierOptions } from './token-verifier';

/**
 * The variables a service needs to verify access tokens, with the lab's defaults. Spread into a
 * service's `configShape`; `authOptions(config)` turns the parsed values into AuthModule options.
 */
export const authConfigShape = {
  TOKEN_DEALER_URL: env.url(defaultUrlOf('token-dealer')),
  TOKEN_ISSUER: env.string(TOKEN_DEFAULTS.issuer),
  TOKEN_AUDIENCE: env.string(TOKEN_DEFAULTS.audience),
  /** One JWKS fetch from the token dealer. */
  JWKS_TIMEOUT_MS: env.int(2000, 100, 60_000),
};

export interface AuthConfig {
  readonly TOKEN_DEALER_URL: string;
  readonly TOKEN_ISSUER: string;
  readonly TOKEN_AUDIENCE: string;
  readonly JWKS_TIMEOUT_MS: number;
}

export function authOptions(config: AuthConfig): TokenVerifierOptions {
  return {
    jwksUrl: `${config.TOKEN_DEALER_URL.replace(/\/+$/, '')}/.well-known/jwks.json`,
    issuer: config.TOKEN_ISSUER,
    audience: config.TOKEN_AUDIENCE,
    fetchTimeoutMs: config.JWKS_TIMEOUT_MS,
  };
}
