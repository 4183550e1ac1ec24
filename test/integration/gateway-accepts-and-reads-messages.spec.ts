import { randomUUID } from 'node:crypto';
import type { OpenApiDocument } from '../../apps/gateway/src/openapi/openapi-document';
import { openApiValidator } from '../../apps/gateway/src/testing/openapi-validator';
import { GATEWAY_READS_MODES } from '../../tools/lab';
import { CLIENTS, getToken, waitFor } from './support/lab';
import { startOtherReadModeGateway, type OtherModeGateway } from './support/other-read-mode-gateway';

/**
 * The running gateway, against the real token dealer, broker and data-service: a POST becomes a
 * stored message that GET returns; retries with one Idempotency-Key become one message; bad input
 * gets problem+json 4xx. Every response is checked against the OpenAPI document the process serves.
 * All of it in both read modes (GATEWAY_READS, ADR 0042): the lab's gateway and one in the other mode.
 */
let gateways: OtherModeGateway;
beforeAll(async () => {
  gateways = await startOtherReadModeGateway();
}, 120_000);
afterAll(() => gateways?.stop());

describe.each(GATEWAY_READS_MODES)('gateway accepts and reads messages, reads over %s (real lab)', (mode) => {
  const gateway = () => gateways.urls[mode];
  let token: string;
  let validator: ReturnType<typeof openApiValidator>;
  const user = `it-${mode}-${randomUUID().slice(0, 8)}`;

  interface Answer {
    status: number;
    headers: Record<string, string>;
    text: string;
    json: <T>() => T;
  }

  async function call(
    method: 'GET' | 'POST',
    path: string,
    init: { body?: string; headers?: Record<string, string>; auth?: string | null } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (init.auth !== null) headers.authorization = init.auth ?? `Bearer ${token}`;
    const response = await fetch(`${gateway()}${path}`, {
      method,
      headers,
      body: init.body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    const answer: Answer = {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      text,
      json: <T>() => JSON.parse(text) as T,
    };
    expect(validator.check({ method, url: path, status: answer.status, headers: answer.headers, body: text })).toEqual(
      [],
    );
    if (answer.status >= 400) expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    return answer;
  }
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    call('POST', '/v1/messages', {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    });

  /** Polls GET until data-service has stored the message (the gateway's own "accepted" stub has no `user`). */
  const stored = (id: string) =>
    waitFor(
      async () => {
        const answer = await call('GET', `/v1/messages/${id}`);
        const view = answer.status === 200 ? answer.json<{ user?: string; text: string; status: string }>() : undefined;
        return view?.user !== undefined ? view : undefined;
      },
      { timeoutMs: 60_000, what: `message ${id} to be stored by data-service` },
    );

  beforeAll(async () => {
    token = await getToken(CLIENTS.demo.id, CLIENTS.demo.secret);
    const document = await (await fetch(`${gateway()}/openapi.json`, { signal: AbortSignal.timeout(10_000) })).json();
    validator = openApiValidator(document as OpenApiDocument);
  });

  it('POST → 202 with Location → GET shows the stored message', async () => {
    const accepted = await post({ user, text: 'weather in Paris' });
    expect(accepted.status).toBe(202);
    const { id } = accepted.json<{ id: string }>();
    expect(accepted.headers.location).toBe(`/v1/messages/${id}`);
    expect(accepted.headers['ratelimit-policy']).toMatch(/^"default";q=\d+;w=\d+$/);

    // Straight after the POST the gateway vouches for the id itself, or data-service already has it.
    const early = await call('GET', `/v1/messages/${id}`);
    expect(early.status).toBe(200);
    expect(early.json<{ id: string }>().id).toBe(id);

    const view = await stored(id);
    expect(view).toMatchObject({ id, user, text: 'weather in Paris' });
    const page = await call('GET', `/v1/users/${user}/messages?limit=10`);
    expect(page.json<{ items: { id: string }[] }>().items.map((m) => m.id)).toContain(id);
  });

  it('turns retries with one Idempotency-Key into one message in data-service', async () => {
    const idemUser = `${user}-idem`;
    const key = randomUUID();
    const body = { user: idemUser, text: 'time in Tokyo' };
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => post(body, { 'idempotency-key': key })));
    const sequential = [await post(body, { 'idempotency-key': key }), await post(body, { 'idempotency-key': key })];
    const answers = [...concurrent, ...sequential];
    expect(answers.map((a) => a.status)).toEqual(Array(7).fill(202));
    const ids = new Set(answers.map((a) => a.json<{ id: string }>().id));
    expect(ids.size).toBe(1);
    const reused = await post({ ...body, text: 'something else' }, { 'idempotency-key': key });
    expect(reused.status).toBe(422);

    // One user's messages share a partition and are stored in order: once a later marker message
    // is stored, everything before it is too, so the count below is final.
    const marker = (await post({ user: idemUser, text: 'marker' })).json<{ id: string }>().id;
    await stored(marker);
    const page = await call('GET', `/v1/users/${idemUser}/messages?limit=50`);
    const items = page.json<{ items: { id: string; text: string }[] }>().items;
    expect(items.filter((m) => m.text === 'time in Tokyo').map((m) => m.id)).toEqual([...ids]);
    expect(items).toHaveLength(2);
  });

  it('refuses bad input with problem+json 4xx and keeps serving', async () => {
    expect(
      (await call('POST', '/v1/messages', { body: '{"user":', headers: { 'content-type': 'application/json' } }))
        .status,
    ).toBe(400);
    const missing = await post({ user });
    expect(missing.status).toBe(400);
    expect(missing.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toEqual(['text']);
    expect((await post({ user, text: 'hi', extra: 1 })).status).toBe(400);
    expect((await post({ user, text: 'x'.repeat(17_000) })).status).toBe(413);
    expect(
      (await call('POST', '/v1/messages', { body: 'hello', headers: { 'content-type': 'text/plain' } })).status,
    ).toBe(415);
    const anonymous = await call('GET', `/v1/users/${user}/messages`, { auth: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer /);
    expect((await call('GET', `/v1/users/${user}/messages`, { auth: 'Bearer not.a.token' })).status).toBe(401);
    const readOnly = await getToken(CLIENTS.demo.id, CLIENTS.demo.secret, 'messages:read');
    const forbidden = await call('POST', '/v1/messages', {
      body: JSON.stringify({ user, text: 'hi' }),
      headers: { 'content-type': 'application/json' },
      auth: `Bearer ${readOnly}`,
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers['www-authenticate']).toContain('insufficient_scope');
    const unknown = await call('GET', `/v1/messages/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.json<{ status: number }>().status).toBe(404);
    expect((await post({ user, text: 'still serving' })).status).toBe(202);
  });
});
