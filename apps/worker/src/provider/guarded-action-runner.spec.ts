import type { ActionRequested } from '#libs/contracts';
import { createLogger, createMetricsRegistry } from '#libs/observability';
import { DEFAULT_BREAKER_OPTIONS } from '#libs/resilience';
import { ProviderActionRunner } from '../actions/action-runner';
import { APOLOGIES } from '../actions/reply-text';
import { GuardedActionRunner } from './guarded-action-runner';
import { ProviderClient } from './provider-client';

const weather = (city: string): ActionRequested => ({
  messageId: '4b1d2c1e-7a34-4b55-9d2f-0d3c8a8e1f00',
  user: 'alice',
  intent: 'weather',
  action: { kind: 'weather', city },
});
const time = (zone: string): ActionRequested => ({
  messageId: '4b1d2c1e-7a34-4b55-9d2f-0d3c8a8e1f01',
  user: 'alice',
  intent: 'time',
  action: { kind: 'time', zone },
});

/** A provider whose next answers the test sets: a status and body per call. */
function fakeProvider() {
  const state = { status: 200, calls: 0 };
  const fetch = (async (input: string | URL | Request) => {
    state.calls++;
    const url = new URL(String(input));
    if (state.status !== 200)
      return new Response(JSON.stringify({ detail: 'down' }), {
        status: state.status,
        headers: { 'content-type': 'application/problem+json' },
      });
    const body =
      url.pathname === '/v1/weather'
        ? { city: url.searchParams.get('city'), temperatureC: 21, condition: 'sunny', humidityPercent: 40 }
        : { zone: 'Asia/Tokyo', localTime: '2026-01-01T09:00:00', utcOffset: '+09:00' };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof globalThis.fetch;
  return { state, client: new ProviderClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000, fetch }) };
}

describe('GuardedActionRunner', () => {
  let runner: GuardedActionRunner;
  let provider: ReturnType<typeof fakeProvider>;

  beforeEach(() => {
    provider = fakeProvider();
    runner = new GuardedActionRunner(new ProviderActionRunner(provider.client), {
      // Opens after 3 calls of which half fail, and stays open for the rest of the test.
      breaker: { ...DEFAULT_BREAKER_OPTIONS, timeoutMs: 1000, volumeThreshold: 3, resetTimeoutMs: 60_000 },
      bulkhead: { maxConcurrent: 4, maxQueue: 4, queueTimeoutMs: 1000 },
      registry: createMetricsRegistry({ service: 'test', defaultMetrics: false }),
      logger: createLogger({ service: 'test', level: 'silent' }),
    });
  });
  afterEach(() => runner.breaker.shutdown());

  it('answers from the provider when it is healthy', async () => {
    await expect(runner.run(weather('Paris'))).resolves.toMatchObject({
      status: 'replied',
      degraded: false,
      text: expect.stringContaining('sunny'),
    });
  });

  it('serves the last known weather, marked stale and degraded, when the provider fails', async () => {
    await runner.run(weather('Paris'));
    provider.state.status = 503;
    const reply = await runner.run(weather('paris'));
    expect(reply).toMatchObject({
      status: 'replied',
      degraded: true,
      reason: 'stale-answer: provider provider-unavailable',
    });
    expect(reply.text).toMatch(/sunny.*Last known answer/);
  });

  it('apologises, degraded, when there is no last known answer, and never serves a stale time', async () => {
    await runner.run(time('Tokyo'));
    provider.state.status = 503;
    await expect(runner.run(weather('Oslo'))).resolves.toMatchObject({
      status: 'failed',
      degraded: true,
      text: APOLOGIES.weather,
    });
    await expect(runner.run(time('Tokyo'))).resolves.toMatchObject({
      status: 'failed',
      degraded: true,
      text: APOLOGIES.time,
    });
  });

  it('opens after the threshold and stops calling the provider', async () => {
    provider.state.status = 503;
    for (let i = 0; i < 3; i++) await runner.run(weather('Oslo'));
    expect(runner.breaker.state).toBe('open');
    const before = provider.state.calls;
    await expect(runner.run(weather('Oslo'))).resolves.toMatchObject({
      degraded: true,
      reason: 'provider-down: EOPENBREAKER',
    });
    expect(provider.state.calls).toBe(before);
  });

  it('treats the provider 404 as its answer: a failed reply, not degraded, breaker closed', async () => {
    provider.state.status = 404;
    for (let i = 0; i < 5; i++)
      await expect(runner.run(time('Mars'))).resolves.toMatchObject({ status: 'failed', degraded: false });
    expect(runner.breaker.state).toBe('closed');
  });
});
