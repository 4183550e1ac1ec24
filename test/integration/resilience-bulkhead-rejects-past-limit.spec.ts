import type { MessageView } from '#libs/contracts';
import { postMessage, uniqueUser, waitForFinal } from './pipeline-helpers';
import { addFault, clearFaults, crashAndRestart, metricValue } from './resilience-helpers';

const SETTINGS = { PROVIDER_BULKHEAD_MAX_CONCURRENT: '1', PROVIDER_BULKHEAD_MAX_QUEUE: '0', WORKER_CONCURRENCY: '6' };

/**
 * The worker's provider bulkhead: with one slot and no queue, calls past the limit are refused with
 * EBULKHEAD at once (and answered by the fallback), while the one in the slot completes.
 */
describe('resilience: the provider bulkhead rejects calls past its limit', () => {
  beforeAll(async () => {
    Object.assign(process.env, SETTINGS);
    // SIGKILL first: a graceful stop can outlive the restart's wait and keep the port (seen here).
    await crashAndRestart('worker');
  });

  afterAll(async () => {
    for (const key of Object.keys(SETTINGS)) delete process.env[key];
    await clearFaults('provider');
    await crashAndRestart('worker');
  });

  it('refuses concurrent calls past the limit with EBULKHEAD, and the refused users get a degraded answer', async () => {
    // Slow provider: each call holds the single slot for 800 ms.
    await addFault('provider', { type: 'latency', ms: 800, target: 'route:/v1/weather', durationMs: 60_000 });
    const users = Array.from({ length: 12 }, (_, i) => uniqueUser(`bulkhead-${i}`));
    const ids = await Promise.all(users.map(async (user) => (await postMessage(user, 'weather in Oslo')).id));
    const views: MessageView[] = await Promise.all(ids.map((id) => waitForFinal(id, 60_000)));

    // A refused call is answered by the fallback: stale weather (replied) or an apology (failed,
    // reason provider-down: EBULKHEAD). data-service keeps a reason for failed messages only.
    const degraded = views.filter((v) => v.degraded);
    if (degraded.length === 0)
      throw new Error(
        `no call was refused by the bulkhead: ${views.map((v) => `${v.status}/${v.degraded}/${v.failureReason}`).join(', ')}`,
      );
    for (const view of degraded.filter((v) => v.status === 'failed')) expect(view.failureReason).toContain('EBULKHEAD');
    expect(views.some((v) => v.status === 'replied' && !v.degraded)).toBe(true);
    expect(
      await metricValue('worker', 'jeeves_bulkhead_rejections_total', { dependency: 'provider' }),
    ).toBeGreaterThanOrEqual(degraded.length);
    expect(
      await metricValue('worker', 'jeeves_breaker_calls_total', { dependency: 'provider', outcome: 'failure' }),
    ).toBe(0);
  });
});
