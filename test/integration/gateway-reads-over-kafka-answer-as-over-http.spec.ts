import { randomUUID } from 'node:crypto';
import { postMessage, uniqueUser, waitForFinal } from './pipeline-helpers';
import { waitPipelineSettled } from './resilience-helpers';
import { killApp, restartApp, waitFor } from './support/lab';
import {
  DATA_SERVICE_TIMEOUT_MS,
  readThrough as get,
  type OtherModeGateway,
  startOtherReadModeGateway,
} from './support/other-read-mode-gateway';

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function metric(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  let total = 0;
  for (const match of text.matchAll(new RegExp(`^${escapeRegExp(name)}(?:\\{([^}]*)\\})? (\\S+)`, 'gm')))
    if (Object.entries(labels).every(([k, v]) => (match[1] ?? '').includes(`${k}="${v}"`))) total += Number(match[2]);
  return total;
}

/**
 * The same reads through two gateways of one lab, one per GATEWAY_READS mode (ADR 0042): the
 * lab's own, and one this spec starts in the other mode against the same data-service (which
 * answers both). Same statuses, same bodies, same problem+json; with data-service killed, both
 * answer 503 + Retry-After within the read timeout plus 1 s; once it is back, both recover without
 * a gateway restart.
 */
describe('gateway reads over Kafka request-reply answer as reads over HTTP', () => {
  let other: OtherModeGateway;
  const gateways = () => other.urls;
  let id: string;
  let user: string;

  beforeAll(async () => {
    other = await startOtherReadModeGateway();
    user = uniqueUser('reads-modes');
    id = (await waitForFinal((await postMessage(user, 'help')).id)).id;
  }, 180_000);

  afterAll(async () => {
    await other?.stop();
    await waitPipelineSettled();
  }, 180_000);

  it('answers a message, a page and an unknown id the same in both modes', async () => {
    const { http, kafka } = gateways();
    for (const path of [`/v1/messages/${id}`, `/v1/users/${user}/messages?limit=5`, `/v1/messages/${randomUUID()}`]) {
      const [overHttp, overKafka] = await Promise.all([get(http, path), get(kafka, path)]);
      expect({ path, status: overKafka.status, contentType: overKafka.contentType }).toEqual({
        path,
        status: overHttp.status,
        contentType: overHttp.contentType,
      });
      // A problem's `instance` names the request; everything else must match.
      const strip = (body: unknown) => (body && typeof body === 'object' ? { ...body, instance: undefined } : body);
      expect(strip(overKafka.body)).toEqual(strip(overHttp.body));
    }
    expect((await get(kafka, `/v1/messages/${randomUUID()}`)).status).toBe(404);
    expect(await metric(kafka, 'jeeves_kafka_request_duration_seconds_count', { outcome: 'replied' })).toBeGreaterThan(
      0,
    );
  });

  it('answers 503 + Retry-After within the read timeout + 1 s while data-service is down, and recovers without a restart', async () => {
    const { http, kafka } = gateways();
    await killApp('data-service');
    try {
      for (let i = 0; i < 8; i++) {
        const answers = await Promise.all([get(http, `/v1/messages/${id}`), get(kafka, `/v1/messages/${id}`)]);
        for (const answer of answers) {
          expect(answer.status).toBe(503);
          expect(answer.contentType).toMatch(/^application\/problem\+json/);
          expect(answer.retryAfter).not.toBeNull();
          expect(answer.tookMs).toBeLessThan(DATA_SERVICE_TIMEOUT_MS + 1000);
        }
      }
      expect(await metric(kafka, 'jeeves_kafka_request_timeouts_total')).toBeGreaterThan(0);
    } finally {
      await restartApp('data-service');
    }
    for (const base of [http, kafka])
      await waitFor(async () => (await get(base, `/v1/messages/${id}`)).status === 200, {
        timeoutMs: 60_000,
        intervalMs: 500,
        what: `reads through ${base} to recover without a gateway restart`,
      });
  }, 240_000);
});
