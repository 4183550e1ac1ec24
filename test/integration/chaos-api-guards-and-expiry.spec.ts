import { APP_NAMES } from '../../tools/lab';
import { demoToken } from './pipeline-helpers';
import { addFault, chaosRequest, clearFaults, metricValue } from './resilience-helpers';
import { lab, waitFor } from './support/lab';

/**
 * The chaos API of every service: guarded by scope lab:chaos (401 without a token, 403 without the
 * scope), 400 with the bad fields for an invalid spec, and a fault that ends by itself.
 */
describe('chaos API: guards, validation and expiry', () => {
  afterAll(async () => {
    await clearFaults('provider');
  });

  it.each(APP_NAMES.map((app) => [app]))(
    '%s answers 401 without a token and 403 without scope lab:chaos',
    async (app) => {
      expect((await chaosRequest(app, 'GET', '', undefined, null)).status).toBe(401);
      const wrongScope = await chaosRequest(app, 'POST', '', { type: 'crash' }, await demoToken());
      expect(wrongScope.status).toBe(403);
      // The crash was refused: the service still answers.
      expect((await chaosRequest(app, 'GET')).status).toBe(200);
    },
  );

  it('answers 400 listing every bad field of an invalid spec', async () => {
    const answer = await chaosRequest('provider', 'POST', '', {
      type: 'latency',
      ms: -5,
      distribution: 'pareto',
      target: 'host:db',
    });
    expect(answer.status).toBe(400);
    const fields = (answer.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(['distribution', 'ms', 'target']);
  });

  it('a fault with a 2 s duration breaks its route, is listed and measured, then is gone after it', async () => {
    const weather = () =>
      fetch(`${lab().urls.provider}/v1/weather?city=Paris`, { signal: AbortSignal.timeout(10_000) });
    const fault = await addFault('provider', {
      type: 'error',
      rate: 1,
      status: 503,
      target: 'route:/v1/weather',
      durationMs: 2000,
    });
    const addedAt = Date.now();

    const broken = await weather();
    expect(broken.status).toBe(503);
    expect(await broken.json()).toMatchObject({ code: 'chaos-injected' });
    expect((await fetch(`${lab().urls.provider}/health/ready`)).status).toBe(200);
    const listed = (await chaosRequest('provider', 'GET')).body as { id: string }[];
    expect(listed.map((f) => f.id)).toContain(fault.id);
    expect(
      await metricValue('provider', 'jeeves_chaos_active_faults', { type: 'error', target: 'route:/v1/weather' }),
    ).toBe(1);

    await waitFor(async () => ((await chaosRequest('provider', 'GET')).body as unknown[]).length === 0, {
      timeoutMs: 5000,
      intervalMs: 100,
      what: 'the fault to expire',
    });
    const goneAfterMs = Date.now() - addedAt;
    expect(goneAfterMs).toBeGreaterThanOrEqual(1900);
    expect((await weather()).status).toBe(200);
    expect(
      await metricValue('provider', 'jeeves_chaos_active_faults', { type: 'error', target: 'route:/v1/weather' }),
    ).toBe(0);
    expect(
      await metricValue('provider', 'jeeves_chaos_faults_injected_total', { type: 'error' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('DELETE removes one fault (204), then 404 for it', async () => {
    const fault = await addFault('provider', { type: 'latency', ms: 1, target: 'route:/v1/time', durationMs: 60_000 });
    expect((await chaosRequest('provider', 'DELETE', `/${fault.id}`)).status).toBe(204);
    expect((await chaosRequest('provider', 'DELETE', `/${fault.id}`)).status).toBe(404);
  });
});
