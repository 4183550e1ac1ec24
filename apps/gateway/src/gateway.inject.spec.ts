import type { LightMyRequestResponse } from 'fastify';
import { messageAcceptedSchema } from '#libs/contracts';
import type { OpenApiDocument } from './openapi/openapi-document';
import { messageView, startTestGateway, type TestGateway } from './testing/gateway-test-kit';
import { openApiValidator } from './testing/openapi-validator';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS';

describe('gateway over HTTP (inject, fakes for Kafka, data-service and JWKS)', () => {
  let gw: TestGateway;
  let token: string;
  let validator: ReturnType<typeof openApiValidator>;
  const seen: LightMyRequestResponse[] = [];

  async function call(
    method: Method,
    url: string,
    options: { body?: unknown; raw?: string | Buffer; headers?: Record<string, string>; auth?: string | null } = {},
  ) {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.auth !== null) headers.authorization = options.auth ?? `Bearer ${token}`;
    let payload: string | Buffer | undefined = options.raw;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await gw.app.inject({ method, url, headers, payload });
    seen.push(response);
    const problems = validator.check({
      method,
      url,
      status: response.statusCode,
      headers: response.headers,
      body: response.body,
    });
    expect(problems).toEqual([]);
    return response;
  }
  const post = (body: unknown, headers: Record<string, string> = {}) => call('POST', '/v1/messages', { body, headers });

  beforeAll(async () => {
    // PUBLISH_TIMEOUT_MS is how long a retry waits for a request still publishing its key.
    gw = await startTestGateway({ RATE_LIMIT_BURST: '1000', RATE_LIMIT_PER_SECOND: '1000', PUBLISH_TIMEOUT_MS: '200' });
    token = await gw.token();
    const document = (await gw.app.inject({ method: 'GET', url: '/openapi.json' })).json<OpenApiDocument>();
    validator = openApiValidator(document);
  });

  afterAll(async () => {
    await gw.close();
  });

  describe('POST /v1/messages', () => {
    it('publishes message.accepted and answers 202 with the id, Location and RateLimit headers', async () => {
      const response = await post({ user: 'alice', text: 'weather in Paris' }, { 'x-request-id': 'req-123' });
      expect(response.statusCode).toBe(202);
      const { id, status } = response.json<{ id: string; status: string }>();
      expect(status).toBe('accepted');
      expect(response.headers.location).toBe(`/v1/messages/${id}`);
      expect(response.headers['ratelimit-policy']).toBe('"default";q=1000;w=1');
      expect(response.headers.ratelimit).toMatch(/^"default";r=\d+;t=\d+$/);
      const sent = gw.publisher.published.at(-1)!;
      expect(sent.message).toEqual({ messageId: id, user: 'alice', text: 'weather in Paris', clientId: 'jeeves-demo' });
      expect(messageAcceptedSchema.safeParse(sent.message).success).toBe(true);
      expect(sent.correlationId).toBe('req-123');
      expect(response.headers['x-request-id']).toBe('req-123');
      const unsafe = await post({ user: 'alice', text: 'hi' }, { 'x-request-id': 'no spaces <allowed>' });
      expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(gw.publisher.published.at(-1)!.correlationId).toBe(unsafe.headers['x-request-id']);
    });

    it.each([
      ['missing text', { user: 'alice' }, ['text']],
      ['missing everything', {}, ['user', 'text']],
      ['an extra field', { user: 'alice', text: 'hi', admin: true }, ['admin']],
      ['wrong types', { user: 42, text: ['hi'] }, ['user', 'text']],
      ['a bad user id', { user: 'al ice!', text: 'hi' }, ['user']],
      ['an empty text', { user: 'alice', text: '' }, ['text']],
      ['a text over 2000 characters', { user: 'alice', text: 'x'.repeat(2001) }, ['text']],
      ['a JSON array', [1, 2], ['(body)']],
      ['JSON null', null, ['(body)']],
    ])('answers 400 listing the fields for %s', async (_name, body, fields) => {
      const before = gw.publisher.published.length;
      const response = await post(body);
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = response.json<{ code: string; errors: { field: string }[] }>();
      expect(problem.code).toBe('validation-failed');
      expect(problem.errors.map((e) => e.field).sort()).toEqual([...fields].sort());
      expect(gw.publisher.published.length).toBe(before);
    });

    it('answers 400 malformed-json to broken JSON', async () => {
      const response = await call('POST', '/v1/messages', {
        raw: '{"user": "alice", ',
        headers: { 'content-type': 'application/json' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ code: string }>().code).toBe('malformed-json');
    });

    it('answers 413 to a body over 16 KiB', async () => {
      const response = await post({ user: 'alice', text: 'x'.repeat(17 * 1024) });
      expect(response.statusCode).toBe(413);
      expect(response.json<{ code: string }>().code).toBe('payload-too-large');
    });

    it.each([
      ['text/plain', 'hello'],
      ['application/x-www-form-urlencoded', 'user=alice&text=hi'],
      ['application/xml', '<m/>'],
    ])('answers 415 to %s', async (contentType, raw) => {
      const response = await call('POST', '/v1/messages', { raw, headers: { 'content-type': contentType } });
      expect(response.statusCode).toBe(415);
      expect(response.json<{ code: string }>().code).toBe('unsupported-media-type');
    });

    it('answers 415 to a POST without a body or content type', async () => {
      const response = await call('POST', '/v1/messages', {});
      expect(response.statusCode).toBe(415);
    });

    it('answers 503 publish-unconfirmed naming the message when Kafka refuses it, and keeps serving', async () => {
      gw.publisher.failures = 1;
      const failed = await post({ user: 'alice', text: 'hello' });
      expect(failed.statusCode).toBe(503);
      expect(failed.headers['retry-after']).toBe('1');
      const problem = failed.json<{ code: string; messageId: string; detail: string }>();
      expect(problem.code).toBe('publish-unconfirmed');
      expect(failed.headers.location).toBe(`/v1/messages/${problem.messageId}`);
      expect(problem.detail).toContain('same Idempotency-Key');
      expect((await post({ user: 'alice', text: 'hello' })).statusCode).toBe(202);
    });

    it('tells a client whose publish timed out where the message will be if it still goes through', async () => {
      const before = gw.publisher.published.length;
      gw.publisher.timeouts = 1;
      const key = { 'idempotency-key': 'key-timeout' };
      const failed = await post({ user: 'erin', text: 'slow bus' }, key);
      expect(failed.statusCode).toBe(503);
      const { messageId } = failed.json<{ messageId: string }>();
      // A retry while the first send is still in flight waits for it, then says the same.
      const meanwhile = await post({ user: 'erin', text: 'slow bus' }, key);
      expect(meanwhile.statusCode).toBe(503);
      expect(meanwhile.json<{ messageId: string }>().messageId).toBe(messageId);

      await gw.publisher.settleLate('published');
      const early = await call('GET', `/v1/messages/${messageId}`);
      expect(early.json()).toEqual({ id: messageId, status: 'accepted' });
      const retried = await post({ user: 'erin', text: 'slow bus' }, key);
      expect(retried.statusCode).toBe(202);
      expect(retried.json<{ id: string }>().id).toBe(messageId);
      expect(retried.headers['idempotent-replayed']).toBe('true');
      expect(gw.publisher.published.length).toBe(before + 1);

      const metrics = (await gw.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/^jeeves_messages_unconfirmed_total\{[^}]*client="jeeves-demo"[^}]*\} [2-9]/m);
      expect(metrics).toMatch(/^jeeves_messages_published_late_total\{[^}]*client="jeeves-demo"[^}]*\} 1$/m);
    });
  });

  describe('authentication and scopes', () => {
    it.each([
      ['no Authorization header', null],
      ['a Basic credential', 'Basic YWxpY2U6c2VjcmV0'],
      ['a garbage token', 'Bearer abc.def.ghi'],
      [
        'an unsigned token',
        `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`,
      ],
    ])('answers 401 with a Bearer challenge to %s', async (_name, auth) => {
      for (const [method, url] of [
        ['POST', '/v1/messages'],
        ['GET', '/v1/messages/6f1d7a4e-2b1c-4c5d-9e8f-0a1b2c3d4e5f'],
        ['GET', '/v1/users/alice/messages'],
      ] as const) {
        const response = await call(method, url, {
          auth,
          ...(method === 'POST' ? { body: { user: 'alice', text: 'hi' } } : {}),
        });
        expect(response.statusCode).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="jeeves"/);
        expect(response.json<{ code: string }>().code).toBe('unauthorized');
      }
    });

    it('answers 403 insufficient_scope to a token without messages:write', async () => {
      const readOnly = await gw.token('messages:read');
      const response = await call('POST', '/v1/messages', {
        body: { user: 'alice', text: 'hi' },
        auth: `Bearer ${readOnly}`,
      });
      expect(response.statusCode).toBe(403);
      expect(response.headers['www-authenticate']).toContain('error="insufficient_scope"');
      const writeOnly = await gw.token('messages:write');
      expect((await call('GET', '/v1/users/alice/messages', { auth: `Bearer ${writeOnly}` })).statusCode).toBe(403);
    });
  });

  describe('Idempotency-Key', () => {
    it('returns the same id for the same key and body, and publishes once', async () => {
      const before = gw.publisher.published.length;
      const first = await post({ user: 'bob', text: 'time in Tokyo' }, { 'idempotency-key': 'key-1' });
      const second = await post({ user: 'bob', text: 'time in Tokyo' }, { 'idempotency-key': 'key-1' });
      expect(first.statusCode).toBe(202);
      expect(second.statusCode).toBe(202);
      expect(second.json<{ id: string }>().id).toBe(first.json<{ id: string }>().id);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(gw.publisher.published.length).toBe(before + 1);
    });

    it('answers 422 idempotency-key-reused when the body differs', async () => {
      await post({ user: 'bob', text: 'first' }, { 'idempotency-key': 'key-2' });
      const reused = await post({ user: 'bob', text: 'second' }, { 'idempotency-key': 'key-2' });
      expect(reused.statusCode).toBe(422);
      expect(reused.json<{ code: string }>().code).toBe('idempotency-key-reused');
    });

    it('keeps keys per client: another client may use the same key', async () => {
      const other = await gw.token('messages:write', 'lab-admin');
      const mine = await post({ user: 'bob', text: 'per client' }, { 'idempotency-key': 'key-3' });
      const theirs = await call('POST', '/v1/messages', {
        body: { user: 'bob', text: 'per client' },
        headers: { 'idempotency-key': 'key-3' },
        auth: `Bearer ${other}`,
      });
      expect(theirs.statusCode).toBe(202);
      expect(theirs.json<{ id: string }>().id).not.toBe(mine.json<{ id: string }>().id);
    });

    it('produces one message for concurrent requests with the same key', async () => {
      gw.publisher.delayMs = 50;
      try {
        const before = gw.publisher.published.length;
        const responses = await Promise.all(
          Array.from({ length: 10 }, () =>
            post({ user: 'carol', text: 'help' }, { 'idempotency-key': 'key-concurrent' }),
          ),
        );
        expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(202));
        expect(new Set(responses.map((r) => r.json<{ id: string }>().id)).size).toBe(1);
        expect(gw.publisher.published.length).toBe(before + 1);
      } finally {
        gw.publisher.delayMs = 0;
      }
    });

    it('lets a retry publish the same message after the first attempt failed', async () => {
      gw.publisher.failures = 1;
      const failed = await post({ user: 'dave', text: 'retry me' }, { 'idempotency-key': 'key-retry' });
      expect(failed.statusCode).toBe(503);
      const retried = await post({ user: 'dave', text: 'retry me' }, { 'idempotency-key': 'key-retry' });
      expect(retried.statusCode).toBe(202);
      expect(retried.json<{ id: string }>().id).toBe(failed.json<{ messageId: string }>().messageId);
      expect(retried.headers['idempotent-replayed']).toBeUndefined();
    });

    it.each([['x'.repeat(256)], ['tab\there'], ['ünïcode']])('answers 400 to an invalid key %#', async (key) => {
      const response = await call('POST', '/v1/messages', {
        body: { user: 'bob', text: 'hi' },
        headers: { 'idempotency-key': key },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ errors: { field: string }[] }>().errors[0]!.field).toBe('idempotency-key');
    });
  });

  describe('reads through data-service', () => {
    it('returns a stored message', async () => {
      const view = messageView({ id: '0b6a1f9e-5a55-4e0c-8c84-1d2f3a4b5c6d' });
      gw.reader.add(view);
      const response = await call('GET', `/v1/messages/${view.id}`);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(view);
      expect(response.headers.ratelimit).toBeDefined();
    });

    it('answers {id, status: accepted} for an id accepted here that data-service does not know yet', async () => {
      const { id } = (await post({ user: 'erin', text: 'hello' })).json<{ id: string }>();
      const response = await call('GET', `/v1/messages/${id}`);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ id, status: 'accepted' });
    });

    it('answers 404 to an unknown id and 400 to a malformed one', async () => {
      expect((await call('GET', '/v1/messages/9d3c2b1a-0f9e-4d8c-b7a6-5e4d3c2b1a0f')).statusCode).toBe(404);
      const bad = await call('GET', '/v1/messages/not-a-uuid');
      expect(bad.statusCode).toBe(400);
      expect(bad.json<{ errors: { field: string }[] }>().errors[0]!.field).toBe('id');
    });

    it("lists a user's messages with a validated page query", async () => {
      gw.reader.add(messageView({ id: '1c9e6b1e-0a7b-4b8e-9f3a-2d4c6e8a0b1c', user: 'frank' }));
      const response = await call('GET', '/v1/users/frank/messages?limit=5&before=2030-01-01T00:00:00Z');
      expect(response.statusCode).toBe(200);
      expect(response.json<{ items: unknown[] }>().items).toHaveLength(1);
      expect(gw.reader.lastPage).toEqual({
        user: 'frank',
        page: { clientId: 'jeeves-demo', limit: 5, before: '2030-01-01T00:00:00Z' },
      });
      for (const query of ['limit=0', 'limit=101', 'limit=abc', 'before=yesterday', 'surprise=1']) {
        expect((await call('GET', `/v1/users/frank/messages?${query}`)).statusCode).toBe(400);
      }
      expect((await call('GET', '/v1/users/bad%20user!/messages')).statusCode).toBe(400);
    });

    it.each(['EUNAVAILABLE', 'ETIMEDOUT', 'EBADRESPONSE'] as const)(
      'answers a fast 503 with Retry-After when data-service fails with %s',
      async (code) => {
        gw.reader.failWith = code;
        try {
          for (const url of ['/v1/messages/6f1d7a4e-2b1c-4c5d-9e8f-0a1b2c3d4e5f', '/v1/users/alice/messages']) {
            const response = await call('GET', url);
            expect(response.statusCode).toBe(503);
            expect(response.headers['retry-after']).toBe('1');
            expect(response.json<{ code: string }>().code).toBe('dependency-unavailable');
          }
        } finally {
          gw.reader.failWith = undefined;
        }
      },
    );
  });

  describe('answers before any handler runs (issue 10, cases 5 and 9)', () => {
    it('answers a path that is not percent-encoded UTF-8 with a problem+json 400, not Fastify’s own', async () => {
      for (const url of ['/v1/messages/%zz', '/v1/users/%ff/messages']) {
        const response = await call('GET', url);
        expect(response.statusCode).toBe(400);
        expect(response.json<{ code: string }>().code).toBe('malformed-url');
      }
    });

    it('answers an over-long path segment with 414', async () => {
      const response = await call('GET', `/v1/users/${'a'.repeat(300)}/messages`);
      expect(response.statusCode).toBe(414);
      expect(response.json<{ code: string }>().code).toBe('uri-too-long');
    });

    it.each([
      ['PUT', '/v1/messages', 'POST'],
      ['DELETE', '/v1/messages', 'POST'],
      ['PATCH', '/v1/messages', 'POST'],
      ['GET', '/v1/messages', 'POST'],
      ['OPTIONS', '/v1/messages', 'POST'],
      ['DELETE', '/v1/messages/6f1d7a4e-2b1c-4c5d-9e8f-0a1b2c3d4e5f', 'GET, HEAD'],
      ['POST', '/v1/users/alice/messages', 'GET, HEAD'],
    ] as const)('answers %s %s with 405 and Allow: %s', async (method, url, allow) => {
      const before = gw.publisher.published.length;
      const response = await call(method, url, { body: { user: 'alice', text: 'hi' } });
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe(allow);
      expect(response.json<{ code: string }>().code).toBe('method-not-allowed');
      expect(gw.publisher.published.length).toBe(before);
    });

    it('answers an unknown path with a problem+json 404', async () => {
      const response = await call('GET', '/v2/messages');
      expect(response.statusCode).toBe(404);
      expect(response.json<{ code: string }>().code).toBe('not-found');
    });
  });

  describe('user names are safe path segments (issue 10, case 6)', () => {
    it.each(['.', '..'])('refuses the user name %j at POST, so it can never be stored', async (user) => {
      const before = gw.publisher.published.length;
      const response = await post({ user, text: 'help' });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toEqual(['user']);
      expect(gw.publisher.published.length).toBe(before);
    });

    it('keeps names with dots that are not dot segments', async () => {
      for (const user of ['...', '.alice', 'a.b', 'alice.']) {
        expect((await post({ user, text: 'help' })).statusCode).toBe(202);
        expect((await call('GET', `/v1/users/${user}/messages`)).statusCode).toBe(200);
        expect(gw.reader.lastPage?.user).toBe(user);
      }
    });
  });

  describe('bodies that are not UTF-8 (issue 10, case 7)', () => {
    const invalid = (byte: number) =>
      Buffer.concat([Buffer.from('{"user":"u","text":"a'), Buffer.from([byte]), Buffer.from('b"}')]);

    it('refuses them with 400 before the idempotency logic, so a key stays free for the real message', async () => {
      const before = gw.publisher.published.length;
      for (const byte of [0xff, 0xfe, 0x80, 0xc0]) {
        const response = await call('POST', '/v1/messages', {
          raw: invalid(byte),
          headers: { 'content-type': 'application/json', 'idempotency-key': 'utf8-key' },
        });
        expect(response.statusCode).toBe(400);
        expect(response.json<{ code: string; detail: string }>()).toMatchObject({
          code: 'malformed-json',
          detail: expect.stringContaining('UTF-8'),
        });
      }
      expect(gw.publisher.published.length).toBe(before);
      const good = await post({ user: 'u', text: 'a\u00ffb' }, { 'idempotency-key': 'utf8-key' });
      expect(good.statusCode).toBe(202);
      expect(good.headers['idempotent-replayed']).toBeUndefined();
      expect(gw.publisher.published.at(-1)!.message.text).toBe('a\u00ffb');
    });

    it.each([
      ['a lone surrogate escape', '{"user":"u","text":"a\\ud800b"}'],
      ['a NUL escape', '{"user":"u","text":"a\\u0000b"}'],
    ])('refuses text that could not be stored exactly: %s', async (_name, raw) => {
      const response = await call('POST', '/v1/messages', { raw, headers: { 'content-type': 'application/json' } });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toEqual(['text']);
    });

    it.each([
      ['a charset other than UTF-8', { 'content-type': 'application/json; charset=latin1' }],
      ['a content coding', { 'content-type': 'application/json', 'content-encoding': 'gzip' }],
    ])('answers 415 to %s', async (_name, headers) => {
      const response = await call('POST', '/v1/messages', { raw: '{"user":"u","text":"hi"}', headers });
      expect(response.statusCode).toBe(415);
    });
  });

  describe('ambiguous credentials (issue 10, case 8)', () => {
    it.each([
      ['a token in the query as well', '/v1/users/alice/messages?access_token=x', undefined],
      ['a token only in the query', '/v1/users/alice/messages?access_token=x', null],
      ['two tokens in one header', '/v1/users/alice/messages', 'Bearer a b'],
      ['a merged pair of headers', '/v1/users/alice/messages', 'Bearer a, Bearer b'],
      ['an empty Bearer', '/v1/users/alice/messages', 'Bearer '],
    ])('answers 400 invalid_request to %s', async (_name, url, auth) => {
      const response = await call('GET', url, { auth: auth === undefined ? undefined : auth });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ code: string }>().code).toBe('invalid-request');
      expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="jeeves", error="invalid_request"/);
    });
  });

  describe('each client reads only its own messages (OWASP API1:2023)', () => {
    it("answers 404 for another client's message, and leaves it out of listings", async () => {
      const theirs = messageView({ id: '3a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d', user: 'grace' });
      const mine = messageView({ id: '4b5c6d7e-8f9a-4b1c-8d2e-3f4a5b6c7d8e', user: 'grace' });
      gw.reader.add(theirs, 'lab-admin');
      gw.reader.add(mine);
      const other = await gw.token('messages:read', 'lab-admin');
      expect((await call('GET', `/v1/messages/${theirs.id}`)).statusCode).toBe(404);
      expect((await call('GET', `/v1/messages/${theirs.id}`, { auth: `Bearer ${other}` })).statusCode).toBe(200);
      const listed = await call('GET', '/v1/users/grace/messages');
      expect(listed.json<{ items: { id: string }[] }>().items.map((m) => m.id)).toEqual([mine.id]);
      const theirList = await call('GET', '/v1/users/grace/messages', { auth: `Bearer ${other}` });
      expect(theirList.json<{ items: { id: string }[] }>().items.map((m) => m.id)).toEqual([theirs.id]);
    });

    it('does not vouch for an id another client just had accepted', async () => {
      const writer = await gw.token('messages:write messages:read', 'lab-admin');
      const { id } = (
        await call('POST', '/v1/messages', { body: { user: 'heidi', text: 'hi' }, auth: `Bearer ${writer}` })
      ).json<{ id: string }>();
      expect((await call('GET', `/v1/messages/${id}`, { auth: `Bearer ${writer}` })).json()).toEqual({
        id,
        status: 'accepted',
      });
      expect((await call('GET', `/v1/messages/${id}`)).statusCode).toBe(404);
    });
  });

  it('mounts the chaos API behind scope lab:chaos', async () => {
    const admin = await gw.token('messages:read lab:chaos', 'lab-admin');
    const listed = await gw.app.inject({
      method: 'GET',
      url: '/admin/chaos/faults',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toEqual([]);
    const refused = await gw.app.inject({
      method: 'GET',
      url: '/admin/chaos/faults',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(refused.statusCode).toBe(403);
  });

  it('serves an OpenAPI 3.1 document describing every route, scope and security scheme', async () => {
    const response = await gw.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json<
      OpenApiDocument & {
        openapi: string;
        components: {
          securitySchemes: Record<string, { flows: { clientCredentials: { tokenUrl: string; scopes: object } } }>;
        };
      }
    >();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths).sort()).toEqual([
      '/v1/messages',
      '/v1/messages/{id}',
      '/v1/users/{user}/messages',
    ]);
    const flow = Object.values(document.components.securitySchemes)[0]!.flows.clientCredentials;
    expect(flow.tokenUrl).toBe('http://127.0.0.1:3001/oauth/token');
    expect(Object.keys(flow.scopes)).toEqual(['messages:write', 'messages:read']);
    // Every operation documents the answers any request can get, and the ones before routing are there too.
    for (const item of Object.values(document.paths)) {
      for (const op of Object.values(item) as { responses: Record<string, unknown> }[]) {
        for (const status of ['400', '401', '403', '429', '500', '503']) expect(op.responses[status]).toBeDefined();
      }
    }
    expect(document.paths['/v1/messages/{id}']!.get).toHaveProperty(['responses', '414']);
    expect(Object.keys((document as unknown as Record<string, object>)['x-answers-before-routing']!).sort()).toEqual([
      '400',
      '404',
      '405',
      '408',
      '414',
      '431',
    ]);
  });

  it('gave a problem+json body for every error it answered in this file', () => {
    const errors = seen.filter((r) => r.statusCode >= 400);
    expect(errors.length).toBeGreaterThan(20);
    for (const response of errors) {
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.statusCode === 503 || response.statusCode < 500).toBe(true);
    }
  });
});

describe('gateway per-client limits', () => {
  it('answers 429 rate-limited with Retry-After and RateLimit headers once the burst is spent, per client', async () => {
    const gw = await startTestGateway({ RATE_LIMIT_BURST: '3', RATE_LIMIT_PER_SECOND: '0.5' });
    try {
      const token = await gw.token();
      const other = await gw.token('messages:read', 'lab-admin');
      const get = (t: string) =>
        gw.app.inject({ method: 'GET', url: '/v1/users/alice/messages', headers: { authorization: `Bearer ${t}` } });
      const statuses: number[] = [];
      let last: LightMyRequestResponse | undefined;
      for (let i = 0; i < 4; i++) {
        last = await get(token);
        statuses.push(last.statusCode);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(last!.json<{ code: string }>().code).toBe('rate-limited');
      expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(last!.headers['ratelimit-policy']).toBe('"default";q=3;w=6');
      expect(last!.headers.ratelimit).toMatch(/^"default";r=0;t=\d+$/);
      // Another client has its own bucket.
      expect((await get(other)).statusCode).toBe(200);
      const metrics = (await gw.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/jeeves_rate_limited_requests_total\{[^}]*client="jeeves-demo"[^}]*\} 1/);
    } finally {
      await gw.close();
    }
  });

  it('answers 429 too-many-concurrent-requests past the in-flight limit, and frees slots afterwards', async () => {
    const gw = await startTestGateway({ RATE_LIMIT_MAX_IN_FLIGHT: '2' });
    try {
      const token = await gw.token();
      gw.publisher.delayMs = 100;
      const send = () =>
        gw.app.inject({
          method: 'POST',
          url: '/v1/messages',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          payload: JSON.stringify({ user: 'alice', text: 'hi' }),
        });
      const responses = await Promise.all([send(), send(), send(), send()]);
      const statuses = responses.map((r) => r.statusCode).sort();
      expect(statuses).toEqual([202, 202, 429, 429]);
      const refused = responses.find((r) => r.statusCode === 429)!;
      expect(refused.json<{ code: string }>().code).toBe('too-many-concurrent-requests');
      expect(refused.headers['retry-after']).toBe('1');
      gw.publisher.delayMs = 0;
      expect((await send()).statusCode).toBe(202);
      const metrics = (await gw.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/jeeves_messages_accepted_total\{[^}]*client="jeeves-demo"[^}]*\} 3/);
      expect(metrics).toMatch(/jeeves_concurrency_limited_requests_total\{[^}]*client="jeeves-demo"[^}]*\} 2/);
    } finally {
      await gw.close();
    }
  });
});
