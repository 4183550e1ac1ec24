import { RequestMethod } from '@nestjs/common';
import Fastify, { type FastifyInstance } from 'fastify';
import { checkConfig } from '#libs/config';
import type { ApiRoute } from '../api-routes';
import { gatewayConfigShape } from '../gateway.config';
import { registerCors } from './cors';

const ROUTES = [
  { method: RequestMethod.POST, path: '/v1/messages' },
  { method: RequestMethod.GET, path: '/v1/messages/:id' },
] as unknown as ApiRoute[];
const ALLOWED = 'https://app.example';

async function gateway(allowedOrigins: string[]): Promise<FastifyInstance> {
  const instance = Fastify();
  registerCors(instance, { allowedOrigins, maxAgeSeconds: 600 }, ROUTES);
  instance.post('/v1/messages', async (_request, reply) => reply.code(202).send({ id: 'x' }));
  instance.get('/v1/messages/:id', async () => ({ id: 'x' }));
  await instance.ready();
  return instance;
}

const corsHeaders = (headers: Record<string, unknown>) =>
  Object.keys(headers).filter((h) => h.startsWith('access-control-'));

describe('gateway CORS policy', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await gateway([ALLOWED]);
  });
  afterAll(() => app.close());

  it('answers a preflight from an allowed origin with that origin, the path methods and headers, and no credentials', async () => {
    const response = await app.inject({
      method: 'OPTIONS',
      url: '/v1/messages',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(response.statusCode).toBe(204);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': ALLOWED,
      'access-control-allow-methods': 'POST',
      'access-control-max-age': '600',
      allow: 'OPTIONS, POST',
    });
    expect(String(response.headers['access-control-allow-headers'])).toContain('authorization');
    expect(String(response.headers.vary)).toContain('Origin');
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it.each([
    ['another origin', { origin: 'https://evil.example', 'access-control-request-method': 'POST' }],
    ['the allowed origin on another scheme', { origin: 'http://app.example', 'access-control-request-method': 'POST' }],
    ['a method the path does not take', { origin: ALLOWED, 'access-control-request-method': 'DELETE' }],
    ['no Origin', { 'access-control-request-method': 'POST' }],
  ])('gives %s no Access-Control-* header', async (_name, headers) => {
    const response = await app.inject({ method: 'OPTIONS', url: '/v1/messages', headers });
    expect(response.statusCode).toBe(204);
    expect(corsHeaders(response.headers)).toEqual([]);
  });

  it('lets an allowed origin read the answer of a real request, and no other', async () => {
    const allowed = await app.inject({ method: 'GET', url: '/v1/messages/1', headers: { origin: ALLOWED } });
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(String(allowed.headers['access-control-expose-headers'])).toContain('retry-after');
    expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
    const other = await app.inject({
      method: 'GET',
      url: '/v1/messages/1',
      headers: { origin: 'https://evil.example' },
    });
    expect(corsHeaders(other.headers)).toEqual([]);
    expect(String(other.headers.vary)).toContain('Origin');
  });

  it('registers nothing with an empty allow-list: no OPTIONS route, no header', async () => {
    const none = await gateway([]);
    const preflight = await none.inject({
      method: 'OPTIONS',
      url: '/v1/messages',
      headers: { origin: ALLOWED, 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(404);
    const get = await none.inject({ method: 'GET', url: '/v1/messages/1', headers: { origin: ALLOWED } });
    expect(corsHeaders(get.headers)).toEqual([]);
    expect(get.headers.vary).toBeUndefined();
    await none.close();
  });
});

describe('CORS_ALLOWED_ORIGINS', () => {
  const check = (value: string) =>
    checkConfig({ CORS_ALLOWED_ORIGINS: gatewayConfigShape.CORS_ALLOWED_ORIGINS }, { CORS_ALLOWED_ORIGINS: value });

  it('takes exact origins, comma-separated; empty by default', () => {
    expect(check('https://app.example, http://127.0.0.1:5173').config?.CORS_ALLOWED_ORIGINS).toEqual([
      'https://app.example',
      'http://127.0.0.1:5173',
    ]);
    expect(checkConfig({ C: gatewayConfigShape.CORS_ALLOWED_ORIGINS }, {}).config?.C).toEqual([]);
  });

  it.each([
    '*',
    'https://*.example',
    'https://app.example/',
    'https://app.example/path',
    'app.example',
    'ftp://app.example',
  ])('refuses %s at boot', (value) => {
    expect(check(value).problems?.[0]).toMatchObject({ name: 'CORS_ALLOWED_ORIGINS' });
  });
});
