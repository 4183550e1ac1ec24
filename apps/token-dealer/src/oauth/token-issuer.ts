import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Client } from '../clients/client-store';
import type { KeyRing } from '../keys/key-ring';
import { SIGNING_ALGORITHM } from '../keys/signing-key';

export interface TokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

/** RFC 6749 §5.1 success body. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** Signs access tokens for authenticated clients with the key ring's active key. */
export class TokenIssuer {
  constructor(
    private readonly keys: KeyRing,
    private readonly settings: TokenSettings,
    private readonly now: () => number = Date.now,
  ) {}

  async issue(client: Client, scopes: readonly string[]): Promise<TokenResponse> {
    const key = this.keys.signingKey();
    const issuedAt = Math.floor(this.now() / 1000);
    const scope = scopes.join(' ');
    const token = await new SignJWT({ client_id: client.clientId, scope })
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: 'JWT' })
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setSubject(client.clientId)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(issuedAt + this.settings.ttlSeconds)
      .setJti(randomUUID())
      .sign(key.privateKey);
    return { access_token: token, token_type: 'Bearer', expires_in: this.settings.ttlSeconds, scope };
  }
}
