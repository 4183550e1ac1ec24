import { randomUUID } from 'node:crypto';
import type { OpenApiDocument } from '../../apps/gateway/src/openapi/openapi-document';
import { openApiValidator } from '../../apps/gateway/src/testing/openapi-validator';
import { CLIENTS, getToken, lab, waitFor } from './support/lab';

/**
 * Issue 10, "also fix": a client with `messages:read` read any client's messages (OWASP API1:2023,
 * broken object-level authorisation). A message belongs to the client that created it: data-service
 * stores the creator with the message, and through the running gateway another client gets 404 for
 * it — right after the POST as well as once it is stored — and never sees it in a listing.
 */
describe('gateway: each client reads only the messages it created', () => {
  const gateway = () => lab().urls.gateway;
  const user = `it-bola-${randomUUID().slice(0, 8)}`;
  let demo: string;
  let admin: string;
  let validator: ReturnType<typeof openApiValidator>;

  beforeAll(async () => {
    demo = await getToken(CLIENTS.demo.id, CLIENTS.demo.secret);
    admin = await getToken(CLIENTS.admin.id, CLIENTS.admin.secret, 'messages:write messages:read');
    const document = await (await fetch(`${gateway()}/openapi.json`, { signal: AbortSignal.timeout(10_000) })).json();
    validator = openApiValidator(document as OpenApiDocument);
  });

  const call = async (token: string, method: 'GET' | 'POST', path: string, body?: unknown) => {
    const response = await fetch(`${gateway()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    const headers = Object.fromEntries(response.headers);
    expect(validator.check({ method, url: path, status: response.status, headers, body: text })).toEqual([]);
    return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
  };
  const idsListedFor = async (token: string) =>
    ((await call(token, 'GET', `/v1/users/${user}/messages?limit=50`)).body.items as { id: string }[]).map((m) => m.id);

  it("answers 404 for another client's message, before and after it is stored, and never lists it", async () => {
    const mine = (await call(demo, 'POST', '/v1/messages', { user, text: 'mine' })).body.id as string;
    // Straight after the POST: the gateway vouches for the id only to the client that sent it.
    expect((await call(admin, 'GET', `/v1/messages/${mine}`)).status).toBe(404);

    const theirs = (await call(admin, 'POST', '/v1/messages', { user, text: 'theirs' })).body.id as string;
    await waitFor(
      async () => {
        const view = (await call(admin, 'GET', `/v1/messages/${theirs}`)).body;
        return view.user === user ? view : undefined;
      },
      { timeoutMs: 60_000, what: "lab-admin's message to be stored" },
    );
    // One user's messages are stored in order: theirs came after mine, so mine is stored too.
    const stored = await call(demo, 'GET', `/v1/messages/${mine}`);
    expect(stored).toMatchObject({ status: 200, body: { id: mine, user, text: 'mine' } });

    const denied = await call(admin, 'GET', `/v1/messages/${mine}`);
    expect(denied).toMatchObject({ status: 404, body: { code: 'not-found' } });
    expect((await call(demo, 'GET', `/v1/messages/${theirs}`)).status).toBe(404);
    expect(await idsListedFor(demo)).toEqual([mine]);
    expect(await idsListedFor(admin)).toEqual([theirs]);
  });

  it('keeps both messages in the store, each with its creator (data-service, unscoped)', async () => {
    const response = await fetch(`${lab().urls['data-service']}/v1/users/${user}/messages?limit=50`, {
      signal: AbortSignal.timeout(10_000),
    });
    const items = ((await response.json()) as { items: { text: string }[] }).items;
    expect(items.map((m) => m.text).sort()).toEqual(['mine', 'theirs']);
    for (const [client, text] of [
      [CLIENTS.demo.id, 'mine'],
      [CLIENTS.admin.id, 'theirs'],
    ]) {
      const scoped = await fetch(
        `${lab().urls['data-service']}/v1/users/${user}/messages?clientId=${encodeURIComponent(client)}`,
        { signal: AbortSignal.timeout(10_000) },
      );
      expect(((await scoped.json()) as { items: { text: string }[] }).items.map((m) => m.text)).toEqual([text]);
    }
  });
});
