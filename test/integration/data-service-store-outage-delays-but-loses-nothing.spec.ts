import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { EVENT_TYPES, makeEnvelope, type MessageView, TOPICS } from '#libs/contracts';
import { connectedProducer, kafka } from './pipeline-helpers';
import { chaosRequest } from './resilience-helpers';
import { lab, waitFor } from './support/lab';

const N = 40;

/**
 * A store outage, injected as a `dependency:store` error fault through data-service's chaos API:
 * reads answer 503 problem+json while it lasts, replies produced meanwhile wait in the consumer
 * (retried in place, as lag) instead of being dropped, and all of them are stored once it ends.
 */
describe('data-service: a store outage delays writes but loses none', () => {
  let producer: Producer;
  const user = `ds-outage-${Date.now()}`;
  const base = (): string => lab().urls['data-service'];

  const chaos = (method: 'POST' | 'DELETE', body?: unknown) => chaosRequest('data-service', method, '', body);

  beforeAll(async () => {
    producer = await connectedProducer(kafka('data-service-outage-spec'));
  });

  afterAll(async () => {
    await chaos('DELETE').catch(() => undefined);
    await producer?.disconnect();
  });

  async function storeRetries(): Promise<number> {
    const text = await (await fetch(`${base()}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith('jeeves_retries_total{') && l.includes('dependency="store"'));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  it(`stores all ${N} replies produced during the outage once it ends`, async () => {
    const retriesBefore = await storeRetries();
    const created = await chaos('POST', {
      type: 'error',
      rate: 1,
      status: 503,
      target: 'dependency:store',
      durationMs: 60_000,
    });
    expect(created.status).toBe(201);

    const envelopes = Array.from({ length: N }, (_, i) => {
      const messageId = randomUUID();
      return makeEnvelope({
        type: EVENT_TYPES.replyProduced,
        correlationId: messageId,
        data: { messageId, user, intent: 'help', status: 'replied', text: `answer ${i}`, degraded: false },
      });
    });
    await producer.send({
      topic: lab().topic(TOPICS.replies),
      acks: -1,
      messages: envelopes.map((envelope) => ({ key: user, value: JSON.stringify(envelope) })),
    });

    const read = await fetch(`${base()}/v1/users/${user}/messages`, { signal: AbortSignal.timeout(5000) });
    expect(read.status).toBe(503);
    expect(read.headers.get('content-type')).toContain('application/problem+json');
    expect(read.headers.get('retry-after')).toBe('1');
    // The consumer is demonstrably waiting on the store, not skipping.
    await waitFor(async () => (await storeRetries()) > retriesBefore + 3, {
      timeoutMs: 30_000,
      what: 'store retries while the fault lasts',
    });

    expect((await chaos('DELETE')).status).toBe(204);
    const views = await waitFor(
      async () => {
        const response = await fetch(`${base()}/v1/users/${user}/messages?limit=100`, {
          signal: AbortSignal.timeout(5000),
        });
        if (!response.ok) return undefined;
        const items = ((await response.json()) as { items: MessageView[] }).items;
        return items.length === N ? items : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: `all ${N} replies stored after the outage` },
    );
    expect(views.every((view) => view.status === 'replied')).toBe(true);
    expect(new Set(views.map((view) => view.reply))).toEqual(new Set(envelopes.map((_, i) => `answer ${i}`)));
  });
});
