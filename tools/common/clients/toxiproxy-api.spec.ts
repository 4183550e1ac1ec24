import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeToxiproxy } from '../testing';
import { HttpToxiproxy, ToxiproxyError } from './toxiproxy-api';

/** A stand-in for toxiproxy-server's HTTP API that records what it was asked. */
describe('HttpToxiproxy', () => {
  let server: Server;
  let client: HttpToxiproxy;
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
    client = new HttpToxiproxy(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
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
    const down = new HttpToxiproxy('http://127.0.0.1:9', 1000);
    await expect(down.version()).rejects.toThrow(/chaos network up/);
  });
});

describe('FakeToxiproxy', () => {
  it('keeps proxies and toxics as toxiproxy-server does, and resets them', async () => {
    const fake = new FakeToxiproxy();
    await fake.ensureProxy({ name: 'provider', listen: '127.0.0.1:23003', upstream: '127.0.0.1:3003' });
    const toxic = await fake.addToxic('provider', { type: 'latency', attributes: { latency: 300 } });
    expect(toxic).toEqual({
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 300 },
    });
    await fake.setEnabled('provider', false);
    expect((await fake.proxies()).provider).toMatchObject({ enabled: false, toxics: [toxic] });
    await fake.reset();
    expect((await fake.proxies()).provider).toMatchObject({ enabled: true, toxics: [] });
  });

  it('answers 404 for an unknown proxy or toxic, with a code', async () => {
    const fake = new FakeToxiproxy();
    await expect(fake.addToxic('missing', { type: 'timeout', attributes: { timeout: 0 } })).rejects.toMatchObject({
      code: 'ETOXIPROXY',
      status: 404,
    });
    await fake.ensureProxy({ name: 'kafka', listen: '127.0.0.1:29092', upstream: '127.0.0.1:19094' });
    await expect(fake.removeToxic('kafka', 'nope')).rejects.toBeInstanceOf(ToxiproxyError);
  });
});
