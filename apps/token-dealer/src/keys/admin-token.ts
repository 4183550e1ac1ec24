import { createLocalJWKSet, jwtVerify } from 'jose';
import { ProblemError } from '#libs/platform';
import type { KeyRing } from './key-ring';
import { SIGNING_ALGORITHM } from './signing-key';

/** Scope that opens the lab's admin endpoints (the lab-admin client has it). */
export const ADMIN_SCOPE = 'lab:chaos';

const CHALLENGE = 'Bearer realm="jeeves"';

/**
 * Checks a Bearer token on the dealer's own admin routes against its own keys: no JWKS fetch, so
 * the check works even when the rest of the lab is down.
 */
export class AdminTokenVerifier {
  constructor(
    private readonly keys: KeyRing,
    private readonly settings: { issuer: string; audience: string },
  ) {}

  /** Resolves with the client id, or throws 401/403 problems (RFC 6750 §3 challenges). */
  async verify(authorization: string | undefined, scope = ADMIN_SCOPE): Promise<string> {
    const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(authorization ?? '');
    if (!match) {
      throw new ProblemError(401, 'unauthorized', { detail: 'a Bearer access token is required', headers: { 'www-authenticate': CHALLENGE } });
    }
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(match[1], createLocalJWKSet({ keys: this.keys.publishedJwks() }), {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: [SIGNING_ALGORITHM],
      }));
    } catch (error) {
      // The jose error code (ERR_JWT_EXPIRED…) says why without echoing the token.
      const reason = (error as { code?: unknown }).code;
      throw new ProblemError(401, 'unauthorized', {
        detail: `invalid access token${typeof reason === 'string' ? ` (${reason})` : ''}`,
        headers: { 'www-authenticate': `${CHALLENGE}, error="invalid_token"` },
      });
    }
    const granted = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    if (!granted.includes(scope)) {
      throw new ProblemError(403, 'forbidden', {
        detail: `this operation needs scope ${scope}`,
        headers: { 'www-authenticate': `${CHALLENGE}, error="insufficient_scope", scope="${scope}"` },
      });
    }
    return String(payload.sub);
  }
}
