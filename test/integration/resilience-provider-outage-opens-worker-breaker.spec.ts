import type { MessageView } from '#libs/contracts';
import { postMessage, uniqueUser, waitForFinal } from './pipeline-helpers';
import { addFault, clearFaults, metricValue } from './resilience-helpers';
import { waitFor } from './support/lab';

const RESET_TIMEOUT_MS = Number(process.env.PROVIDER_BREAKER_RESET_TIMEOUT_MS || 5000);
const breakerIs = async (state: string) =>
  (await metricValue('worker', 'jeeves_breaker_state', { dependency: 'provider', state })) === 1;

/**
 * Provider failing 100%: the worker's breaker opens within seconds and users get the fallback
 * (stale weather, or an apology), nothing stays `processing`; provider healthy again: half-open,
 * then closed within resetTimeout + 1 s.
 */
describe('resilience: a provider outage opens the worker breaker, users get the fallback', () => {
  const user = uniqueUser('outage');

  afterAll(async () => {
    await clearFaults('provider');
  });

  it('opens within a few seconds; every message gets a degraded answer; none stays processing', async () => {
    // A known answer for Paris before the outage: the fallback serves it as stale.
    const before = await waitForFinal((await postMessage(user, 'weather in Paris')).id);
    expect(before).toMatchObject({ status: 'replied', degraded: false });
    expect(await breakerIs('closed')).toBe(true);

    await addFault('provider', {
      type: 'error',
      rate: 1,
      status: 503,
      target: 'route:/v1/weather',
      durationMs: 120_000,
    });
    const faultAt = Date.now();
    const ids: string[] = [];
    // Cities no other spec asks about, so that the worker has no last known answer for them.
    const cities = ['Paris', 'Nuuk', 'Hobart', 'Ushuaia'];
    await waitFor(
      async () => {
        ids.push((await postMessage(user, `weather in ${cities[ids.length % cities.length]}`)).id);
        return breakerIs('open');
      },
      { timeoutMs: 15_000, intervalMs: 200, what: 'the worker breaker to open' },
    );
    const openedAfterMs = Date.now() - faultAt;
    expect(openedAfterMs).toBeLessThan(15_000);
    ids.push((await postMessage(user, 'weather in Paris')).id);

    const views: MessageView[] = [];
    for (const id of ids) views.push(await waitForFinal(id, 30_000));
    expect(views.filter((v) => v.status !== 'replied' && v.status !== 'failed')).toEqual([]);
    for (const view of views) expect(view.degraded).toBe(true);
    const paris = views.filter((v) => v.text === 'weather in Paris');
    expect(paris.length).toBeGreaterThan(0);
    for (const view of paris)
      expect(view).toMatchObject({ status: 'replied', reply: expect.stringContaining('Last known answer') });
    // Other cities: stale when this worker answered them before (other specs may have), else an apology.
    const others = views.filter((v) => v.text !== 'weather in Paris');
    for (const view of others) {
      if (view.status === 'replied') expect(view.reply).toContain('Last known answer');
      else expect(view.reply).toContain('the weather service is down, try again later');
    }
    expect(views.some((v) => v.status === 'failed' && (v.failureReason ?? '').startsWith('provider-down'))).toBe(true);
    expect(
      await metricValue('worker', 'jeeves_breaker_calls_total', { dependency: 'provider', outcome: 'fallback' }),
    ).toBeGreaterThanOrEqual(ids.length);
    expect(
      await metricValue('worker', 'jeeves_breaker_calls_total', { dependency: 'provider', outcome: 'rejected' }),
    ).toBeGreaterThan(0);
  });

  it('half-opens and closes within resetTimeout + 1 s once the provider is healthy', async () => {
    const halfOpensBefore = await metricValue('worker', 'jeeves_breaker_transitions_total', {
      dependency: 'provider',
      to: 'half_open',
    });
    await clearFaults('provider');
    const healedAt = Date.now();
    await waitFor(
      async () => {
        void postMessage(user, 'weather in Oslo').catch(() => undefined);
        return breakerIs('closed');
      },
      { timeoutMs: RESET_TIMEOUT_MS + 10_000, intervalMs: 100, what: 'the worker breaker to close' },
    );
    const closedAfterMs = Date.now() - healedAt;
    expect(closedAfterMs).toBeLessThanOrEqual(RESET_TIMEOUT_MS + 1000);
    expect(
      await metricValue('worker', 'jeeves_breaker_transitions_total', { dependency: 'provider', to: 'half_open' }),
    ).toBeGreaterThan(halfOpensBefore);
    const after = await waitForFinal((await postMessage(user, 'weather in Lima')).id);
    expect(after).toMatchObject({ status: 'replied', degraded: false });
  });
});
