import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpToxiproxyClient, ToxiproxyError } from './toxiproxy-client';

/** A stand-in for toxiproxy-server's API that records each call and answers as the real one does (v2.12). */
describe('HttpToxiproxyClient', () => {
  let server: Server;
  let client: HttpToxiproxyClient;
  const calls: Array<{ method: string; url: string; body: unknown }> = [];
  const proxy = {
    name: 'provider',
    listen: '127.0.0.1:23003',
    upstream: '127.0.0.1:3003',
    enabled: true,
    Logger: {},
    toxics: [
      {
        attributes: { latency: 300, jitter: 0 },
        name: 'latency_downstream',
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
      },
    ],
  };

  beforeAll(async () => {
    server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
        const url = request.url ?? '';
        calls.push({ method: request.method ?? '', url, body });
        const json = (status: number, value: unknown) =>
          response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
        if (url === '/version') return json(200, { version: '2.12.0' });
        if (url === '/proxies') return json(200, { provider: proxy, kafka: { ...proxy, name: 'kafka', toxics: [] } });
        if (url.startsWith('/proxies/missing')) return json(404, { error: 'proxy not found', status: 404 });
        if (url === '/proxies/provider/toxics' && body?.name === 'taken')
          return json(409, { error: 'toxic already exists', status: 409 });
        if (url === '/proxies/provider/toxics') return json(200, { name: 'latency_downstream', ...body });
        if (request.method === 'DELETE') return void response.writeHead(204).end();
        if (url === '/proxies/provider') return json(200, { ...proxy, ...body });
        json(500, { error: 'unexpected', status: 500 });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new HttpToxiproxyClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 1000);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => (calls.length = 0));

  it('lists proxies sorted by name, with their toxics, and only the fields it knows', async () => {
    const proxies = await client.proxies();
    expect(proxies.map((p) => p.name)).toEqual(['kafka', 'provider']);
    expect(proxies[1]).toEqual({
      name: 'provider',
      listen: '127.0.0.1:23003',
      upstream: '127.0.0.1:3003',
      enabled: true,
      toxics: [
        {
          name: 'latency_downstream',
          type: 'latency',
          stream: 'downstream',
          toxicity: 1,
          attributes: { latency: 300, jitter: 0 },
        },
      ],
    });
    expect(await client.version()).toBe('2.12.0');
  });

  it('posts a toxic to its proxy, as given', async () => {
    const toxic = {
      type: 'latency' as const,
      stream: 'upstream' as const,
      toxicity: 0.5,
      attributes: { latency: 200 },
    };
    const stored = await client.addToxic('provider', toxic);
    expect(calls).toEqual([{ method: 'POST', url: '/proxies/provider/toxics', body: toxic }]);
    expect(stored).toMatchObject({ name: 'latency_downstream', type: 'latency', attributes: { latency: 200 } });
  });

  it('removes a toxic by path and turns a proxy off with {enabled: false}', async () => {
    await client.removeToxic('provider', 'latency_downstream');
    const off = await client.setEnabled('provider', false);
    expect(calls).toEqual([
      { method: 'DELETE', url: '/proxies/provider/toxics/latency_downstream', body: undefined },
      { method: 'POST', url: '/proxies/provider', body: { enabled: false } },
    ]);
    expect(off.enabled).toBe(false);
  });

  it("keeps Toxiproxy's status and error text when it refuses", async () => {
    await expect(client.setEnabled('missing', true)).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining('proxy not found'),
    });
    await expect(
      client.addToxic('provider', {
        type: 'timeout',
        name: 'taken',
        stream: 'downstream',
        toxicity: 1,
        attributes: { timeout: 0 },
      }),
    ).rejects.toMatchObject({ status: 409, message: expect.stringContaining('toxic already exists') });
  });

  it('says status 0, and how to start it, when Toxiproxy does not answer or is not configured', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await new HttpToxiproxyClient(`http://127.0.0.1:${port}`, 1000).proxies().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToxiproxyError);
    expect(error).toMatchObject({ status: 0, message: expect.stringContaining('chaos network up') });
    await expect(new HttpToxiproxyClient(undefined, 1000).version()).rejects.toMatchObject({ status: 0 });
  });
});
