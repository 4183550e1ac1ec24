import {
  type CompactJWSHeaderParameters,
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  errors,
  type FlattenedJWSInput,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import type { Logger, MetricsRegistry } from '#libs/observability';
import { ProblemError } from '#libs/platform';
import { type BreakerOptions, createBreaker, isResilienceError } from '#libs/resilience';

/** Who called: the OAuth client behind a verified access token. */
export interface Principal {
  readonly clientId: string;
  readonly scopes: readonly string[];
}

export interface TokenVerifierOptions {
  /** Where the token dealer publishes its public keys (`…/.well-known/jwks.json`). */
  jwksUrl: string;
  /** Required `iss` claim. */
  issuer: string;
  /** Required `aud` claim (one of, when the token has several). */
  audience: string;
  /** How long one JWKS fetch may take. */
  fetchTimeoutMs?: number;
  /** Minimum time between two JWKS refetches triggered by an unknown `kid`. */
  cooldownMs?: number;
  /** How long fetched keys are trusted before a refetch. */
  cacheMaxAgeMs?: number;
  /** Allowed clock skew for `exp`/`nbf`. */
  clockToleranceSeconds?: number;
  /** A key resolver to use instead of the remote JWKS (tests, or keys known in-process). */
  keySet?: JWTVerifyGetKey;
  /**
   * Verified tokens remembered, keyed by the whole token string (0: none); the oldest goes first. A
   * hit rechecks `exp`/`nbf` against the clock and is trusted for at most `verifiedCacheMaxAgeMs`.
   */
  verifiedCacheSize?: number;
  /** How long one verification is reused, in milliseconds; shorter than the JWKS cache age (see verify()). */
  verifiedCacheMaxAgeMs?: number;
  /**
   * Puts the JWKS *fetches* behind a circuit breaker named `jwks` (cached keys never touch it): while
   * the token dealer is down, verifications that need a fetch fail fast with 503.
   */
  jwksBreaker?: { options: BreakerOptions; registry: MetricsRegistry; logger: Logger };
}

/** A JWKS answer the breaker counts as the token dealer failing. */
class JwksFetchError extends Error {
  readonly code = 'EJWKSFETCH';
  constructor(readonly status: number) {
    super(`token dealer answered ${status} for its JWKS`);
    this.name = 'JwksFetchError';
  }
}

function breakerFetch(breaker: NonNullable<TokenVerifierOptions['jwksBreaker']>): typeof fetch {
  const guarded = createBreaker(
    'jwks',
    async (signal: AbortSignal, url: string, init: RequestInit) => {
      const response = await fetch(url, {
        ...init,
        signal: init.signal ? AbortSignal.any([init.signal, signal]) : signal,
      });
      if (response.status >= 500) {
        await response.body?.cancel();
        throw new JwksFetchError(response.status);
      }
      return response;
    },
    breaker.options,
    breaker.registry,
    breaker.logger,
  );
  return (async (input: string | URL | Request, init: RequestInit = {}) =>
    (await guarded.fire(String(input), init)).value) as typeof fetch;
}

/** The only algorithm the token dealer signs with; everything else (none, HS256…) is refused. */
const ALGORITHMS = ['RS256'];
export const BEARER_REALM = 'jeeves';

/** A verification to reuse: the principal, and the instants (ms since epoch) bounding its use. */
interface Verified {
  readonly principal: Principal;
  /** `nbf - tolerance`: before it the token is not valid yet (a clock set back). */
  readonly notBeforeMs: number;
  /** The earliest of `exp + tolerance` and verification + verifiedCacheMaxAgeMs. */
  readonly untilMs: number;
  /** The key the signature was verified with, as the key set resolved it (same object while it holds it). */
  readonly key: unknown;
}

/**
 * Verifies RS256 access tokens against the token dealer's JWKS. jose's remote key set caches keys,
 * refetches on an unknown `kid` (at most once per cooldown) and times out its fetches.
 */
export class TokenVerifier {
  private readonly keySet: JWTVerifyGetKey;
  private readonly verified = new Map<string, Verified>();

  constructor(private readonly options: TokenVerifierOptions) {
    this.keySet =
      options.keySet ??
      createRemoteJWKSet(new URL(options.jwksUrl), {
        timeoutDuration: options.fetchTimeoutMs ?? 2000,
        cooldownDuration: options.cooldownMs ?? 30_000,
        cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
        ...(options.jwksBreaker ? { [customFetch]: breakerFetch(options.jwksBreaker) } : {}),
      });
  }

  /**
   * Resolves to the caller, or throws a 401 problem (503 when the keys cannot be fetched).
   *
   * A token verified before is answered from memory: the same string, byte for byte, carries the same
   * signature over the same claims, so only what changes with time is checked again — `exp` and
   * `nbf` (with the same tolerance) and the age of the verification, capped below the 10 min for
   * which jose itself keeps trusting a fetched key set (a key retired from the JWKS verifies from
   * that cache until it refreshes). Any other string, a changed signature included, is verified in
   * full; failures are never remembered. Rotation cannot make a remembered token wrong: a key leaves
   * the JWKS only once every token it signed has expired (ADR 0030), and no entry outlives its `exp`.
   * A hit still looks its key up (cheap, no RSA): once the key set no longer resolves the key it was
   * verified with (reloaded without it, e.g. the dealer restarted with new keys), it is verified again.
   * RSA verification was the largest per-request cost in the gateway's CPU profile after the produce.
   */
  async verify(token: string): Promise<Principal> {
    const now = Date.now();
    const hit = this.verified.get(token);
    if (hit) {
      if (now >= hit.notBeforeMs && now < hit.untilMs && (await this.stillHolds(token, hit))) return hit.principal;
      this.verified.delete(token);
    }
    return this.verifyInFull(token, now);
  }

  /**
   * Whether the key set still resolves the very key `hit` was verified with: after a reload that
   * dropped it (a dealer restarted without its key directory) the token is no longer accepted, and
   * after any other reload it is verified once in full. A key lookup, not an RSA verification.
   */
  private async stillHolds(token: string, hit: Verified): Promise<boolean> {
    try {
      // Only a token verified in full gets here: its header is a JWS one (alg RS256).
      const [encodedHeader = '', payload = '', signature = ''] = token.split('.');
      const input: FlattenedJWSInput = { protected: encodedHeader, payload, signature };
      return (await this.keySet(decodeProtectedHeader(token) as CompactJWSHeaderParameters, input)) === hit.key;
    } catch {
      return false;
    }
  }

  private async verifyInFull(token: string, now: number): Promise<Principal> {
    let payload: Record<string, unknown>;
    let key: unknown;
    const keySet: JWTVerifyGetKey = async (header, input) => (key = await this.keySet(header, input));
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        algorithms: ALGORITHMS,
        issuer: this.options.issuer,
        audience: this.options.audience,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.options.clockToleranceSeconds ?? 5,
      }));
    } catch (error) {
      throw toAuthProblem(error);
    }
    const clientId = payload.client_id ?? payload.sub;
    if (typeof clientId !== 'string' || clientId.length === 0 || clientId.length > 128) {
      throw invalidToken('token has no usable client_id');
    }
    if (payload.scope !== undefined && typeof payload.scope !== 'string')
      throw invalidToken('scope claim must be a string');
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
    const principal: Principal = Object.freeze({ clientId, scopes: Object.freeze(scopes) });
    this.remember(token, { principal, key }, payload, now);
    return principal;
  }

  private remember(
    token: string,
    verified: Pick<Verified, 'principal' | 'key'>,
    payload: Record<string, unknown>,
    now: number,
  ): void {
    const size = this.options.verifiedCacheSize ?? 1024;
    if (size <= 0) return;
    const toleranceMs = (this.options.clockToleranceSeconds ?? 5) * 1000;
    // jwtVerify required a numeric exp; nbf is optional.
    const expMs = Number(payload.exp) * 1000 + toleranceMs;
    const notBeforeMs = typeof payload.nbf === 'number' ? payload.nbf * 1000 - toleranceMs : -Infinity;
    const untilMs = Math.min(expMs, now + (this.options.verifiedCacheMaxAgeMs ?? 60_000));
    if (!(untilMs > now)) return;
    if (this.verified.size >= size) {
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    this.verified.set(token, { ...verified, notBeforeMs, untilMs });
  }
}

/**
 * Builds the `WWW-Authenticate` value of RFC 6750 §3. Values keep only the characters §3 allows in
 * a quoted attribute (printable ASCII without double quote and backslash).
 */
export function bearerChallenge(params: Record<string, string> = {}): string {
  const quoted = Object.entries({ realm: BEARER_REALM, ...params }).map(
    ([name, value]) => `${name}="${value.replace(/[^\x20-\x7E]|["\\]/g, '')}"`,
  );
  return `Bearer ${quoted.join(', ')}`;
}

export function invalidToken(description: string, cause?: unknown): ProblemError {
  return new ProblemError(401, 'unauthorized', {
    detail: `invalid access token: ${description}`,
    headers: { 'www-authenticate': bearerChallenge({ error: 'invalid_token', error_description: description }) },
    cause,
  });
}

/** Maps jose's failures: the caller's token is at fault (401) unless the key set could not be fetched (503). */
export function toAuthProblem(error: unknown): ProblemError {
  if (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    isJwksFetchFailure(error) ||
    isResilienceError(error) ||
    error instanceof JwksFetchError
  ) {
    return new ProblemError(503, 'dependency-unavailable', {
      detail: 'cannot fetch the token signing keys; try again shortly',
      retryAfterSeconds: 2,
      cause: error,
    });
  }
  if (error instanceof errors.JWTExpired) return invalidToken('token expired', error);
  if (error instanceof errors.JWTClaimValidationFailed) return invalidToken(`claim "${error.claim}" rejected`, error);
  if (error instanceof errors.JOSEAlgNotAllowed) return invalidToken('algorithm not allowed', error);
  if (error instanceof errors.JWKSNoMatchingKey) return invalidToken('unknown signing key', error);
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalidToken('bad signature', error);
  return invalidToken('malformed token', error);
}

/**
 * jose reports a non-200 JWKS answer as a generic JOSEError and lets fetch's own TypeError through;
 * neither says anything about the caller's token.
 */
function isJwksFetchFailure(error: unknown): boolean {
  if (error instanceof errors.JOSEError)
    return error.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/.test(error.message);
  // By name: fetch's TypeError may come from another realm (Jest's sandbox), where instanceof fails.
  if (typeof error !== 'object' || error === null) return false;
  const { name, message } = error as { name?: unknown; message?: unknown };
  return name === 'TypeError' && typeof message === 'string' && /fetch/i.test(message);
}
