import { demoToken, postMessage, uniqueUser, waitForFinal } from './pipeline-helpers';
import { addFault, clearFaults, metricValue } from './resilience-helpers';
import { killApp, lab, restartApp, waitFor } from './support/lab';

const DATA_SERVICE_TIMEOUT_MS = Number(process.env.DATA_SERVICE_TIMEOUT_MS || 2000);

async function read(id: string): Promise<{ status: number; retryAfter: string | null; tookMs: number }> {
  const started = Date.now();
  const response = await fetch(`${lab().urls.gateway}/v1/messages/${id}`, {
    headers: { authorization: `Bearer ${await demoToken()}` },
    signal: AbortSignal.timeout(30_000),
  });
  await response.body?.cancel();
  return { status: response.status, retryAfter: response.headers.get('retry-after'), tookMs: Date.now() - started };
}

/**
 * data-service down or hanging: the gateway's reads answer 503 + Retry-After within the configured
 * timeout instead of hanging, and once its breaker is open they answer at once.
 */
describe('resilience: gateway reads when data-service is down', () => {
  let id: string;

  beforeAll(async () => {
    id = (await waitForFinal((await postMessage(uniqueUser('reads'), 'help')).id)).id;
  });

  afterAll(async () => {
    await clearFaults('data-service').catch(() => undefined);
    await restartApp('data-service');
    await waitFor(async () => (await read(id)).status === 200, {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: 'gateway reads to recover',
    });
  });

  it('a hanging data-service gets a 503 within the configured timeout, then fast 503s once the breaker opens', async () => {
    await addFault('data-service', { type: 'hang', target: 'route:/v1/messages', durationMs: 60_000 });
    const first = await read(id);
    expect(first.status).toBe(503);
    expect(first.retryAfter).not.toBeNull();
    expect(first.tookMs).toBeLessThan(DATA_SERVICE_TIMEOUT_MS + 1500);

    await waitFor(
      async () =>
        (await metricValue('gateway', 'jeeves_breaker_state', { dependency: 'data-service', state: 'open' })) === 1 ||
        // Several reads at once: each hung call takes the full timeout, and one at a time may never
        // fill the breaker's volume threshold inside its rolling window.
        (await Promise.all(Array.from({ length: 6 }, () => read(id))), false),
      {
        timeoutMs: 60_000,
        intervalMs: 0,
        what: 'the gateway breaker for data-service to open',
      },
    );
    const fast = await read(id);
    expect(fast.status).toBe(503);
    expect(fast.retryAfter).not.toBeNull();
    expect(fast.tookMs).toBeLessThan(500);
    await clearFaults('data-service');
  });

  it('a killed data-service gets fast 503s with Retry-After, never a hang or a 500', async () => {
    await killApp('data-service');
    for (let i = 0; i < 5; i++) {
      const answer = await read(id);
      expect(answer.status).toBe(503);
      expect(answer.retryAfter).not.toBeNull();
      expect(answer.tookMs).toBeLessThan(DATA_SERVICE_TIMEOUT_MS + 1500);
    }
  });
});
