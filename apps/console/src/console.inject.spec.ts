import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FAULT_TYPES } from '#libs/chaos';
import { LAB_CLIENTS, SERVICE_NAMES } from '#libs/contracts';
import { createLogger } from '#libs/observability';
import { buildService } from '#libs/platform';
import { consoleService } from './main';

/** Tokens shaped like JWTs, so that a leak would show; the fake token-dealer makes a fresh one per request. */
const TOKENS: string[] = [];
const SECRETS = [LAB_CLIENTS.admin.secret, LAB_CLIENTS.demo.secret];

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  body: string;
}

/** One fake upstream for every service and the token-dealer; `answers` scripts the non-token routes. */
function fakeLab() {
  const seen: Seen[] = [];
  const issuedTo = new Map<string, string>();
  const answers: Array<(request: Seen) => { status: number; body?: unknown } | undefined> = [];
  const server: Server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const entry: Seen = {
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
        body,
      };
      seen.push(entry);
      const send = (status: number, payload?: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(payload === undefined ? undefined : JSON.stringify(payload));
      };
      if (entry.url === '/oauth/token') {
        const token = `eyJhbGciOiJSUzI1NiJ9.eyJuIjoi${TOKENS.length}In0.c2lnbmF0dXJl${TOKENS.length}`;
        TOKENS.push(token);
        issuedTo.set(`Bearer ${token}`, new URLSearchParams(body).get('client_id') ?? '');
        return send(200, { access_token: token, expires_in: 300 });
      }
      for (const answer of answers) {
        const scripted = answer(entry);
        if (scripted) return send(scripted.status, scripted.body);
      }
      send(404, { detail: 'not scripted' });
    });
  });
  return { server, seen, answers, issuedTo };
}

describe('console over HTTP (fake upstreams)', () => {
  const lab = fakeLab();
  let app: NestFastifyApplication;
  const host = '127.0.0.1:3010';
  const csrf = { 'x-console-request': '1', host };
  const csrfJson = { ...csrf, 'content-type': 'application/json' };

  beforeAll(async () => {
    await new Promise<void>((resolve) => lab.server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(lab.server.address() as AddressInfo).port}`;
    const web = mkdtempSync(join(tmpdir(), 'console-web-'));
    mkdirSync(join(web, 'assets'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(web, 'assets', 'index-abc.js'), 'console.log(1)');
    const logger = createLogger({ service: 'console', level: 'silent' });
    ({ app } = await buildService(
      consoleService,
      {
        PORT: '3010',
        CONSOLE_SERVICE_URLS: SERVICE_NAMES.map((s) => `${s}=${base}`).join(','),
        CONSOLE_WEB_DIR: web,
        CONSOLE_TRACE_UI_URL: 'http://127.0.0.1:9411',
      },
      { logger },
    ));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app.close();
    await new Promise((resolve) => lab.server.close(resolve));
  });
  beforeEach(() => {
    lab.seen.length = 0;
    lab.answers.length = 0;
  });

  const inject = (options: Parameters<NestFastifyApplication['inject']>[0]) => app.inject(options);

  describe('the page', () => {
    it('serves index.html and its hashed assets with a strict CSP, and nothing else from disk', async () => {
      const index = await inject({ method: 'GET', url: '/', headers: { host } });
      expect(index.statusCode).toBe(200);
      expect(index.headers['content-type']).toContain('text/html');
      expect(index.headers['content-security-policy']).toContain("default-src 'self'");
      expect(index.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      const asset = await inject({ method: 'GET', url: '/assets/index-abc.js', headers: { host } });
      expect(asset.statusCode).toBe(200);
      expect(asset.headers['cache-control']).toContain('immutable');
      for (const url of ['/assets/..%2Findex.html', '/assets/%2e%2e%2f%2e%2e%2fpackage.json', '/assets/missing.js'])
        expect((await inject({ method: 'GET', url, headers: { host } })).statusCode).toBe(404);
    });
  });

  describe('cross-site requests', () => {
    it('refuses a POST without the CSRF header, whatever else it carries', async () => {
      const response = await inject({
        method: 'POST',
        url: '/api/chat/messages',
        headers: { 'content-type': 'application/json', host },
        payload: { user: 'ann', text: 'help' },
      });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({
        code: 'forbidden',
        detail: expect.stringContaining('x-console-request'),
      });
      expect(lab.seen).toEqual([]);
    });

    it.each([
      ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }],
      ['Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site' }],
      ['a foreign Origin', { origin: 'http://evil.example' }],
      ['an Origin on another port', { origin: 'http://127.0.0.1:3011' }],
      ['an https Origin of another host', { origin: 'https://evil.example' }],
      ['an Origin with a path-like suffix', { origin: 'http://127.0.0.1:3010.evil.example' }],
    ])('refuses a POST with %s even with the CSRF header', async (_name, headers) => {
      const response = await inject({ method: 'DELETE', url: '/api/chaos/faults', headers: { ...csrf, ...headers } });
      expect(response.statusCode).toBe(403);
      expect(lab.seen).toEqual([]);
    });

    it('refuses any request whose Host is not the console (DNS rebinding)', async () => {
      const response = await inject({
        method: 'GET',
        url: '/api/chaos/faults',
        headers: { host: 'evil.example:3010' },
      });
      expect(response.statusCode).toBe(403);
    });

    it('answers no CORS preflight and sends no Access-Control-* header', async () => {
      const preflight = await inject({
        method: 'OPTIONS',
        url: '/api/chaos/faults',
        headers: { host, origin: 'http://evil.example', 'access-control-request-method': 'POST' },
      });
      const get = await inject({
        method: 'GET',
        url: '/api/chaos/forms',
        headers: { host, origin: 'http://evil.example' },
      });
      for (const response of [preflight, get])
        expect(Object.keys(response.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      expect(preflight.statusCode).toBeGreaterThanOrEqual(400);
    });

    it.each([
      ['http', 'served directly'],
      ['https', 'behind a TLS-terminating proxy'],
    ])('lets a same-origin POST through (an %s Origin of the same Host: %s)', async (scheme) => {
      lab.answers.push((r) => (r.method === 'DELETE' ? { status: 204 } : undefined));
      const response = await inject({
        method: 'DELETE',
        url: '/api/chaos/faults/provider',
        headers: { ...csrf, origin: `${scheme}://${host}`, 'sec-fetch-site': 'same-origin' },
      });
      expect(response.statusCode).toBe(204);
    });
  });

  describe('tokens', () => {
    it('calls the chaos API with the operator token and the gateway with the demo token; none reaches the page', async () => {
      lab.answers.push((r) =>
        r.url === '/admin/chaos/faults' && r.method === 'GET'
          ? { status: 200, body: [{ id: 'f1', type: 'error', target: null, params: {}, createdAt: '', expiresAt: '' }] }
          : undefined,
      );
      lab.answers.push((r) =>
        r.url === '/v1/messages'
          ? { status: 202, body: { id: '5f0c6a2e-3a4b-4c1d-9e8f-0a1b2c3d4e5f', status: 'accepted' } }
          : undefined,
      );
      const faults = await inject({ method: 'GET', url: '/api/chaos/faults', headers: { host } });
      const chat = await inject({
        method: 'POST',
        url: '/api/chat/messages',
        headers: csrfJson,
        payload: { user: 'ann', text: 'weather in Paris' },
      });
      expect(faults.statusCode).toBe(200);
      expect((faults.json() as unknown[]).length).toBe(SERVICE_NAMES.length);
      expect(chat.statusCode).toBe(202);
      const clientOf = (url: string) =>
        new Set(lab.seen.filter((r) => r.url === url).map((r) => lab.issuedTo.get(r.authorization ?? '')));
      expect(clientOf('/admin/chaos/faults')).toEqual(new Set([LAB_CLIENTS.admin.id]));
      expect(clientOf('/v1/messages')).toEqual(new Set([LAB_CLIENTS.demo.id]));
      for (const response of [faults, chat])
        for (const secret of [...TOKENS, ...SECRETS]) expect(response.body).not.toContain(secret);
    });

    it('fetches a fresh token after a 401, once', async () => {
      let refused = false;
      lab.answers.push((r) => {
        if (r.url !== '/admin/chaos/faults' || r.method !== 'DELETE') return undefined;
        if (!refused) {
          refused = true;
          return { status: 401, body: { detail: 'expired' } };
        }
        return { status: 204 };
      });
      const response = await inject({ method: 'DELETE', url: '/api/chaos/faults/worker', headers: csrf });
      expect(response.statusCode).toBe(204);
      const deletes = lab.seen.filter((s) => s.method === 'DELETE');
      expect(deletes).toHaveLength(2);
      expect(deletes[0].authorization).not.toEqual(deletes[1].authorization);
    });

    it('passes an upstream refusal on with its detail, tokens cut out', async () => {
      lab.answers.push((r) =>
        r.url === '/v1/messages/5f0c6a2e-3a4b-4c1d-9e8f-0a1b2c3d4e5f'
          ? { status: 404, body: { detail: `no message for ${TOKENS.at(-1)}`, secret: SECRETS[0] } }
          : undefined,
      );
      const response = await inject({
        method: 'GET',
        url: '/api/chat/messages/5f0c6a2e-3a4b-4c1d-9e8f-0a1b2c3d4e5f',
        headers: { host },
      });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ detail: 'gateway answered 404: no message for [token]' });
      expect(response.body).not.toContain(SECRETS[0]);
    });
  });

  describe('chaos', () => {
    it('offers a form for every fault type of the chaos API', async () => {
      const forms = (await inject({ method: 'GET', url: '/api/chaos/forms', headers: { host } })).json() as {
        forms: Array<{ type: string }>;
      };
      expect(forms.forms.map((f) => f.type).sort()).toEqual([...FAULT_TYPES].sort());
    });

    it('refuses a bad fault spec with the chaos API field errors, before any upstream call', async () => {
      const response = await inject({
        method: 'POST',
        url: '/api/chaos/faults',
        headers: csrfJson,
        payload: { service: 'provider', spec: { type: 'cpu', percent: 500 } },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        code: 'validation-failed',
        errors: [expect.objectContaining({ field: 'spec.percent' })],
      });
      expect(lab.seen).toEqual([]);
    });

    it('injects a valid fault on the named service', async () => {
      lab.answers.push((r) =>
        r.method === 'POST' && r.url === '/admin/chaos/faults'
          ? {
              status: 201,
              body: {
                id: 'f2',
                type: 'error',
                target: 'route:/v1/weather',
                params: { rate: 1, status: 503 },
                createdAt: '',
                expiresAt: '',
              },
            }
          : undefined,
      );
      const response = await inject({
        method: 'POST',
        url: '/api/chaos/faults',
        headers: csrfJson,
        payload: {
          service: 'provider',
          spec: { type: 'error', rate: 1, status: 503, target: 'route:/v1/weather', durationMs: 20_000 },
        },
      });
      expect(response.statusCode).toBe(201);
      const posted = lab.seen.find((s) => s.method === 'POST' && s.url === '/admin/chaos/faults');
      expect(JSON.parse(posted?.body ?? '{}')).toEqual({
        type: 'error',
        rate: 1,
        status: 503,
        target: 'route:/v1/weather',
        durationMs: 20_000,
      });
    });
  });

  describe('chat', () => {
    it('links a reply to its trace in the trace UI', async () => {
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      lab.answers.push((r) =>
        r.url.startsWith('/v1/messages/')
          ? {
              status: 200,
              body: {
                id: '5f0c6a2e-3a4b-4c1d-9e8f-0a1b2c3d4e5f',
                user: 'ann',
                text: 'weather in Paris',
                status: 'replied',
                intent: 'weather',
                reply: 'Paris: 18 °C',
                degraded: false,
                failureReason: null,
                traceId,
                acceptedAt: '2026-01-01T00:00:00Z',
                updatedAt: '2026-01-01T00:00:01Z',
              },
            }
          : undefined,
      );
      const response = await inject({
        method: 'GET',
        url: '/api/chat/messages/5f0c6a2e-3a4b-4c1d-9e8f-0a1b2c3d4e5f',
        headers: { host },
      });
      expect(response.json()).toMatchObject({
        status: 'replied',
        reply: 'Paris: 18 °C',
        traceUrl: `http://127.0.0.1:9411/zipkin/traces/${traceId}`,
      });
    });
  });

  describe('overview', () => {
    it("shows readiness, breaker states and summed lag from the services' own endpoints", async () => {
      lab.answers.push((r) => (r.url === '/health/ready' ? { status: 200, body: { status: 'ready' } } : undefined));
      lab.answers.push((r) =>
        r.url === '/metrics'
          ? {
              status: 200,
              body: undefined,
            }
          : undefined,
      );
      const response = await inject({ method: 'GET', url: '/api/overview', headers: { host } });
      const services = (response.json() as { services: Array<{ service: string; readiness: string }> }).services;
      expect(services.map((s) => s.service)).toEqual([...SERVICE_NAMES]);
      expect(new Set(services.map((s) => s.readiness))).toEqual(new Set(['ready']));
    });
  });
});
