import fc from 'fast-check';
import type { OpenApiDocument } from './openapi/openapi-document';
import { messageView, startTestGateway, type TestGateway } from './testing/gateway-test-kit';
import { openApiValidator } from './testing/openapi-validator';

/**
 * Whatever arrives at the edge — random bodies, content types, tokens, keys, paths and queries —
 * the gateway answers with a documented status below 500, problem+json on every error, a body that
 * matches the OpenAPI document, and it keeps serving afterwards.
 */
/** The path and query a WHATWG URL client sends for `url` (dot segments resolved). */
function onTheWire(url: string): string {
  const parsed = new URL(url, 'http://gateway');
  return `${parsed.pathname}${parsed.search}`;
}

describe('gateway under random requests (property-based)', () => {
  let gw: TestGateway;
  let validator: ReturnType<typeof openApiValidator>;
  let goodToken: string;
  let readOnlyToken: string;
  const stored = messageView({ id: '2d4e6f80-1a2b-4c3d-8e9f-a0b1c2d3e4f5', user: 'alice' });

  beforeAll(async () => {
    gw = await startTestGateway({ RATE_LIMIT_BURST: '100000', RATE_LIMIT_PER_SECOND: '100000' });
    goodToken = await gw.token();
    readOnlyToken = await gw.token('messages:read');
    gw.reader.add(stored);
    validator = openApiValidator(
      (await gw.app.inject({ method: 'GET', url: '/openapi.json' })).json<OpenApiDocument>(),
    );
  });

  afterAll(async () => {
    await gw.close();
  });

  const headerText = fc.stringMatching(/^[\x20-\x7E]{0,80}$/);
  const jwtLike = fc
    .tuple(fc.base64String({ maxLength: 60 }), fc.base64String({ maxLength: 120 }), fc.base64String({ maxLength: 60 }))
    .map((parts) => parts.map((p) => p.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')).join('.'));
  const authorization = fc.oneof(
    fc.constant(undefined),
    { arbitrary: fc.constant('good'), weight: 4 },
    fc.constant('read-only'),
    headerText,
    headerText.map((t) => `Bearer ${t}`),
    jwtLike.map((t) => `Bearer ${t}`),
    fc.constant(
      `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"x","client_id":"x","scope":"messages:write"}').toString('base64url')}.`,
    ),
  );
  const contentType = fc.oneof(
    fc.constant(undefined),
    { arbitrary: fc.constant('application/json'), weight: 3 },
    fc.constant('application/json; charset=utf-8'),
    fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/problem+json',
      'APPLICATION/JSON',
    ),
    headerText,
  );
  const validBodyish = fc.record(
    {
      user: fc.oneof(
        fc.string({ maxLength: 70 }),
        fc.stringMatching(/^[A-Za-z0-9._@-]{1,64}$/),
        fc.integer(),
        fc.constant(null),
      ),
      text: fc.oneof(fc.string({ maxLength: 50 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.integer()),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    fc.constant(undefined),
    {
      arbitrary: fc
        .record({
          user: fc.stringMatching(/^[A-Za-z0-9._@-]{1,64}$/),
          text: fc.string({ minLength: 1, maxLength: 300 }),
        })
        .map((b) => JSON.stringify(b)),
      weight: 3,
    },
    validBodyish.map((b) => JSON.stringify(b)),
    fc
      .tuple(validBodyish, fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }))
      .map(([b, extra]) => JSON.stringify({ ...extra, ...b })),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.string({ unit: 'binary', maxLength: 200 }),
    // Raw bytes, most of them not UTF-8.
    fc.uint8Array({ maxLength: 120 }).map((bytes) => Buffer.from(bytes)),
    fc
      .tuple(fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.boolean())
      .map(([bytes, key]) =>
        Buffer.concat([
          Buffer.from(key ? '{"user":"al' : '{"user":"alice","text":"a'),
          Buffer.from(bytes),
          Buffer.from('"}'),
        ]),
      ),
    fc.integer({ min: 15 * 1024, max: 20 * 1024 }).map((n) => JSON.stringify({ user: 'alice', text: 'x'.repeat(n) })),
  );
  const segment = fc.oneof(
    fc
      .oneof(fc.constant(stored.id), fc.uuid(), fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }))
      .map(encodeURIComponent),
    // Dot segments, raw and encoded, and escapes that are not UTF-8 or not escapes at all.
    fc.constantFrom('.', '..', '%2E%2E', '%2e', '.%2E', '%zz', '%ff', '%C0%AF', `${'a'.repeat(300)}`),
  );
  const query = fc
    .array(
      fc.tuple(
        fc.constantFrom('limit', 'before', 'x', 'limit[]'),
        fc.oneof(
          fc.string({ maxLength: 20 }),
          fc.integer({ min: -5, max: 500 }).map(String),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
      ),
      { maxLength: 3 },
    )
    .map((pairs) =>
      pairs.length ? `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}` : '',
    );
  const validPost = fc
    .record({ user: fc.stringMatching(/^[A-Za-z0-9._@-]{1,64}$/), text: fc.string({ minLength: 1, maxLength: 300 }) })
    .map((b) => JSON.stringify(b));
  const request = fc.oneof(
    {
      arbitrary: fc.record({
        method: fc.constant('POST' as const),
        url: fc.constant('/v1/messages'),
        body: validPost,
        contentType: fc.constant('application/json'),
        idempotencyKey: fc.option(headerText, { nil: undefined }),
      }),
      weight: 2,
    },
    fc.record({
      method: fc.constant('POST' as const),
      url: fc.constant('/v1/messages'),
      body,
      contentType,
      idempotencyKey: fc.option(headerText, { nil: undefined }),
    }),
    fc.record({
      method: fc.constant('GET' as const),
      url: segment.map((s) => `/v1/messages/${s}`),
      body: fc.constant(undefined),
      contentType: fc.constant(undefined),
      idempotencyKey: fc.constant(undefined),
    }),
    fc.record({
      method: fc.constant('GET' as const),
      url: fc.tuple(segment, query).map(([s, q]) => `/v1/users/${s}/messages${q}`),
      body: fc.constant(undefined),
      contentType: fc.constant(undefined),
      idempotencyKey: fc.constant(undefined),
    }),
    fc.record({
      method: fc.constantFrom('PUT' as const, 'DELETE' as const, 'PATCH' as const, 'OPTIONS' as const),
      url: fc.oneof(
        fc.constant('/v1/messages'),
        segment.map((s) => `/v1/messages/${s}`),
        segment.map((s) => `/v1/users/${s}/messages`),
      ),
      body,
      contentType,
      idempotencyKey: fc.constant(undefined),
    }),
  );

  it('never answers 5xx, always problem+json on errors, always as documented', async () => {
    let errors = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, authorization, async (r, auth) => {
        const headers: Record<string, string> = {};
        if (auth === 'good') headers.authorization = `Bearer ${goodToken}`;
        else if (auth === 'read-only') headers.authorization = `Bearer ${readOnlyToken}`;
        else if (auth !== undefined) headers.authorization = auth;
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        if (r.idempotencyKey !== undefined) headers['idempotency-key'] = r.idempotencyKey;
        const response = await gw.app.inject({ method: r.method, url: r.url, headers, payload: r.body });
        expect(response.statusCode).toBeLessThan(500);
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        if (response.statusCode >= 400) {
          errors += 1;
          expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
          const problem = response.json<{ status: number; code: string; title: string }>();
          expect(problem.status).toBe(response.statusCode);
          expect(typeof problem.code).toBe('string');
        }
        expect(
          validator.check({
            method: r.method,
            // What went on the wire: inject, like fetch, resolves dot segments (WHATWG URL).
            url: onTheWire(r.url),
            status: response.statusCode,
            headers: response.headers,
            body: response.body,
          }),
        ).toEqual([]);
      }),
      { numRuns: 400 },
    );
    expect(errors).toBeGreaterThan(100);
    // The generators reach the success paths and the main refusals, not only one kind of error.
    for (const status of [200, 202, 400, 401, 403, 405, 415]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
    // Still serving: a plain valid request goes through.
    const after = await gw.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: { authorization: `Bearer ${goodToken}`, 'content-type': 'application/json' },
      payload: '{"user":"alice","text":"still here?"}',
    });
    expect(after.statusCode).toBe(202);
  });
});
