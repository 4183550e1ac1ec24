import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { createLogger } from '#libs/observability';
import { buildService } from '#libs/platform';
import { hashSecret } from './clients/secret-hash';
import { tokenDealerService } from './main';

const DEMO = { id: 'jeeves-demo', secret: 'jeeves-demo-secret' };
const ADMIN = { id: 'lab-admin', secret: 'lab-admin-secret' };
const TTL_SECONDS = 600;
const BASE_ENV = { NODE_ENV: 'test', LOG_LEVEL: 'debug', TOKEN_TTL_SECONDS: String(TTL_SECONDS) };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

interface Started {
  app: NestFastifyApplication;
  logs: string[];
}

async function start(environment: Record<string, string> = {}): Promise<Started> {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ service: 'token-dealer', level: 'debug', destination });
  const { app } = await buildService(tokenDealerService, { ...BASE_ENV, ...environment }, { logger });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, logs };
}

function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

describe('token-dealer over HTTP', () => {
  let started: Started;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    started = await start();
    app = started.app;
  });
  afterAll(async () => {
    await app.close();
  });

  async function jwks(): Promise<JSONWebKeySet> {
    const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(response.statusCode).toBe(200);
    return response.json<JSONWebKeySet>();
  }

  async function token(params: Record<string, string>, headers: Record<string, string> = {}) {
    return app.inject({ method: 'POST', url: '/oauth/token', headers: { ...FORM, ...headers }, payload: form(params) });
  }

  async function issue(client: { id: string; secret: string }, scope?: string): Promise<string> {
    const response = await token({
      grant_type: 'client_credentials',
      client_id: client.id,
      client_secret: client.secret,
      ...(scope ? { scope } : {}),
    });
    expect(response.statusCode).toBe(200);
    return response.json<{ access_token: string }>().access_token;
  }

  describe('issues tokens', () => {
    it('answers a form request with a Bearer token that verifies against the served JWKS', async () => {
      const before = Math.floor(Date.now() / 1000);
      const response = await token({
        grant_type: 'client_credentials',
        client_id: DEMO.id,
        client_secret: DEMO.secret,
      });

      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers.pragma).toBe('no-cache');
      const body = response.json<{ access_token: string; token_type: string; expires_in: number; scope: string }>();
      expect(body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: TTL_SECONDS,
        scope: 'messages:write messages:read',
      });

      const header = decodeProtectedHeader(body.access_token);
      expect(header).toEqual({ alg: 'RS256', kid: expect.any(String), typ: 'JWT' });
      const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(await jwks()), {
        issuer: 'jeeves-token-dealer',
        audience: 'jeeves-api',
        algorithms: ['RS256'],
      });
      expect(payload).toMatchObject({ sub: DEMO.id, client_id: DEMO.id, scope: 'messages:write messages:read' });
      expect(payload.iat).toBeGreaterThanOrEqual(before);
      expect(payload.nbf).toBe(payload.iat);
      expect(payload.exp).toBe((payload.iat as number) + TTL_SECONDS);
      expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('gives every token its own jti', async () => {
      const [a, b] = await Promise.all([issue(DEMO), issue(DEMO)]);
      const { payload: pa } = await jwtVerify(a, createLocalJWKSet(await jwks()));
      const { payload: pb } = await jwtVerify(b, createLocalJWKSet(await jwks()));
      expect(pa.jti).not.toBe(pb.jti);
    });

    it('accepts a JSON body', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/json' },
        payload: { grant_type: 'client_credentials', client_id: ADMIN.id, client_secret: ADMIN.secret },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json<{ scope: string }>().scope).toBe('messages:write messages:read lab:chaos');
    });

    it('accepts a form content type with a charset parameter', async () => {
      const response = await token(
        { grant_type: 'client_credentials', client_id: DEMO.id, client_secret: DEMO.secret },
        { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      );
      expect(response.statusCode).toBe(200);
    });

    it('accepts HTTP Basic client authentication', async () => {
      const response = await token(
        { grant_type: 'client_credentials', scope: 'messages:read' },
        { authorization: basic(DEMO.id, DEMO.secret) },
      );
      expect(response.statusCode).toBe(200);
      expect(response.json<{ scope: string }>().scope).toBe('messages:read');
    });

    it('grants a requested subset of the allowed scopes, in the configured order', async () => {
      const response = await token({
        grant_type: 'client_credentials',
        client_id: ADMIN.id,
        client_secret: ADMIN.secret,
        scope: 'lab:chaos messages:write',
      });
      expect(response.statusCode).toBe(200);
      expect(response.json<{ scope: string }>().scope).toBe('messages:write lab:chaos');
    });
  });

  describe('refuses bad requests with RFC 6749 §5.2 errors', () => {
    async function expectOAuthError(response: Awaited<ReturnType<typeof token>>, status: number, error: string) {
      expect(response.statusCode).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.json()).toEqual({ error, error_description: expect.any(String) });
    }

    it('401 invalid_client for a wrong secret, without a Basic challenge when the body carried it', async () => {
      const response = await token({
        grant_type: 'client_credentials',
        client_id: DEMO.id,
        client_secret: 'wrong-secret',
      });
      await expectOAuthError(response, 401, 'invalid_client');
      expect(response.headers['www-authenticate']).toBeUndefined();
    });

    it('401 invalid_client for an unknown client, with the same description as a wrong secret', async () => {
      const unknown = await token({
        grant_type: 'client_credentials',
        client_id: 'nobody',
        client_secret: DEMO.secret,
      });
      const wrong = await token({ grant_type: 'client_credentials', client_id: DEMO.id, client_secret: 'nope' });
      await expectOAuthError(unknown, 401, 'invalid_client');
      expect(unknown.json()).toEqual(wrong.json());
    });

    it('401 invalid_client with WWW-Authenticate: Basic when Basic credentials are wrong', async () => {
      const response = await token(
        { grant_type: 'client_credentials' },
        { authorization: basic(DEMO.id, 'wrong-secret') },
      );
      await expectOAuthError(response, 401, 'invalid_client');
      expect(response.headers['www-authenticate']).toMatch(/^Basic realm="jeeves"/);
    });

    it('400 unsupported_grant_type for another grant', async () => {
      const response = await token({ grant_type: 'password', client_id: DEMO.id, client_secret: DEMO.secret });
      await expectOAuthError(response, 400, 'unsupported_grant_type');
    });

    it.each([
      ['grant_type', { client_id: DEMO.id, client_secret: DEMO.secret }],
      ['client_id', { grant_type: 'client_credentials', client_secret: DEMO.secret }],
      ['client_secret', { grant_type: 'client_credentials', client_id: DEMO.id }],
    ])('400 invalid_request when %s is missing', async (missing, params) => {
      const response = await token(params);
      await expectOAuthError(response, 400, 'invalid_request');
      expect(response.json<{ error_description: string }>().error_description).toContain(missing);
    });

    it('400 invalid_request for a request without a body', async () => {
      const response = await app.inject({ method: 'POST', url: '/oauth/token' });
      await expectOAuthError(response, 400, 'invalid_request');
    });

    it('400 invalid_request for a repeated parameter', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: FORM,
        payload: `grant_type=client_credentials&client_id=${DEMO.id}&client_secret=${DEMO.secret}&scope=messages:read&scope=lab:chaos`,
      });
      await expectOAuthError(response, 400, 'invalid_request');
    });

    it('400 invalid_request when Basic and body secrets are both sent', async () => {
      const response = await token(
        { grant_type: 'client_credentials', client_secret: DEMO.secret },
        { authorization: basic(DEMO.id, DEMO.secret) },
      );
      await expectOAuthError(response, 400, 'invalid_request');
    });

    it('400 invalid_request for a JSON body that is not an object, or with non-string values', async () => {
      for (const payload of [
        '["client_credentials"]',
        '{"grant_type":"client_credentials","client_id":42,"client_secret":"x"}',
      ]) {
        const response = await app.inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { 'content-type': 'application/json' },
          payload,
        });
        await expectOAuthError(response, 400, 'invalid_request');
      }
    });

    it('400 invalid_scope for a scope outside the client', async () => {
      const response = await token({
        grant_type: 'client_credentials',
        client_id: DEMO.id,
        client_secret: DEMO.secret,
        scope: 'messages:read lab:chaos',
      });
      await expectOAuthError(response, 400, 'invalid_scope');
      expect(response.json<{ error_description: string }>().error_description).toContain('lab:chaos');
    });
  });

  describe('leaves body errors to the platform, as problem+json', () => {
    it('400 for malformed JSON', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/json' },
        payload: '{"grant_type": ',
      });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ status: 400, code: 'malformed-json' });
    });

    it('413 for a body over 16 KiB, form or JSON', async () => {
      const big = 'x'.repeat(17 * 1024);
      for (const [contentType, payload] of [
        [
          'application/x-www-form-urlencoded',
          form({ grant_type: 'client_credentials', client_id: DEMO.id, client_secret: big }),
        ],
        [
          'application/json',
          JSON.stringify({ grant_type: 'client_credentials', client_id: DEMO.id, client_secret: big }),
        ],
      ]) {
        const response = await app.inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { 'content-type': contentType },
          payload,
        });
        expect(response.statusCode).toBe(413);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.json()).toMatchObject({ status: 413, code: 'payload-too-large' });
      }
    });

    it.each(['text/plain', 'application/xml', 'multipart/form-data; boundary=x'])('415 for %s', async (contentType) => {
      const response = await app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': contentType },
        payload: 'grant_type=client_credentials',
      });
      expect(response.statusCode).toBe(415);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ status: 415, code: 'unsupported-media-type' });
    });
  });

  describe('JWKS and key rotation', () => {
    it('publishes public keys only, cacheable for a minute', async () => {
      const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      expect(response.headers['cache-control']).toBe('public, max-age=60');
      const { keys } = response.json<JSONWebKeySet>();
      // The active key and the pre-published next one.
      expect(keys.length).toBeGreaterThanOrEqual(2);
      for (const key of keys) {
        expect(key).toEqual({
          kty: 'RSA',
          n: expect.any(String),
          e: 'AQAB',
          kid: expect.any(String),
          alg: 'RS256',
          use: 'sig',
        });
      }
    });

    it('refuses rotation without a token (401), or with a token lacking lab:chaos (403)', async () => {
      const anonymous = await app.inject({ method: 'POST', url: '/admin/keys/rotate' });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer realm="jeeves"/);
      expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/);

      const forged = await app.inject({
        method: 'POST',
        url: '/admin/keys/rotate',
        headers: { authorization: 'Bearer not.a.jwt' },
      });
      expect(forged.statusCode).toBe(401);
      expect(forged.headers['www-authenticate']).toContain('error="invalid_token"');

      const demo = await app.inject({
        method: 'POST',
        url: '/admin/keys/rotate',
        headers: { authorization: `Bearer ${await issue(DEMO)}` },
      });
      expect(demo.statusCode).toBe(403);
      expect(demo.headers['www-authenticate']).toContain('error="insufficient_scope"');
    });

    it('rotates to the pre-published key and keeps verifying tokens signed before the rotation', async () => {
      const before = await issue(DEMO);
      const jwksBefore = await jwks();
      const kidBefore = decodeProtectedHeader(before).kid;

      const rotation = await app.inject({
        method: 'POST',
        url: '/admin/keys/rotate',
        headers: { authorization: `Bearer ${await issue(ADMIN)}` },
      });
      expect(rotation.statusCode).toBe(201);
      const result = rotation.json<{
        activeKid: string;
        retiredKid: string;
        nextKid: string;
        publishedKids: string[];
      }>();
      expect(result.retiredKid).toBe(kidBefore);
      expect(result.activeKid).not.toBe(kidBefore);

      const after = await issue(DEMO);
      const kidAfter = decodeProtectedHeader(after).kid;
      expect(kidAfter).toBe(result.activeKid);
      // A verifier still holding the JWKS from before the rotation already knows the new kid.
      await expect(jwtVerify(after, createLocalJWKSet(jwksBefore))).resolves.toBeDefined();
      // And the fresh JWKS still verifies the token signed before the rotation.
      const jwksAfter = await jwks();
      expect(jwksAfter.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([kidBefore, kidAfter, result.nextKid]));
      await expect(jwtVerify(before, createLocalJWKSet(jwksAfter))).resolves.toBeDefined();
    });
  });

  describe('chaos', () => {
    it('serves the chaos API to lab admins, checked against its own keys, and fails token requests on demand', async () => {
      const admin = { authorization: `Bearer ${await issue(ADMIN)}` };
      const denied = await app.inject({
        method: 'GET',
        url: '/admin/chaos/faults',
        headers: { authorization: `Bearer ${await issue(DEMO)}` },
      });
      expect(denied.statusCode).toBe(403);

      const added = await app.inject({
        method: 'POST',
        url: '/admin/chaos/faults',
        headers: admin,
        payload: { type: 'error', rate: 1, status: 503, target: 'route:/oauth/token', durationMs: 60_000 },
      });
      expect(added.statusCode).toBe(201);
      const failed = await token({ grant_type: 'client_credentials', client_id: DEMO.id, client_secret: DEMO.secret });
      expect(failed.statusCode).toBe(503);
      expect(failed.headers['x-chaos-fault']).toBe(added.json<{ id: string }>().id);
      // The JWKS is another route: untouched.
      expect((await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).statusCode).toBe(200);

      expect((await app.inject({ method: 'DELETE', url: '/admin/chaos/faults', headers: admin })).statusCode).toBe(204);
      expect(
        (await token({ grant_type: 'client_credentials', client_id: DEMO.id, client_secret: DEMO.secret })).statusCode,
      ).toBe(200);
    });
  });

  describe('observability', () => {
    it('counts issued tokens per client and rejections per error', async () => {
      await token({ grant_type: 'client_credentials', client_id: DEMO.id, client_secret: 'wrong-secret' });
      await app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'text/plain' },
        payload: 'x',
      });
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/^jeeves_tokens_issued_total\{client="jeeves-demo"[^}]*\} [1-9]\d*$/m);
      expect(metrics).toMatch(/^jeeves_token_requests_rejected_total\{error="invalid_client"[^}]*\} [1-9]\d*$/m);
      expect(metrics).toMatch(
        /^jeeves_token_requests_rejected_total\{error="unsupported-media-type"[^}]*\} [1-9]\d*$/m,
      );
      // The chaos spec's injected 503 is a failure, not a refusal.
      expect(metrics).not.toMatch(/^jeeves_token_requests_rejected_total\{error="http-5/m);
    });

    it('logs one line per token request and never a secret or a token', async () => {
      const response = await token({
        grant_type: 'client_credentials',
        client_id: ADMIN.id,
        client_secret: ADMIN.secret,
      });
      const accessToken = response.json<{ access_token: string }>().access_token;
      await token({ grant_type: 'client_credentials' }, { authorization: basic(DEMO.id, 'a-wrong-secret') });
      const logged = started.logs.join('');
      expect(logged).toContain('"route":"/oauth/token"');
      expect(logged).toContain('"problem":"invalid_client"');
      for (const secret of [DEMO.secret, ADMIN.secret, 'a-wrong-secret', accessToken, accessToken.split('.')[2]]) {
        expect(logged).not.toContain(secret);
      }
    });
  });
});

describe('token-dealer failed-attempt limits over HTTP', () => {
  const LIMITED = {
    TOKEN_FAILED_AUTH_CLIENT_SOURCE_BURST: '2',
    TOKEN_FAILED_AUTH_CLIENT_SOURCE_PER_MINUTE: '1',
  };

  async function guess(app: NestFastifyApplication, remoteAddress: string, secret = 'a-wrong-secret') {
    return app.inject({
      method: 'POST',
      url: '/oauth/token',
      remoteAddress,
      headers: FORM,
      payload: form({ grant_type: 'client_credentials', client_id: DEMO.id, client_secret: secret }),
    });
  }

  it('answers 429 problem+json with Retry-After once one address spent its budget, and still serves the client elsewhere', async () => {
    const { app } = await start(LIMITED);
    try {
      expect((await guess(app, '127.0.0.1', DEMO.secret)).statusCode).toBe(200);
      for (let i = 0; i < 2; i++) expect((await guess(app, '10.0.0.9')).statusCode).toBe(401);
      const refused = await guess(app, '10.0.0.9');
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.headers['retry-after']).toBe('60');
      expect(refused.json()).toMatchObject({ status: 429, code: 'rate-limited' });
      // The client itself, from the address it authenticates from, is not locked out.
      expect((await guess(app, '127.0.0.1', DEMO.secret)).statusCode).toBe(200);

      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/^jeeves_token_requests_throttled_total\{limit="client_source"[^}]*\} 1$/m);
      expect(metrics).toMatch(/^jeeves_token_requests_throttled_total\{limit="client"[^}]*\} 0$/m);
      expect(metrics).toMatch(/^jeeves_token_requests_rejected_total\{error="rate-limited"[^}]*\} 1$/m);
    } finally {
      await app.close();
    }
  });

  it("checks every guess when TOKEN_FAILED_AUTH_LIMITS=false (the benchmark's baseline)", async () => {
    const { app } = await start({ ...LIMITED, TOKEN_FAILED_AUTH_LIMITS: 'false' });
    try {
      for (let i = 0; i < 4; i++) expect((await guess(app, '10.0.0.9')).statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });
});

describe('token-dealer configuration', () => {
  it('refuses to start in production with the default secrets, naming the clients', async () => {
    await expect(
      buildService(
        tokenDealerService,
        { ...BASE_ENV, NODE_ENV: 'production' },
        { logger: createLogger({ service: 'token-dealer', level: 'silent' }) },
      ),
    ).rejects.toThrow(/production.*"jeeves-demo", "lab-admin".*default secret/);
  });

  it('refuses a configured client whose hash is of a default secret, and starts with own secrets', async () => {
    const own = { clientId: 'own', secretHash: await hashSecret('a-secret-of-our-own'), scopes: ['messages:read'] };
    const reused = { clientId: 'reused', secretHash: await hashSecret('lab-admin-secret'), scopes: ['lab:chaos'] };
    const silent = { logger: createLogger({ service: 'token-dealer', level: 'silent' }) };
    await expect(
      buildService(
        tokenDealerService,
        { ...BASE_ENV, NODE_ENV: 'production', TOKEN_CLIENTS: JSON.stringify([own, reused]) },
        silent,
      ),
    ).rejects.toThrow(/"reused"/);

    const { app } = await buildService(
      tokenDealerService,
      { ...BASE_ENV, NODE_ENV: 'production', TOKEN_CLIENTS: JSON.stringify([own]) },
      silent,
    );
    try {
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
      const ok = await app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: FORM,
        payload: form({ grant_type: 'client_credentials', client_id: 'own', client_secret: 'a-secret-of-our-own' }),
      });
      expect(ok.statusCode).toBe(200);
      const demo = await app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: FORM,
        payload: form({ grant_type: 'client_credentials', client_id: DEMO.id, client_secret: DEMO.secret }),
      });
      expect(demo.statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('names TOKEN_CLIENTS when it is not valid', async () => {
    for (const value of ['not json', '[{"clientId":"x","secretHash":"plain-text","scopes":["a"]}]']) {
      await expect(buildService(tokenDealerService, { ...BASE_ENV, TOKEN_CLIENTS: value })).rejects.toThrow(
        /TOKEN_CLIENTS/,
      );
    }
  });

  it('keeps tokens valid across a restart when keys live in TOKEN_SIGNING_KEYS_DIR', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'token-dealer-keys-'));
    try {
      const first = await start({ TOKEN_SIGNING_KEYS_DIR: directory });
      const response = await first.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: FORM,
        payload: form({ grant_type: 'client_credentials', client_id: DEMO.id, client_secret: DEMO.secret }),
      });
      const issued = response.json<{ access_token: string }>().access_token;
      await first.app.close();
      expect((await readdir(directory)).filter((name) => name.endsWith('.pem'))).toHaveLength(2);

      const second = await start({ TOKEN_SIGNING_KEYS_DIR: directory });
      try {
        const set = (await second.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<JSONWebKeySet>();
        await expect(jwtVerify(issued, createLocalJWKSet(set))).resolves.toBeDefined();
      } finally {
        await second.app.close();
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
