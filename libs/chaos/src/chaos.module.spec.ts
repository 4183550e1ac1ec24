import { Controller, Get, Module } from '@nestjs/common';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { buildService, type BuiltService } from '#libs/platform';
import { createLogger } from '#libs/observability';
import { chaosFor } from './chaos';
import { ChaosModule } from './chaos.module';

const ISSUER = 'test-issuer';
const AUDIENCE = 'test-audience';

@Controller('v1')
class WeatherController {
  @Get('weather')
  weather(): { ok: true } {
    return { ok: true };
  }
}

describe('ChaosModule (an app with the chaos API, driven with inject)', () => {
  let built: BuiltService<unknown>;
  let token: (scope: string) => Promise<string>;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const keySet = createLocalJWKSet({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' }] });
    token = (scope) =>
      new SignJWT({ client_id: 'lab-admin', scope })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('lab-admin')
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(pair.privateKey);
    built = await buildService(
      {
        name: 'chaos-test',
        defaultPort: 3999,
        configShape: {},
        module: (context) => {
          @Module({
            imports: [
              ChaosModule.register(context, {
                auth: { jwksUrl: 'http://127.0.0.1:9/unused', issuer: ISSUER, audience: AUDIENCE, keySet },
              }),
            ],
            controllers: [WeatherController],
          })
          class TestModule {}
          return TestModule;
        },
      },
      {},
      { logger: createLogger({ service: 'chaos-test', level: 'silent' }) },
    );
    await built.app.init();
    await built.app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await built.app.close();
  });

  afterEach(() => chaosFor(built.context).faults.clear());

  const inject = (options: { method: 'GET' | 'POST' | 'DELETE'; url: string; payload?: object; auth?: string }) =>
    built.app.inject({
      method: options.method,
      url: options.url,
      payload: options.payload,
      headers: options.auth ? { authorization: `Bearer ${options.auth}` } : {},
    });

  it('401 without a token, 403 with a token lacking lab:chaos', async () => {
    expect((await inject({ method: 'GET', url: '/admin/chaos/faults' })).statusCode).toBe(401);
    const wrong = await inject({
      method: 'POST',
      url: '/admin/chaos/faults',
      payload: { type: 'crash' },
      auth: await token('messages:read'),
    });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.headers['content-type']).toContain('application/problem+json');
    expect(chaosFor(built.context).faults.list()).toEqual([]);
  });

  it('400 listing the bad fields of an invalid spec', async () => {
    const response = await inject({
      method: 'POST',
      url: '/admin/chaos/faults',
      payload: { type: 'error', rate: 2, target: 'host:x' },
      auth: await token('lab:chaos'),
    });
    expect(response.statusCode).toBe(400);
    const body = response.json<{ code: string; errors: { field: string }[] }>();
    expect(body.code).toBe('validation-failed');
    expect(body.errors.map((e) => e.field).sort()).toEqual(['rate', 'target']);
  });

  it('adds, lists, applies and removes a route fault; health stays untouched', async () => {
    const auth = await token('lab:chaos');
    const created = await inject({
      method: 'POST',
      url: '/admin/chaos/faults',
      payload: { type: 'error', rate: 1, status: 503, target: 'route:/v1/weather', durationMs: 20000 },
      auth,
    });
    expect(created.statusCode).toBe(201);
    const fault = created.json<{ id: string; type: string; target: string; expiresAt: string }>();
    expect(fault).toMatchObject({ type: 'error', target: 'route:/v1/weather' });

    const listed = await inject({ method: 'GET', url: '/admin/chaos/faults', auth });
    expect(listed.json()).toEqual([expect.objectContaining({ id: fault.id })]);

    const failed = await inject({ method: 'GET', url: '/v1/weather?city=Paris' });
    expect(failed.statusCode).toBe(503);
    expect(failed.json()).toMatchObject({ code: 'chaos-injected', status: 503 });
    expect((await inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);

    expect((await inject({ method: 'DELETE', url: `/admin/chaos/faults/${fault.id}`, auth })).statusCode).toBe(204);
    expect((await inject({ method: 'GET', url: '/v1/weather' })).statusCode).toBe(200);
    expect((await inject({ method: 'DELETE', url: `/admin/chaos/faults/${fault.id}`, auth })).statusCode).toBe(404);
  });

  it('a whole-service error fault spares the chaos API, so it can always be cleared', async () => {
    const auth = await token('lab:chaos');
    await inject({ method: 'POST', url: '/admin/chaos/faults', payload: { type: 'error' }, auth });
    expect((await inject({ method: 'GET', url: '/v1/weather' })).statusCode).toBe(503);
    expect((await inject({ method: 'DELETE', url: '/admin/chaos/faults', auth })).statusCode).toBe(204);
    expect((await inject({ method: 'GET', url: '/v1/weather' })).statusCode).toBe(200);
  });

  it('exposes active faults on /metrics', async () => {
    await inject({
      method: 'POST',
      url: '/admin/chaos/faults',
      payload: { type: 'latency', ms: 1, target: 'route:/v1/weather' },
      auth: await token('lab:chaos'),
    });
    const metrics = await inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(
      /jeeves_chaos_active_faults\{[^}]*type="latency"[^}]*target="route:\/v1\/weather"[^}]*\} 1/,
    );
  });
});
