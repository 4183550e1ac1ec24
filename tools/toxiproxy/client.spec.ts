import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ToxiproxyClient, ToxiproxyError } from './client';

/** A stand-in for toxiproxy-server's HTTP API that records what it was asked. */
describe('ToxiproxyClient', () => {
  let server: Server;
  let client: ToxiproxyClient;
  const requests: { method: string; url: string; body: unknown }[] = [];
  let proxies: Record<string, unknown> = {};

  beforeAll(async () => {
    server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        const body = text ? (JSON.parse(text) as unknown) : undefined;
        requests.push({ method: request.method ?? '', url: request.url ?? '', body });
        if (request.url === '/proxies' && request.method === 'GET') return void response.end(JSON.stringify(proxies));
        if (request.url === '/proxies/missing/toxics') return void response.writeHead(404).end('proxy not found');
        if (request.method === 'DELETE' || request.url === '/reset') return void response.writeHead(204).end();
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ...(body as object), toxics: [] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new ToxiproxyClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    requests.length = 0;
    proxies = {};
  });

  it('creates a missing proxy, enabled', async () => {
    await client.ensureProxy({ name: 'provider', listen: '127.0.0.1:23003', upstream: '127.0.0.1:3003' });
    expect(requests.at(-1)).toEqual({
      method: 'POST',
      url: '/proxies',
      body: { enabled: true, name: 'provider', listen: '127.0.0.1:23003', upstream: '127.0.0.1:3003' },
    });
  });

  it('updates an existing proxy in place when only the upstream changed', async () => {
    proxies = {
      provider: { name: 'provider', listen: '127.0.0.1:23003', upstream: '127.0.0.1:1', enabled: true, toxics: [] },
    };
    await client.ensureProxy({ name: 'provider', listen: '127.0.0.1:23003', upstream: '127.0.0.1:3003' });
    expect(requests.at(-1)).toEqual({
      method: 'POST',
      url: '/proxies/provider',
      body: { upstream: '127.0.0.1:3003', enabled: true },
    });
  });

  it('adds a toxic with defaults (downstream, toxicity 1, a name) and removes it', async () => {
    await client.addToxic('provider', { type: 'latency', attributes: { latency: 300, jitter: 50 } });
    expect(requests.at(-1)).toEqual({
      method: 'POST',
      url: '/proxies/provider/toxics',
      body: {
        name: 'latency_downstream',
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency: 300, jitter: 50 },
      },
    });
    await client.removeToxic('provider', 'latency_downstream');
    expect(requests.at(-1)).toMatchObject({ method: 'DELETE', url: '/proxies/provider/toxics/latency_downstream' });
  });

  it('says what failed, with a code', async () => {
    const error = await client
      .addToxic('missing', { type: 'timeout', attributes: { timeout: 0 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToxiproxyError);
    expect(error).toMatchObject({ code: 'ETOXIPROXY', status: 404 });
  });

  it('tells the user how to start it when nothing answers', async () => {
    const down = new ToxiproxyClient('http://127.0.0.1:9', 1000);
    await expect(down.version()).rejects.toThrow(/chaos network up/);
  });
});
