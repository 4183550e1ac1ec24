import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderClient, type ProviderCallOutcome } from './provider-client';
import { ProviderError } from './provider-errors';

type Route = (request: IncomingMessage, response: ServerResponse) => void;

/** A real loopback HTTP server, so timeouts and refused connections are the real thing. */
async function startServer(route: Route): Promise<{ url: string; server: Server }> {
  const server = createServer(route);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function json(response: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  response.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(error)}`);
  return error;
}

describe('ProviderClient', () => {
  let server: Server | undefined;
  const calls: { endpoint: string; outcome: ProviderCallOutcome }[] = [];

  afterEach(async () => {
    calls.length = 0;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function clientFor(route: Route, timeoutMs = 1000): Promise<{ client: ProviderClient; requests: string[] }> {
    const requests: string[] = [];
    const started = await startServer((request, response) => {
      requests.push(request.url ?? '');
      route(request, response);
    });
    server = started.server;
    const client = new ProviderClient({
      baseUrl: started.url,
      timeoutMs,
      onCall: (endpoint, outcome) => calls.push({ endpoint, outcome }),
    });
    return { client, requests };
  }

  it('gets the weather for a city, escaping it in the query', async () => {
    const { client, requests } = await clientFor((_req, res) =>
      json(res, 200, {
        city: 'New York',
        temperatureC: 12,
        condition: 'windy',
        humidityPercent: 40,
        observedAt: '2026-01-01T00:00:00Z',
      }),
    );
    await expect(client.weather('New York & Co')).resolves.toMatchObject({
      city: 'New York',
      temperatureC: 12,
      condition: 'windy',
      humidityPercent: 40,
    });
    expect(requests).toEqual(['/v1/weather?city=New+York+%26+Co']);
    expect(calls).toEqual([{ endpoint: 'weather', outcome: 'ok' }]);
  });

  it('gets the time in a zone', async () => {
    const { client, requests } = await clientFor((_req, res) =>
      json(res, 200, { zone: 'Asia/Tokyo', localTime: '2026-01-01T09:00:00', utcOffset: '+09:00' }),
    );
    await expect(client.time('Asia/Tokyo')).resolves.toEqual({
      zone: 'Asia/Tokyo',
      localTime: '2026-01-01T09:00:00',
      utcOffset: '+09:00',
    });
    expect(requests).toEqual(['/v1/time?zone=Asia%2FTokyo']);
  });

  it('keeps a path in the base URL (a provider behind a proxy prefix)', async () => {
    const requests: string[] = [];
    const started = await startServer((request, response) => {
      requests.push(request.url ?? '');
      json(response, 200, { zone: 'UTC', localTime: '2026-01-01T00:00:00', utcOffset: '+00:00' });
    });
    server = started.server;
    await new ProviderClient({ baseUrl: `${started.url}/provider/`, timeoutMs: 1000 }).time('UTC');
    expect(requests).toEqual(['/provider/v1/time?zone=UTC']);
  });

  it('reports a 404 as provider-rejected with the problem detail, not retryable', async () => {
    const { client } = await clientFor((_req, res) =>
      json(
        res,
        404,
        { status: 404, code: 'not-found', detail: 'unknown time zone "Mars"' },
        'application/problem+json',
      ),
    );
    const error = await failure(client.time('Mars'));
    expect(error).toMatchObject({
      code: 'provider-rejected',
      status: 404,
      detail: 'unknown time zone "Mars"',
      canRetry: false,
    });
    expect(calls).toEqual([{ endpoint: 'time', outcome: 'rejected' }]);
  });

  it.each([500, 503, 408, 429])('reports a %i as provider-unavailable, retryable', async (status) => {
    const { client } = await clientFor((_req, res) => json(res, status, { detail: 'chaos' }));
    const error = await failure(client.weather('Paris'));
    expect(error).toMatchObject({ code: 'provider-unavailable', status, canRetry: true });
  });

  it('reports an answer it cannot read as provider-unavailable', async () => {
    const { client } = await clientFor((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy error</html>'),
    );
    await expect(failure(client.weather('Paris'))).resolves.toMatchObject({
      code: 'provider-unavailable',
      status: 200,
    });
  });

  it('reports a body of the wrong shape as provider-unavailable', async () => {
    const { client } = await clientFor((_req, res) => json(res, 200, { zone: 'Asia/Tokyo' }));
    await expect(failure(client.time('Tokyo'))).resolves.toMatchObject({ code: 'provider-unavailable' });
  });

  it('aborts a call that takes longer than its timeout', async () => {
    // Never answers: only the client's timeout can end the call.
    const { client } = await clientFor(() => undefined, 150);
    const started = performance.now();
    const error = await failure(client.weather('Paris'));
    expect(error).toMatchObject({ code: 'provider-timeout', canRetry: true });
    expect(error.message).toContain('150 ms');
    expect(performance.now() - started).toBeLessThan(5000);
    expect(calls).toEqual([{ endpoint: 'weather', outcome: 'timeout' }]);
  });

  it('aborts when the caller aborts, before its own timeout', async () => {
    const { client } = await clientFor(() => undefined, 30_000);
    const controller = new AbortController();
    const pending = failure(client.weather('Paris', { signal: controller.signal }));
    controller.abort(new Error('breaker gave up'));
    const error = await pending;
    expect(error).toMatchObject({ code: 'provider-timeout' });
    expect(error.message).toContain('aborted by the caller');
  });

  it('reports a refused connection as provider-unavailable', async () => {
    const { url, server: closed } = await startServer(() => undefined);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = new ProviderClient({ baseUrl: url, timeoutMs: 1000 });
    const error = await failure(client.weather('Paris'));
    expect(error).toMatchObject({ code: 'provider-unavailable', status: undefined, canRetry: true });
    expect(error.message).toContain('ECONNREFUSED');
  });
});
