import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { messageView } from '../testing/gateway-test-kit';
import { DataServiceClient, dataServicePath } from './data-service.client';

const READER = { clientId: 'jeeves-demo' };

describe('DataServiceClient', () => {
  let server: Server;
  let baseUrl: string;
  let handler: (request: IncomingMessage, response: ServerResponse) => void;
  const client = (timeoutMs = 500) => new DataServiceClient({ baseUrl, timeoutMs });
  const view = messageView();

  beforeAll(async () => {
    server = createServer((request, response) => handler(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const json = (status: number, body: unknown) => (_request: IncomingMessage, response: ServerResponse) =>
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  it("gets a message of the reading client's, and undefined for a 404", async () => {
    let path = '';
    handler = (request, response) => {
      path = request.url ?? '';
      json(200, view)(request, response);
    };
    await expect(client().getMessage(view.id, READER)).resolves.toEqual(view);
    expect(path).toBe(`/v1/messages/${view.id}?clientId=jeeves-demo`);
    handler = json(404, { code: 'not-found' });
    await expect(client().getMessage(view.id, READER)).resolves.toBeUndefined();
  });

  it("lists the reading client's page with limit and before, encoded", async () => {
    let path = '';
    handler = (request, response) => {
      path = request.url ?? '';
      json(200, { items: [view], nextBefore: view.acceptedAt })(request, response);
    };
    await expect(
      client().listUserMessages('a@b', { clientId: 'c&d=e', limit: 5, before: '2030-01-01T00:00:00Z' }),
    ).resolves.toEqual({ items: [view], nextBefore: view.acceptedAt });
    expect(path).toBe('/v1/users/a%40b/messages?limit=5&clientId=c%26d%3De&before=2030-01-01T00%3A00%3A00Z');
  });

  it('encodes every path segment, and never sends a dot segment that fetch would resolve away', async () => {
    const paths: string[] = [];
    handler = (request, response) => {
      paths.push(request.url ?? '');
      json(200, { items: [], nextBefore: null })(request, response);
    };
    await client().listUserMessages('a/b?c#d%', { ...READER, limit: 1 });
    expect(paths).toEqual(['/v1/users/a%2Fb%3Fc%23d%25/messages?limit=1&clientId=jeeves-demo']);
    for (const user of ['.', '..', '']) {
      await expect(client().listUserMessages(user, { ...READER, limit: 1 })).rejects.toMatchObject({
        code: 'EREJECTED',
      });
    }
    expect(paths).toHaveLength(1);
    // A percent sign is encoded itself, so an encoded dot in a value stays a value.
    await client().listUserMessages('%2E%2E', { ...READER, limit: 1 });
    expect(paths[1]).toBe('/v1/users/%252E%252E/messages?limit=1&clientId=jeeves-demo');
    expect(dataServicePath('v1', 'users', '...', 'messages')).toBe('/v1/users/.../messages');
  });

  it('reports a 404 on a listing as off-contract, never as an empty page', async () => {
    handler = json(404, { code: 'not-found' });
    await expect(client().listUserMessages('alice', { ...READER, limit: 1 })).rejects.toMatchObject({
      code: 'EBADRESPONSE',
    });
  });

  it.each([
    ['a 500', json(500, { code: 'internal' }), 'EBADRESPONSE'],
    ['a 503', json(503, { code: 'not-ready' }), 'EBADRESPONSE'],
    ['a body that breaks the contract', json(200, { ...view, status: 'lost' }), 'EBADRESPONSE'],
    ['a 400', json(400, { detail: 'bad before' }), 'EREJECTED'],
  ] as const)('fails with a code on %s', async (_name, h, code) => {
    handler = h;
    await expect(client().getMessage(view.id, READER)).rejects.toMatchObject({ name: 'DataServiceError', code });
  });

  it('times out a slow answer with ETIMEDOUT, within the budget', async () => {
    handler = () => undefined; // never answers
    const started = Date.now();
    await expect(client(100).getMessage(view.id, READER)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('runs the fault hook inside the call: an injected error is EUNAVAILABLE, an injected hang ETIMEDOUT', async () => {
    handler = json(200, view);
    const failing = new DataServiceClient({
      baseUrl,
      timeoutMs: 500,
      beforeCall: async () => Promise.reject(new Error('injected')),
    });
    await expect(failing.getMessage(view.id, READER)).rejects.toMatchObject({ code: 'EUNAVAILABLE' });
    const seen: string[] = [];
    const hanging = new DataServiceClient({
      baseUrl,
      timeoutMs: 100,
      beforeCall: (dependency, signal) => {
        seen.push(dependency);
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
      },
    });
    await expect(hanging.getMessage(view.id, READER)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(seen).toEqual(['data-service']);
  });

  it('fails with EUNAVAILABLE when nothing listens', async () => {
    const down = new DataServiceClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000 });
    await expect(down.listUserMessages('alice', { ...READER, limit: 1 })).rejects.toMatchObject({
      code: 'EUNAVAILABLE',
    });
  });
});
