import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { KeyRing } from '../keys/key-ring';
import { generateSigningKey } from '../keys/signing-key';
import { TokenIssuer } from './token-issuer';

describe('TokenIssuer', () => {
  const settings = { issuer: 'test-issuer', audience: 'test-audience', ttlSeconds: 120 };
  let keys: KeyRing;

  beforeAll(async () => {
    keys = await KeyRing.create([], { tokenTtlSeconds: settings.ttlSeconds, generate: generateSigningKey });
  });

  it('signs the agreed claims with the active key, expiring after the ttl', async () => {
    const nowMs = 1_800_000_000_500;
    const issuer = new TokenIssuer(keys, settings, () => nowMs);
    const response = await issuer.issue({ clientId: 'svc', scopes: ['a', 'b'] }, ['b']);
    expect(response).toMatchObject({ token_type: 'Bearer', expires_in: 120, scope: 'b' });
    expect(decodeProtectedHeader(response.access_token)).toEqual({
      alg: 'RS256',
      kid: keys.signingKey().kid,
      typ: 'JWT',
    });

    const { payload } = await jwtVerify(response.access_token, createLocalJWKSet({ keys: keys.publishedJwks() }), {
      issuer: 'test-issuer',
      audience: 'test-audience',
      currentDate: new Date(nowMs),
    });
    expect(payload).toEqual({
      iss: 'test-issuer',
      aud: 'test-audience',
      sub: 'svc',
      client_id: 'svc',
      scope: 'b',
      iat: 1_800_000_000,
      nbf: 1_800_000_000,
      exp: 1_800_000_120,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('issues tokens that a verifier refuses once expired', async () => {
    const issuer = new TokenIssuer(keys, settings, () => 1_800_000_000_000);
    const { access_token } = await issuer.issue({ clientId: 'svc', scopes: ['a'] }, ['a']);
    await expect(
      jwtVerify(access_token, createLocalJWKSet({ keys: keys.publishedJwks() }), {
        currentDate: new Date(1_800_000_121_000),
      }),
    ).rejects.toMatchObject({
      code: 'ERR_JWT_EXPIRED',
    });
  });
});
