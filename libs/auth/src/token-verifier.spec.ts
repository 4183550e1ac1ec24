import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  createLocalJWKSet,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JSONWebKeySet,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { ProblemError } from '#libs/platform';
import { AuthGuard, bearerToken, type CredentialSources, principalOf, RequireScopes } from './auth.guard';
import { authOptions } from './auth-config';
import { TokenVerifier } from './token-verifier';

const ISSUER = 'jeeves-token-dealer';
const AUDIENCE = 'jeeves-api';
type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

async function publicJwk(pair: KeyPair, kid: string) {
  return { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
}

function sign(
  pair: KeyPair,
  kid: string,
  claims: JWTPayload = {},
  options: { exp?: string | number; iss?: string; aud?: string } = {},
) {
  return new SignJWT({ client_id: 'jeeves-demo', scope: 'messages:write messages:read', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setSubject('jeeves-demo')
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m')
    .sign(pair.privateKey);
}

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function rejection(promise: Promise<unknown>): Promise<ProblemError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ProblemError)) throw new Error(`expected a ProblemError, got ${String(error)}`);
  return error;
}

describe('TokenVerifier', () => {
  let pair: KeyPair;
  let other: KeyPair;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    pair = await generateKeyPair('RS256', { extractable: true });
    other = await generateKeyPair('RS256', { extractable: true });
    const jwks: JSONWebKeySet = { keys: [await publicJwk(pair, 'k1')] };
    verifier = new TokenVerifier({
      jwksUrl: 'http://127.0.0.1:9/unused',
      issuer: ISSUER,
      audience: AUDIENCE,
      keySet: createLocalJWKSet(jwks),
    });
  });

  it('accepts a valid RS256 token and returns the client and its scopes', async () => {
    await expect(verifier.verify(await sign(pair, 'k1'))).resolves.toEqual({
      clientId: 'jeeves-demo',
      scopes: ['messages:write', 'messages:read'],
    });
  });

  it('rejects alg "none"', async () => {
    const token = `${b64url({ alg: 'none', kid: 'k1' })}.${b64url({ sub: 'x', client_id: 'x', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 60 })}.`;
    const error = await rejection(verifier.verify(token));
    expect(error.status).toBe(401);
    expect(error.code).toBe('unauthorized');
    expect(error.headers['www-authenticate']).toMatch(/^Bearer realm="jeeves", error="invalid_token"/);
  });

  it('rejects HS256 signed with the public key (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(await exportSPKI(pair.publicKey));
    const token = await new SignJWT({ client_id: 'jeeves-demo', scope: 'messages:write' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setSubject('jeeves-demo')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(secret);
    const error = await rejection(verifier.verify(token));
    expect(error.status).toBe(401);
    expect(error.detail).toMatch(/algorithm not allowed/);
  });

  it.each([
    ['wrong audience', { aud: 'someone-else' }, /claim "aud"/],
    ['wrong issuer', { iss: 'evil-issuer' }, /claim "iss"/],
    ['expired', { exp: Math.floor(Date.now() / 1000) - 3600 }, /expired/],
  ])('rejects a token with %s', async (_name, options, detail) => {
    const error = await rejection(verifier.verify(await sign(pair, 'k1', {}, options)));
    expect(error.status).toBe(401);
    expect(error.detail).toMatch(detail);
    expect(error.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('rejects an unknown kid', async () => {
    const error = await rejection(verifier.verify(await sign(other, 'k-unknown')));
    expect(error.status).toBe(401);
    expect(error.detail).toMatch(/unknown signing key/);
  });

  it('rejects a bad signature (known kid, other key)', async () => {
    const error = await rejection(verifier.verify(await sign(other, 'k1')));
    expect(error.status).toBe(401);
    expect(error.detail).toMatch(/bad signature/);
  });

  it('rejects a tampered payload', async () => {
    const [header, , signature] = (await sign(pair, 'k1')).split('.');
    const forged = `${header}.${b64url({ sub: 'lab-admin', client_id: 'lab-admin', scope: 'lab:chaos', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 60 })}.${signature}`;
    expect((await rejection(verifier.verify(forged))).status).toBe(401);
  });

  it.each(['', 'garbage', 'a.b.c', 'x'.repeat(5000), '..'])('rejects malformed token %#', async (token) => {
    expect((await rejection(verifier.verify(token))).status).toBe(401);
  });

  it('rejects a token without exp, or with a non-string scope', async () => {
    const noExp = await new SignJWT({ client_id: 'c' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('c')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .sign(pair.privateKey);
    expect((await rejection(verifier.verify(noExp))).status).toBe(401);
    expect((await rejection(verifier.verify(await sign(pair, 'k1', { scope: ['a'] })))).status).toBe(401);
  });
});

describe('TokenVerifier against a remote JWKS', () => {
  let server: Server;
  let jwks: JSONWebKeySet;
  let fetches = 0;
  let url: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      fetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fetches keys once, refetches on a rotated kid, and refuses to refetch within the cooldown', async () => {
    const first = await generateKeyPair('RS256', { extractable: true });
    const second = await generateKeyPair('RS256', { extractable: true });
    jwks = { keys: [await publicJwk(first, 'k1')] };
    fetches = 0;
    const verifier = new TokenVerifier({ jwksUrl: url, issuer: ISSUER, audience: AUDIENCE, cooldownMs: 0 });
    await verifier.verify(await sign(first, 'k1'));
    await verifier.verify(await sign(first, 'k1'));
    expect(fetches).toBe(1);

    // Rotation: the dealer publishes k2 and signs with it; the verifier refetches once.
    jwks = { keys: [await publicJwk(first, 'k1'), await publicJwk(second, 'k2')] };
    await expect(verifier.verify(await sign(second, 'k2'))).resolves.toMatchObject({ clientId: 'jeeves-demo' });
    expect(fetches).toBe(2);

    const cooling = new TokenVerifier({ jwksUrl: url, issuer: ISSUER, audience: AUDIENCE, cooldownMs: 60_000 });
    await cooling.verify(await sign(first, 'k1'));
    const before = fetches;
    for (let i = 0; i < 5; i++)
      expect((await rejection(cooling.verify(await sign(second, `unknown-${i}`)))).status).toBe(401);
    expect(fetches).toBe(before);
  });

  it('answers 503, not 401, when the key set cannot be fetched', async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const verifier = new TokenVerifier({
      jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json',
      issuer: ISSUER,
      audience: AUDIENCE,
      fetchTimeoutMs: 500,
    });
    const error = await rejection(verifier.verify(await sign(pair, 'k1')));
    expect(error.status).toBe(503);
    expect(error.code).toBe('dependency-unavailable');
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
  });
});

describe('AuthGuard', () => {
  class Routes {
    @RequireScopes('messages:write')
    write(): void {}

    @RequireScopes('lab:chaos')
    chaos(): void {}
  }

  let pair: KeyPair;
  let guard: AuthGuard;

  beforeAll(async () => {
    pair = await generateKeyPair('RS256', { extractable: true });
    const verifier = new TokenVerifier({
      jwksUrl: 'http://127.0.0.1:9/unused',
      issuer: ISSUER,
      audience: AUDIENCE,
      keySet: createLocalJWKSet({ keys: [await publicJwk(pair, 'k1')] }),
    });
    guard = new AuthGuard(verifier, new Reflector());
  });

  function context(handler: () => void, request: object): ExecutionContext {
    return {
      getHandler: () => handler,
      getClass: () => Routes,
      switchToHttp: () => ({ getRequest: () => request }),
    } as unknown as ExecutionContext;
  }

  it('lets a token with the scope through and attaches the principal', async () => {
    const request = { headers: { authorization: `Bearer ${await sign(pair, 'k1')}` } };
    await expect(guard.canActivate(context(Routes.prototype.write, request))).resolves.toBe(true);
    expect(principalOf(request)).toEqual({ clientId: 'jeeves-demo', scopes: ['messages:write', 'messages:read'] });
  });

  it('answers 403 insufficient_scope when a scope is missing', async () => {
    const request = { headers: { authorization: `Bearer ${await sign(pair, 'k1')}` } };
    const error = await rejection(guard.canActivate(context(Routes.prototype.chaos, request)));
    expect(error.status).toBe(403);
    expect(error.code).toBe('forbidden');
    expect(error.headers['www-authenticate']).toBe(
      'Bearer realm="jeeves", error="insufficient_scope", scope="lab:chaos"',
    );
    expect(() => principalOf(request)).toThrow();
  });

  it.each([
    ['no header', undefined, undefined],
    ['an empty header', '', undefined],
    ['another scheme (unsupported: no error code, RFC 6750 §3.1)', 'Basic dXNlcjpwYXNz', undefined],
    ['a token without its scheme (an unknown scheme)', 'abc.def.ghi', undefined],
    ['a garbage bearer', 'Bearer not-a-jwt', 'invalid_token'],
  ])('answers 401 to %s', async (_name, authorization, errorCode) => {
    const error = await rejection(guard.canActivate(context(Routes.prototype.write, { headers: { authorization } })));
    expect(error.status).toBe(401);
    const challenge = error.headers['www-authenticate'];
    expect(challenge).toMatch(/^Bearer realm="jeeves"/);
    if (errorCode) expect(challenge).toContain(`error="${errorCode}"`);
    else expect(challenge).not.toContain('error=');
  });
});

describe('bearerToken: one unambiguous credential, or a 400/401 whatever the order', () => {
  const raw = (...lines: string[]) => ({
    headers: { authorization: lines[0] },
    raw: { rawHeaders: lines.flatMap((line, i) => [i % 2 ? 'authorization' : 'Authorization', line]) },
  });
  const refusal = (sources: CredentialSources): ProblemError => {
    try {
      bearerToken(sources);
    } catch (error) {
      return error as ProblemError;
    }
    throw new Error('expected a refusal');
  };

  it('reads the one Bearer token', () => {
    expect(bearerToken(raw('Bearer abc.def-ghi_jkl~+/='))).toBe('abc.def-ghi_jkl~+/=');
    expect(bearerToken(raw('bearer   abc'))).toBe('abc');
  });

  it.each([
    ['two Authorization lines, the good one first', ['Bearer good', 'Bearer junk']],
    ['two Authorization lines, the good one last', ['Bearer junk', 'Bearer good']],
    ['two identical Authorization lines', ['Bearer good', 'Bearer good']],
    ['a Bearer and a Basic line', ['Basic dXNlcjpwYXNz', 'Bearer good']],
  ])('answers 400 invalid_request to %s', (_name, lines) => {
    const error = refusal(raw(...lines));
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid-request');
    expect(error.headers['www-authenticate']).toMatch(/^Bearer realm="jeeves", error="invalid_request"/);
  });

  it.each([
    ['an empty Bearer', 'Bearer '],
    ['a bare scheme', 'Bearer'],
    ['two tokens', 'Bearer a b'],
    ['a merged header', 'Bearer a, Bearer b'],
    ['characters outside b64token', 'Bearer a"b'],
  ])('answers 400 invalid_request to a malformed credential: %s', (_name, line) => {
    const error = refusal(raw(line));
    expect([error.status, error.code]).toEqual([400, 'invalid-request']);
  });

  it('answers 400 to a token in the query, with or without the header (RFC 6750 §2.3 is not offered)', () => {
    for (const sources of [
      { ...raw('Bearer good'), query: { access_token: 'good' } },
      { headers: {}, raw: { rawHeaders: [] }, query: { access_token: 'good' } },
    ]) {
      expect(refusal(sources)).toMatchObject({ status: 400, code: 'invalid-request' });
    }
  });

  it('keeps error_description within the characters RFC 6750 §3 allows', () => {
    const challenge = refusal({ ...raw('Bearer x'), query: { access_token: 'x' } }).headers['www-authenticate']!;
    expect(challenge).toMatch(/^[\x20-\x7E]+$/);
  });
});

describe('authOptions', () => {
  it("points at the token dealer's JWKS whatever the trailing slash", () => {
    const config = {
      TOKEN_DEALER_URL: 'http://127.0.0.1:3001/',
      TOKEN_ISSUER: 'i',
      TOKEN_AUDIENCE: 'a',
      JWKS_TIMEOUT_MS: 500,
    };
    expect(authOptions(config)).toEqual({
      jwksUrl: 'http://127.0.0.1:3001/.well-known/jwks.json',
      issuer: 'i',
      audience: 'a',
      fetchTimeoutMs: 500,
    });
  });
});

describe('TokenVerifier: verified tokens remembered', () => {
  let pair: KeyPair;
  let other: KeyPair;
  let verifySpy: jest.SpiedFunction<typeof crypto.subtle.verify>;
  /** RSA signature checks made (jose verifies through WebCrypto): what the memory saves. */
  const verifications = () => verifySpy.mock.calls.length;
  const verifierWith = (options: { verifiedCacheSize?: number; verifiedCacheMaxAgeMs?: number } = {}) => {
    let local: ReturnType<typeof createLocalJWKSet> | undefined;
    return new TokenVerifier({
      jwksUrl: 'http://127.0.0.1:9/unused',
      issuer: ISSUER,
      audience: AUDIENCE,
      ...options,
      keySet: async (header, token) => {
        local ??= createLocalJWKSet({ keys: [await publicJwk(pair, 'k1')] });
        return local(header, token);
      },
    });
  };
  // Only the clock is faked: jose reads it through `new Date()`, the cache through Date.now().
  const setClock = (ms: number) => jest.setSystemTime(ms);

  beforeAll(async () => {
    pair = await generateKeyPair('RS256', { extractable: true });
    other = await generateKeyPair('RS256', { extractable: true });
  });
  beforeEach(() => {
    verifySpy = jest.spyOn(crypto.subtle, 'verify');
    jest.useFakeTimers({
      doNotFake: [
        'nextTick',
        'setImmediate',
        'clearImmediate',
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'queueMicrotask',
        'hrtime',
        'performance',
      ],
      now: Date.parse('2026-11-30T12:00:00Z'),
    });
  });
  afterEach(() => {
    jest.useRealTimers();
    verifySpy.mockRestore();
  });

  it('answers the same token string again without verifying its signature again', async () => {
    const verifier = verifierWith();
    const token = await sign(pair, 'k1');
    const first = await verifier.verify(token);
    await expect(verifier.verify(token)).resolves.toEqual(first);
    expect(verifications()).toBe(1);
  });

  it('verifies in full any other string: a forged signature on a remembered token is refused', async () => {
    const verifier = verifierWith();
    const token = await sign(pair, 'k1');
    await verifier.verify(token);
    const [header, payload] = token.split('.');
    const forgedBy = (await sign(other, 'k1')).split('.')[2];
    expect((await rejection(verifier.verify(`${header}.${payload}.${forgedBy}`))).status).toBe(401);
    expect(verifications()).toBe(2);
  });

  it('refuses a remembered token once its exp (plus the clock tolerance) has passed', async () => {
    const verifier = verifierWith({ verifiedCacheMaxAgeMs: 3_600_000 });
    const start = Date.now();
    const token = await sign(pair, 'k1', {}, { exp: Math.floor(start / 1000) + 30 });
    await verifier.verify(token);
    setClock(start + 34_000);
    await expect(verifier.verify(token)).resolves.toMatchObject({ clientId: 'jeeves-demo' });
    expect(verifications()).toBe(1);
    setClock(start + 36_000);
    const error = await rejection(verifier.verify(token));
    expect(error.status).toBe(401);
    expect(error.detail).toMatch(/expired/);
  });

  it('refuses a remembered token whose clock went back before its nbf', async () => {
    const verifier = verifierWith();
    const start = Date.now();
    const token = await sign(pair, 'k1', { nbf: Math.floor(start / 1000) });
    await verifier.verify(token);
    setClock(start - 60_000);
    expect((await rejection(verifier.verify(token))).status).toBe(401);
  });

  it('verifies again after verifiedCacheMaxAgeMs, so a retired key stops verifying at most that late', async () => {
    const verifier = verifierWith({ verifiedCacheMaxAgeMs: 10_000 });
    const token = await sign(pair, 'k1');
    await verifier.verify(token);
    setClock(Date.now() + 10_001);
    await verifier.verify(token);
    expect(verifications()).toBe(2);
  });

  it('keeps at most verifiedCacheSize tokens (oldest out first) and none with 0', async () => {
    const bounded = verifierWith({ verifiedCacheSize: 2 });
    const tokens = [
      await sign(pair, 'k1', { n: 1 }),
      await sign(pair, 'k1', { n: 2 }),
      await sign(pair, 'k1', { n: 3 }),
    ];
    for (const token of tokens) await bounded.verify(token);
    await bounded.verify(tokens[2]!);
    expect(verifications()).toBe(3);
    await bounded.verify(tokens[0]!);
    expect(verifications()).toBe(4);

    verifySpy.mockClear();
    const off = verifierWith({ verifiedCacheSize: 0 });
    await off.verify(tokens[0]!);
    await off.verify(tokens[0]!);
    expect(verifications()).toBe(2);
  });

  /** A verifier on a local key set holding k1 (`pair`); reload() swaps the set, as a JWKS refetch does. */
  async function reloadableVerifier(): Promise<{ verifier: TokenVerifier; reload(jwks: JSONWebKeySet['keys']): void }> {
    let keys = createLocalJWKSet({ keys: [await publicJwk(pair, 'k1')] });
    const verifier = new TokenVerifier({
      jwksUrl: 'http://127.0.0.1:9/unused',
      issuer: ISSUER,
      audience: AUDIENCE,
      keySet: (header, token) => keys(header, token),
    });
    return { verifier, reload: (jwks) => (keys = createLocalJWKSet({ keys: jwks })) };
  }

  it("refuses a remembered token once the verifier's key set no longer has its key (dealer restarted without TOKEN_SIGNING_KEYS_DIR)", async () => {
    const { verifier, reload } = await reloadableVerifier();
    const token = await sign(pair, 'k1');
    await verifier.verify(token);
    // The verifier refetched the JWKS (a new kid came in): the old key is gone, as its tokens are (ADR 0030).
    reload([await publicJwk(other, 'k2')]);
    expect((await rejection(verifier.verify(token))).status).toBe(401);
  });

  it('verifies a remembered token in full once after its key set was reloaded, then remembers it again', async () => {
    const { verifier, reload } = await reloadableVerifier();
    const token = await sign(pair, 'k1');
    await verifier.verify(token);
    reload([await publicJwk(pair, 'k1'), await publicJwk(other, 'k2')]);
    await verifier.verify(token);
    await verifier.verify(token);
    expect(verifications()).toBe(2);
  });

  it('does not remember a failure: a refused token is refused again, in full', async () => {
    const verifier = verifierWith();
    const token = await sign(pair, 'k1', {}, { aud: 'someone-else' });
    expect((await rejection(verifier.verify(token))).status).toBe(401);
    expect((await rejection(verifier.verify(token))).status).toBe(401);
    expect(verifications()).toBe(2);
  });
});
