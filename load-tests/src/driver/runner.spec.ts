import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadScenario, type Scenario } from '../scenario';
import { DEFAULT_CLIENTS, isThisMachine, type JeevesTarget } from './jeeves';
import { perArrivalSecond, runScenario } from './runner';
import { buildSummary, renderHtml } from './summary';

/** A stand-in gateway + token-dealer: answers like the real ones, with a chosen POST delay. */
class FakeGateway {
  postDelayMs = 0;
  /** performance.now() of each POST's arrival. */
  readonly postArrivals: number[] = [];
  readonly seenAuth = new Set<string>();
  /** Chaos API calls: method, path, body and when (ms after the server started). */
  readonly chaosCalls: Array<{ method: string; path: string; body: string; atMs: number }> = [];
  private readonly startedAt = performance.now();
  private polls = new Map<string, number>();
  /** Each GET of a message: the If-None-Match it sent and the status it got. */
  readonly pollAnswers: Array<{ sent: string | undefined; status: number }> = [];
  private server: Server | undefined;
  url = '';

  /** Listens on `host` (loopback by default; a lab started with LAB_HOST listens elsewhere). */
  async start(host = '127.0.0.1'): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
    this.url = `http://${host}:${(server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const json = (status: number, body: unknown): void =>
      void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/health/ready') return json(200, { status: 'ok' });
    if (req.url === '/oauth/token') return json(200, { access_token: 'fake-token', expires_in: 300 });
    if (req.url?.startsWith('/admin/chaos/faults')) {
      this.chaosCalls.push({ method: req.method ?? '', path: req.url, body, atMs: performance.now() - this.startedAt });
      return req.method === 'POST' ? json(201, { id: 'fault-1', type: 'latency' }) : void res.writeHead(204).end();
    }
    this.seenAuth.add(String(req.headers.authorization));
    if (req.method === 'POST' && req.url === '/v1/messages') {
      this.postArrivals.push(performance.now());
      const id = `m${this.postArrivals.length}`;
      if (this.postDelayMs > 0) await new Promise((r) => setTimeout(r, this.postDelayMs));
      return json(202, { id, status: 'accepted' });
    }
    const m = /^\/v1\/messages\/(.+)$/.exec(req.url ?? '');
    if (m) {
      // Processing for two polls, then replied; the ETag names the status, and a match is a 304.
      const n = (this.polls.get(m[1]) ?? 0) + 1;
      this.polls.set(m[1], n);
      const status = n >= 3 ? 'replied' : 'processing';
      const etag = `"${m[1]}-${status}"`;
      const sent = req.headers['if-none-match'];
      this.pollAnswers.push({ sent, status: sent === etag ? 304 : 200 });
      if (sent === etag) return void res.writeHead(304, { etag }).end();
      res.setHeader('etag', etag);
      return json(200, { id: m[1], status, reply: status === 'replied' ? 'hi' : null });
    }
    if (req.url?.startsWith('/v1/users/')) return json(200, []);
    json(404, { title: 'not found' });
  }

  async stop(): Promise<void> {
    const server = this.server;
    server?.closeAllConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function scenario(partial: Partial<Scenario>): Scenario {
  return {
    ...loadScenario('smoke'),
    startRate: 0,
    e2e: { pollIntervalMs: 20, deadlineMs: 3000 },
    thresholds: { http_req_failed: ['rate<0.01'] },
    faults: [],
    ...partial,
  };
}

/** 20 POST-only iterations a second for one second, with at most `maxVUs` in flight. */
const postsForOneSecond = (maxVUs: number): Scenario =>
  scenario({
    startRate: 20,
    stages: [{ durationSeconds: 1, targetRate: 20 }],
    maxVUs,
    mix: [{ flow: 'post', weight: 1 }],
  });

describe('runScenario (open model, against a fake gateway)', () => {
  let gw: FakeGateway;
  let target: JeevesTarget;
  beforeEach(async () => {
    gw = new FakeGateway();
    await gw.start();
    target = { gatewayUrl: gw.url, tokenDealerUrl: gw.url, serviceUrls: { gateway: gw.url }, ...DEFAULT_CLIENTS };
  });
  afterEach(() => gw.stop());

  it('runs every flow, records k6 metrics, and passes its thresholds', async () => {
    const s = scenario({
      stages: [{ durationSeconds: 1, targetRate: 30 }],
      mix: [
        { flow: 'e2e', weight: 1 },
        { flow: 'post', weight: 1 },
        { flow: 'history', weight: 1 },
      ],
      thresholds: {
        http_req_failed: ['rate<0.01'],
        checks: ['rate>0.99'],
        jeeves_e2e_latency: ['count>0'],
        'http_req_duration{endpoint:user_history}': ['count>0'],
      },
    });
    const result = await runScenario({ scenario: s, target });
    expect(result.passed).toBe(true);
    expect(result.thresholds.every((t) => t.ok && t.value !== undefined)).toBe(true);
    const iterations = result.metrics.aggregate({ metric: 'iterations', tags: {} }, { kind: 'count' });
    // 30/s ramped from 0 over 1 s = 15 arrivals, split 5/5/5 per flow.
    expect(iterations).toBe(15);
    expect(gw.seenAuth).toEqual(new Set(['Bearer fake-token']));
    const summary = buildSummary(result);
    expect(summary.metrics['http_req_duration{endpoint:post_message}'].values['p(95)']).toBeGreaterThan(0);
    expect(summary.checks['reply visible before the deadline']).toEqual({ passes: 5, fails: 0 });
  });

  it('polls like a well-behaved client: sends the last ETag back and reads a 304 as unchanged', async () => {
    const s = scenario({
      stages: [{ durationSeconds: 1, targetRate: 4 }],
      mix: [{ flow: 'e2e', weight: 1 }],
      thresholds: { checks: ['rate>0.99'], jeeves_e2e_latency: ['count>0'] },
    });
    const result = await runScenario({ scenario: s, target });
    expect(result.passed).toBe(true);
    // Per message: a 200 without If-None-Match, a 304 for the same tag, then a 200 with the reply.
    expect(gw.pollAnswers.filter((a) => a.sent === undefined).every((a) => a.status === 200)).toBe(true);
    const conditional = gw.pollAnswers.filter((a) => a.sent !== undefined);
    expect(conditional.some((a) => a.status === 304)).toBe(true);
    expect(conditional.some((a) => a.status === 200)).toBe(true);
    const failed = result.metrics.aggregate({ metric: 'http_req_failed', tags: { status: '304' } }, { kind: 'rate' });
    expect(failed).toBe(0);
  });

  it('starts iterations on schedule however slow the responses are, and counts the queueing (no coordinated omission)', async () => {
    gw.postDelayMs = 100;
    // 20/s offered against one connection that serves 10/s: a closed-model client would see ~100 ms.
    const s = postsForOneSecond(100);
    const result = await runScenario({ scenario: s, target, skipReadyCheck: true, connections: 1 });
    expect(gw.postArrivals).toHaveLength(20);
    const p99 = result.metrics.aggregate(
      { metric: 'http_req_duration', tags: { endpoint: 'post_message' } },
      { kind: 'p', percentile: 99 },
    ) as number;
    const min = result.metrics.aggregate(
      { metric: 'http_req_duration', tags: { endpoint: 'post_message' } },
      { kind: 'min' },
    ) as number;
    // The last request was due at ~1 s and answered at ~2 s: its latency shows the queue, ~1 s.
    expect(min).toBeGreaterThanOrEqual(90);
    expect(p99).toBeGreaterThan(700);
  });

  it('gives rates per second of the arrival schedule, not of the run with its graceful stop (perArrivalSecond)', async () => {
    gw.postDelayMs = 1000;
    // 40/s for 2 s; every answer takes 1 s, so the run lasts ~3 s, and dividing by it would read ~27/s.
    const s = scenario({
      startRate: 40,
      stages: [{ durationSeconds: 2, targetRate: 40 }],
      maxVUs: 200,
      mix: [{ flow: 'post', weight: 1 }],
    });
    const result = await runScenario({ scenario: s, target, skipReadyCheck: true, connections: 100 });
    const accepted = result.metrics.aggregate({ metric: 'http_reqs', tags: { status: '202' } }, { kind: 'count' }) ?? 0;
    expect(accepted).toBe(80);
    expect(result.durationSeconds).toBeGreaterThan(2.9);
    expect(result.arrivalSeconds).toBe(2);
    expect(perArrivalSecond(accepted, result)).toBe(40);
  });

  it('counts a run stopped early by the seconds it offered load', async () => {
    const s = scenario({
      startRate: 10,
      stages: [{ durationSeconds: 20, targetRate: 10 }],
      mix: [{ flow: 'post', weight: 1 }],
    });
    const interrupt = new AbortController();
    setTimeout(() => interrupt.abort(), 1500);
    const result = await runScenario({ scenario: s, target, skipReadyCheck: true, signal: interrupt.signal });
    expect(result.aborted).toBe('interrupted');
    expect(result.arrivalSeconds).toBeGreaterThan(1.4);
    expect(result.arrivalSeconds).toBeLessThan(2);
    const started = result.metrics.aggregate({ metric: 'iterations', tags: {} }, { kind: 'count' }) ?? 0;
    expect(perArrivalSecond(started, result)).toBeGreaterThan(8);
    expect(perArrivalSecond(started, result)).toBeLessThan(11);
  });

  it('counts arrivals beyond maxVUs as dropped_iterations instead of waiting for a free VU', async () => {
    gw.postDelayMs = 400;
    const s = postsForOneSecond(2);
    const result = await runScenario({ scenario: s, target, skipReadyCheck: true });
    const dropped = result.metrics.aggregate({ metric: 'dropped_iterations', tags: {} }, { kind: 'count' }) ?? 0;
    const done = result.metrics.aggregate({ metric: 'iterations', tags: {} }, { kind: 'count' }) ?? 0;
    expect(dropped).toBeGreaterThan(10);
    expect(dropped + done).toBe(20);
  });

  it('stops early when an abortOnFail threshold fails, and reports it failed', async () => {
    gw.postDelayMs = 150;
    const s = scenario({
      startRate: 10,
      stages: [{ durationSeconds: 20, targetRate: 10 }],
      mix: [{ flow: 'post', weight: 1 }],
      thresholds: { 'http_req_duration{endpoint:post_message}': [{ threshold: 'p(95)<50', abortOnFail: true }] },
    });
    const result = await runScenario({ scenario: s, target, skipReadyCheck: true });
    expect(result.aborted).toMatch(/abortOnFail/);
    expect(result.passed).toBe(false);
    expect(result.durationSeconds).toBeLessThan(10);
  });

  it('posts each chaos fault at its offset with an admin token, and removes it when the run ends', async () => {
    const fault = { type: 'latency', ms: 600, target: 'route:/v1/messages', durationMs: 30_000 };
    const s = scenario({
      startRate: 5,
      stages: [{ durationSeconds: 2, targetRate: 5 }],
      mix: [{ flow: 'history', weight: 1 }],
      faults: [{ atSeconds: 1, service: 'gateway', fault }],
    });
    const result = await runScenario({ scenario: s, target });
    expect(gw.chaosCalls.map((c) => [c.method, c.path])).toEqual([
      ['POST', '/admin/chaos/faults'],
      ['DELETE', '/admin/chaos/faults/fault-1'],
    ]);
    expect(JSON.parse(gw.chaosCalls[0].body)).toEqual(fault);
    expect(gw.chaosCalls[0].atMs).toBeGreaterThanOrEqual(1000);
    expect(result.faults).toEqual([
      expect.objectContaining({ index: 0, service: 'gateway', status: 201, id: 'fault-1' }),
    ]);
  });

  it('refuses a target that is not on loopback', async () => {
    const s = scenario({ stages: [{ durationSeconds: 1, targetRate: 1 }] });
    await expect(
      runScenario({ scenario: s, target: { ...target, gatewayUrl: 'http://192.0.2.1:3000' }, skipReadyCheck: true }),
    ).rejects.toThrow(/loopback/);
  });

  it("loads a lab whose apps listen on another of this machine's addresses (LAB_HOST=127.0.0.2)", async () => {
    const there = new FakeGateway();
    await there.start('127.0.0.2');
    try {
      const s = scenario({ stages: [{ durationSeconds: 1, targetRate: 10 }], mix: [{ flow: 'post', weight: 1 }] });
      const result = await runScenario({
        scenario: s,
        target: { ...target, gatewayUrl: there.url, tokenDealerUrl: there.url, serviceUrls: { gateway: there.url } },
      });
      expect(result.passed).toBe(true);
      expect(there.postArrivals.length).toBeGreaterThan(0);
    } finally {
      await there.stop();
    }
  });

  it('fails fast when the gateway is not ready', async () => {
    const s = scenario({ stages: [{ durationSeconds: 1, targetRate: 1 }] });
    await expect(runScenario({ scenario: s, target: { ...target, gatewayUrl: 'http://127.0.0.1:9' } })).rejects.toThrow(
      /not ready.*lab -- up/,
    );
  });
});

describe('HTML summary', () => {
  it('is self-contained: inline SVG, no scripts or external assets', () => {
    const html = renderHtml({
      tool: 'jeeves-lab built-in driver',
      scenario: 'smoke',
      description: 'd <b>',
      startedAt: 'now',
      durationSeconds: 2,
      passed: false,
      aborted: null,
      stages: [],
      metrics: {},
      thresholds: [
        {
          metric: 'http_req_failed',
          threshold: 'rate<0.01',
          value: 0.5,
          ok: false,
          abortOnFail: false,
          delayAbortEvalSeconds: 0,
        },
      ],
      checks: {},
      faults: [],
      timeline: [
        {
          t: 0,
          started: 3,
          requests: 3,
          failed: 1,
          iterations: 3,
          dropped: 0,
          vus: 1,
          p95Ms: 10,
          p99Ms: 12,
          e2eP95Ms: null,
          e2eP99Ms: null,
        },
        {
          t: 1,
          started: 5,
          requests: 5,
          failed: 0,
          iterations: 5,
          dropped: 0,
          vus: 2,
          p95Ms: 11,
          p99Ms: 15,
          e2eP95Ms: 100,
          e2eP99Ms: 120,
        },
      ],
    });
    expect(html).toContain('<svg');
    expect(html).toContain('FAILED');
    expect(html).toContain('d &#60;b&#62;');
    expect(html).not.toMatch(/<script|<link|src="http/);
  });
});

describe('isThisMachine: the only hosts the driver loads', () => {
  const docker0 = { docker0: [{ address: '172.17.0.1', family: 'IPv4' } as NetworkInterfaceInfo] };
  it.each(['127.0.0.1', '127.0.0.2', 'localhost', '[::1]', '172.17.0.1'])('%s is this machine', (host) => {
    expect(isThisMachine(host, docker0)).toBe(true);
  });
  it.each(['172.17.0.2', '192.0.2.1', 'example.com', '[2001:db8::1]'])('%s is not', (host) => {
    expect(isThisMachine(host, docker0)).toBe(false);
  });
});
