import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SERVICE_NAMES } from '#libs/contracts';
import { createLogger } from '#libs/observability';
import { buildService } from '#libs/platform';
import { consoleService } from './main';

interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}
type Script = (call: Call) => { status: number; body?: unknown; text?: string } | undefined;

/**
 * One fake server standing for every service (health, /metrics), Prometheus (/api/v1/*) and
 * Toxiproxy (/proxies, /version); `scripts` answer, first match wins; every call is recorded.
 */
function fakeUpstreams() {
  const calls: Call[] = [];
  const scripts: Script[] = [];
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const call: Call = {
        method: request.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        body: text ? (JSON.parse(text) as unknown) : undefined,
      };
      calls.push(call);
      for (const script of scripts) {
        const answer = script(call);
        if (!answer) continue;
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        return void response.end(answer.text ?? (answer.body === undefined ? undefined : JSON.stringify(answer.body)));
      }
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not scripted"}');
    });
  });
  return { server, calls, scripts };
}

/** An instant-query answer of Prometheus' API. */
const vector = (result: Array<[Record<string, string>, number]>) => ({
  status: 'success',
  data: { resultType: 'vector', result: result.map(([metric, v]) => ({ metric, value: [1, String(v)] })) },
});

describe('console Overview rates, charts and network faults (fake upstreams)', () => {
  const fake = fakeUpstreams();
  let app: NestFastifyApplication;
  const host = '127.0.0.1:3010';
  const csrf = { host, 'x-console-request': '1' };
  const send = { ...csrf, 'content-type': 'application/json' };

  /** A console whose every upstream is the fake (a fresh one has no counter readings yet). */
  const startConsole = async (): Promise<NestFastifyApplication> => {
    const base = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    const web = mkdtempSync(join(tmpdir(), 'console-web-'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>console</title>');
    const { app: started } = await buildService(
      consoleService,
      {
        PORT: '3010',
        CONSOLE_SERVICE_URLS: SERVICE_NAMES.map((s) => `${s}=${base}`).join(','),
        CONSOLE_WEB_DIR: web,
        CONSOLE_PROMETHEUS_URL: base,
        CONSOLE_TOXIPROXY_URL: base,
      },
      { logger: createLogger({ service: 'console', level: 'silent' }) },
    );
    await started.listen(0, '127.0.0.1');
    return started;
  };

  beforeAll(async () => {
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    app = await startConsole();
  });
  afterAll(async () => {
    await app.close();
    fake.server.closeAllConnections();
    await new Promise((resolve) => fake.server.close(resolve));
  });
  beforeEach(() => {
    fake.calls.length = 0;
    fake.scripts.length = 0;
  });

  const get = (url: string) => app.inject({ method: 'GET', url, headers: { host } });
  /** A request sent as written (no dot-segment resolution), to the console listening on a real port. */
  const rawRequest = async (method: string, path: string, payload?: unknown) => {
    const address = app.getHttpServer().address() as AddressInfo;
    return new Promise<{ status: number; contentType: string }>((resolve, reject) => {
      const body = payload === undefined ? undefined : JSON.stringify(payload);
      const request = httpRequest(
        {
          host: '127.0.0.1',
          port: address.port,
          method,
          path,
          headers: body === undefined ? csrf : { ...send, 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          response.resume();
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type']) }),
          );
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  };
  const prometheusCalls = () => fake.calls.filter((c) => c.path.startsWith('/api/v1/'));
  const toxiproxyCalls = () => fake.calls.filter((c) => c.path.startsWith('/proxies') || c.path === '/version');

  describe('GET /api/overview', () => {
    it("labels every edge with Prometheus' rate and error share, and each consume edge with its group lag", async () => {
      fake.scripts.push((c) => {
        if (c.path !== '/api/v1/query') return undefined;
        const query = c.query.get('query') ?? '';
        if (query.includes('produced'))
          return {
            status: 200,
            body: vector([
              [{ service: 'gateway', outcome: 'ok' }, 3],
              [{ service: 'gateway', outcome: 'error' }, 1],
            ]),
          };
        if (query.includes('consumed'))
          return { status: 200, body: vector([[{ group: 'jeeves-bot', outcome: 'ok' }, 2.5]]) };
        return { status: 200, body: vector([]) };
      });
      fake.scripts.push((c) =>
        c.path === '/metrics'
          ? {
              status: 200,
              text: 'jeeves_kafka_consumer_lag_messages{group="jeeves-bot",topic="jeeves.messages.v1",partition="0"} 7\n',
            }
          : undefined,
      );
      const response = await get('/api/overview');
      expect(response.statusCode).toBe(200);
      const body = response.json() as {
        edges: Array<{ id: string; ratePerSecond: number; errorShare: number | null; lagMessages?: number }>;
        rates: unknown;
      };
      expect(body.rates).toEqual({ source: 'prometheus', windowSeconds: 60, prometheus: 'ok' });
      const byId = new Map(body.edges.map((e) => [e.id, e]));
      expect(byId.get('gateway->kafka')).toMatchObject({ ratePerSecond: 4, errorShare: 0.25, errorName: 'errors' });
      expect(byId.get('kafka->bot')).toMatchObject({ ratePerSecond: 2.5, errorShare: 0, lagMessages: 7 });
      expect(byId.get('worker->provider')).toMatchObject({ ratePerSecond: 0, errorShare: null });
      expect(new Set(prometheusCalls().map((c) => c.query.get('query')))).toEqual(
        new Set([
          'sum by (service, outcome) (rate(jeeves_kafka_messages_produced_total[1m]))',
          'sum by (group, outcome) (topic_outcome:jeeves_kafka_messages_consumed:rate1m)',
          'sum by (service, outcome) (rate(jeeves_provider_call_duration_seconds_count[1m]))',
          'sum by (service, dependency, outcome) (rate(jeeves_breaker_calls_total[1m]))',
        ]),
      );
    });

    it("says why Prometheus was not used and falls back to the increase of the apps' counters", async () => {
      fake.scripts.push((c) => (c.path === '/api/v1/query' ? { status: 503, text: 'unavailable' } : undefined));
      let produced = 100;
      fake.scripts.push((c) =>
        c.path === '/metrics'
          ? {
              status: 200,
              text: `jeeves_kafka_messages_produced_total{topic="jeeves.messages.v1",outcome="ok",service="gateway"} ${produced}\n`,
            }
          : undefined,
      );
      const fresh = await startConsole();
      try {
        const poll = async () =>
          (await fresh.inject({ method: 'GET', url: '/api/overview', headers: { host } })).json() as {
            edges: Array<{ id: string; ratePerSecond: number | null }>;
            rates: { source: string; problem: string; windowSeconds: number | null };
          };
        const first = await poll();
        expect(first.rates).toMatchObject({ source: 'metrics', prometheus: 'refused', windowSeconds: null });
        expect(first.rates.problem).toContain('Prometheus at http://127.0.0.1:');
        expect(first.edges.find((e) => e.id === 'gateway->kafka')?.ratePerSecond).toBeNull();
        produced = 130;
        const second = await poll();
        const rate = second.edges.find((e) => e.id === 'gateway->kafka')?.ratePerSecond ?? 0;
        // 30 more records over the seconds between the two polls (milliseconds apart here).
        expect(rate).toBeCloseTo(30 / (second.rates.windowSeconds ?? Number.NaN), 3);
        expect(rate).toBeGreaterThan(0);
      } finally {
        await fresh.close();
      }
    });
  });

  describe('GET /api/overview/charts', () => {
    it('makes one range query per line on a step-aligned grid and answers aligned series', async () => {
      fake.scripts.push((c) =>
        c.path === '/api/v1/query_range'
          ? {
              status: 200,
              body: {
                status: 'success',
                data: {
                  resultType: 'matrix',
                  result: [{ metric: { group: 'jeeves-bot' }, values: [[Number(c.query.get('end')), '5']] }],
                },
              },
            }
          : undefined,
      );
      const response = await get('/api/overview/charts?minutes=10');
      expect(response.statusCode).toBe(200);
      const body = response.json() as {
        minutes: number;
        stepSeconds: number;
        charts: Array<{ id: string; timestamps: number[]; series: Array<{ name: string; values: number[] }> }>;
      };
      expect(body).toMatchObject({ minutes: 10, stepSeconds: 5 });
      expect(body.charts.map((c) => c.id)).toEqual(['throughput', 'latency', 'lag']);
      const lag = body.charts[2];
      expect(lag.timestamps).toHaveLength(121);
      expect(lag.series[0]).toMatchObject({ name: 'jeeves-bot' });
      expect(lag.series[0].values.at(-1)).toBe(5);
      const ranges = prometheusCalls();
      expect(ranges).toHaveLength(5);
      for (const c of ranges) {
        expect(Number(c.query.get('end')) - Number(c.query.get('start'))).toBe(600);
        expect(Number(c.query.get('end')) % 5).toBe(0);
      }
    });

    it.each([['minutes=0'], ['minutes=361'], ['minutes=abc'], ['minutes=1.5'], ['minutes=5&extra=1']])(
      'refuses ?%s with a 400 problem, asking Prometheus nothing',
      async (query) => {
        const response = await get(`/api/overview/charts?${query}`);
        expect(response.statusCode).toBe(400);
        expect(response.headers['content-type']).toContain('application/problem+json');
        expect(response.json()).toMatchObject({ code: 'validation-failed' });
        expect(prometheusCalls()).toEqual([]);
      },
    );

    it('answers 503 with the reason when Prometheus does not answer as its API', async () => {
      fake.scripts.push((c) => (c.path.startsWith('/api/v1/') ? { status: 502, text: 'bad gateway' } : undefined));
      const response = await get('/api/overview/charts');
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({
        code: 'dependency-unavailable',
        detail: expect.stringContaining('Prometheus at'),
      });
    });
  });

  describe('/api/chaos/network (Toxiproxy)', () => {
    const provider = {
      name: 'provider',
      listen: '127.0.0.1:23003',
      upstream: '127.0.0.1:3003',
      enabled: true,
      toxics: [
        { name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 9 } },
      ],
    };
    const toxiproxy: Script = (c) => {
      if (c.path === '/version') return { status: 200, body: { version: '2.12.0' } };
      if (c.path === '/proxies') return { status: 200, body: { provider, kafka: { ...provider, name: 'kafka' } } };
      if (c.path === '/proxies/provider/toxics' && c.method === 'POST')
        return { status: 200, body: { name: 'latency_downstream', ...(c.body as object) } };
      if (c.path === '/proxies/gone/toxics') return { status: 404, body: { error: 'proxy not found', status: 404 } };
      if (c.method === 'DELETE') return { status: 204 };
      if (c.path === '/proxies/provider' && c.method === 'POST')
        return { status: 200, body: { ...provider, ...(c.body as object) } };
      return undefined;
    };

    it('lists the proxies and their toxics when Toxiproxy runs', async () => {
      fake.scripts.push(toxiproxy);
      const body = (await get('/api/chaos/network')).json() as { running: boolean; proxies: unknown[] };
      expect(body).toMatchObject({ running: true, version: '2.12.0', proxies: [{ name: 'kafka' }, provider] });
    });

    it('says Toxiproxy is not running, and how to start it, when it does not answer as Toxiproxy', async () => {
      fake.scripts.push((c) => (c.path === '/version' ? { status: 500, text: 'no' } : undefined));
      const response = await get('/api/chaos/network');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ running: false, problem: expect.stringContaining('Toxiproxy') });
    });

    it('adds a toxic with the defaults filled in', async () => {
      fake.scripts.push(toxiproxy);
      const response = await app.inject({
        method: 'POST',
        url: '/api/chaos/network/proxies/provider/toxics',
        headers: send,
        payload: { type: 'latency', attributes: { latency: 300 } },
      });
      expect(response.statusCode).toBe(201);
      expect(toxiproxyCalls()).toEqual([
        expect.objectContaining({
          method: 'POST',
          path: '/proxies/provider/toxics',
          body: { type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 300 } },
        }),
      ]);
    });

    it.each([
      ['an unknown toxic type', { type: 'explode', attributes: {} }],
      ['a latency of an hour', { type: 'latency', attributes: { latency: 3_600_000 } }],
      ['a string where a number goes', { type: 'bandwidth', attributes: { rate: '5' } }],
      ['no attributes', { type: 'timeout' }],
    ])('refuses %s with a 400 problem naming the field, calling Toxiproxy not at all', async (_what, payload) => {
      const response = await app.inject({
        method: 'POST',
        url: '/api/chaos/network/proxies/provider/toxics',
        headers: send,
        payload,
      });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json()).toMatchObject({ code: 'validation-failed', errors: expect.any(Array) });
      expect(toxiproxyCalls()).toEqual([]);
    });

    it('refuses a proxy or toxic name that is not a Toxiproxy name, before calling it', async () => {
      for (const url of [
        '/api/chaos/network/proxies/..%2Fversion/toxics/x',
        '/api/chaos/network/proxies/provider/toxics/a%20b',
      ]) {
        const response = await app.inject({ method: 'DELETE', url, headers: csrf });
        expect(response.statusCode).toBe(404);
      }
      expect(toxiproxyCalls()).toEqual([]);
    });

    it.each([
      ['DELETE', '/api/chaos/network/proxies/../toxics/x', undefined],
      ['DELETE', '/api/chaos/network/proxies/provider/toxics/..', undefined],
      ['DELETE', '/api/chaos/network/proxies/./toxics/x', undefined],
      ['POST', '/api/chaos/network/proxies/..', { enabled: false }],
      ['POST', '/api/chaos/network/proxies/../toxics', { type: 'timeout', attributes: { timeout: 0 } }],
    ])(
      'refuses the dot-segment name in %s %s (its URL would resolve to another Toxiproxy endpoint)',
      async (method, path, payload) => {
        // Over a socket: a browser or inject() resolves the dot segments first, curl --path-as-is does not.
        fake.scripts.push(toxiproxy);
        const response = await rawRequest(method, path, payload);
        expect(response.status).toBe(404);
        expect(response.contentType).toContain('application/problem+json');
        expect(fake.calls).toEqual([]);
      },
    );

    it("keeps Toxiproxy's 404 for a proxy it does not have", async () => {
      fake.scripts.push(toxiproxy);
      const response = await app.inject({
        method: 'POST',
        url: '/api/chaos/network/proxies/gone/toxics',
        headers: send,
        payload: { type: 'timeout', attributes: { timeout: 0 } },
      });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ detail: expect.stringContaining('proxy not found') });
    });

    it('removes one toxic, or every toxic of every proxy', async () => {
      fake.scripts.push(toxiproxy);
      const one = await app.inject({
        method: 'DELETE',
        url: '/api/chaos/network/proxies/provider/toxics/latency_downstream',
        headers: csrf,
      });
      expect(one.statusCode).toBe(204);
      const all = await app.inject({ method: 'DELETE', url: '/api/chaos/network/toxics', headers: csrf });
      expect(all.statusCode).toBe(204);
      expect(
        toxiproxyCalls()
          .filter((c) => c.method === 'DELETE')
          .map((c) => c.path)
          .sort(),
      ).toEqual([
        '/proxies/kafka/toxics/latency_downstream',
        '/proxies/provider/toxics/latency_downstream',
        '/proxies/provider/toxics/latency_downstream',
      ]);
    });

    it('turns a proxy off and on; anything but {enabled: boolean} is a 400', async () => {
      fake.scripts.push(toxiproxy);
      const off = await app.inject({
        method: 'POST',
        url: '/api/chaos/network/proxies/provider',
        headers: send,
        payload: { enabled: false },
      });
      expect(off.statusCode).toBe(200);
      expect(off.json()).toMatchObject({ name: 'provider', enabled: false });
      const bad = await app.inject({
        method: 'POST',
        url: '/api/chaos/network/proxies/provider',
        headers: send,
        payload: { enabled: 'no' },
      });
      expect(bad.statusCode).toBe(400);
      expect(toxiproxyCalls().filter((c) => c.method === 'POST')).toHaveLength(1);
    });

    it('refuses a state-changing call without the CSRF header or from another site', async () => {
      fake.scripts.push(toxiproxy);
      const noHeader = await app.inject({
        method: 'DELETE',
        url: '/api/chaos/network/toxics',
        headers: { host },
      });
      const crossSite = await app.inject({
        method: 'POST',
        url: '/api/chaos/network/proxies/provider',
        headers: { ...send, 'sec-fetch-site': 'cross-site' },
        payload: { enabled: false },
      });
      expect([noHeader.statusCode, crossSite.statusCode]).toEqual([403, 403]);
      expect(toxiproxyCalls()).toEqual([]);
    });
  });
});
