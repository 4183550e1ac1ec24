import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { DLQ_HEADERS, EVENT_TYPES, makeEnvelope, type MessageView, TOPICS, type TopicName } from '#libs/contracts';
import { connectedProducer, kafka } from './pipeline-helpers';
import { lab, waitFor } from './support/lab';

/**
 * data-service against the real broker: envelopes produced straight onto the lab's topics (as the
 * gateway, bot and worker would), results read back through its HTTP read API. The rest of the lab
 * keeps running, so the bot and worker may add events of their own for these messages: every
 * assertion holds whatever they add, because a finished message never changes again.
 */
describe('data-service settles pipeline events in any order, once', () => {
  const TRACE_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  let producer: Producer;
  const base = (): string => lab().urls['data-service'];

  beforeAll(async () => {
    producer = await connectedProducer(kafka('data-service-spec'));
  });

  afterAll(async () => {
    await producer?.disconnect();
  });

  async function produce(
    topic: TopicName,
    key: string | null,
    value: unknown,
    headers: Record<string, string> = {},
  ): Promise<void> {
    await producer.send({
      topic: lab().topic(topic),
      acks: -1,
      messages: [{ key, value: typeof value === 'string' ? value : JSON.stringify(value), headers }],
    });
  }

  async function getJson<T>(path: string): Promise<{ status: number; body: T }> {
    const response = await fetch(`${base()}${path}`, { signal: AbortSignal.timeout(5000) });
    return { status: response.status, body: (await response.json()) as T };
  }

  /** Polls the message until `ready` holds; fails with the last state seen. */
  async function messageWhen(id: string, what: string, ready: (view: MessageView) => boolean): Promise<MessageView> {
    let last: unknown;
    try {
      return await waitFor(
        async () => {
          const { status, body } = await getJson<MessageView>(`/v1/messages/${id}`);
          last = body;
          return status === 200 && ready(body) ? body : undefined;
        },
        { timeoutMs: 60_000, what },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; last seen: ${JSON.stringify(last)}`);
    }
  }

  async function eventsOf(id: string): Promise<{ envelopeId: string; type: string; duplicates: number }[]> {
    const { status, body } = await getJson<{ items: { envelopeId: string; type: string; duplicates: number }[] }>(
      `/v1/messages/${id}/events`,
    );
    return status === 200 ? body.items : [];
  }

  const startedAt = new Date(Date.now() - 60_000);
  const user = `ds-spec-${Date.now()}`;
  const accepted = (messageId: string, occurredAt: Date) =>
    makeEnvelope({
      type: EVENT_TYPES.messageAccepted,
      correlationId: messageId,
      occurredAt,
      data: { messageId, user, text: 'help', clientId: 'jeeves-demo' },
    });
  const reply = (messageId: string, text = 'Here is what I can do') =>
    makeEnvelope({
      type: EVENT_TYPES.replyProduced,
      correlationId: messageId,
      data: { messageId, user, intent: 'help', status: 'replied', text, degraded: false },
    });

  it('creates the message from a reply that arrives before its acceptance, then fills it in with the trace id', async () => {
    const id = randomUUID();
    const acceptedAt = new Date(Date.now() - 1500);
    await produce(TOPICS.replies, user, reply(id));
    const early = await messageWhen(id, 'the early reply to be stored', (view) => view.status === 'replied');
    expect(early).toMatchObject({ user, text: '', reply: 'Here is what I can do', traceId: null });

    const acceptance = accepted(id, acceptedAt);
    await produce(TOPICS.messages, user, acceptance, { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` });
    const filled = await messageWhen(id, 'the late acceptance to fill the message in', (view) => view.text === 'help');
    expect(filled).toMatchObject({
      id,
      user,
      status: 'replied',
      intent: 'help',
      reply: 'Here is what I can do',
      traceId: TRACE_ID,
      acceptedAt: acceptedAt.toISOString(),
    });
    // The bot answers this acceptance too; a second final event never changes a finished message.
    await waitFor(async () => (await eventsOf(id)).some((event) => event.envelopeId === acceptance.id), {
      timeoutMs: 30_000,
      what: 'the acceptance to be recorded',
    });
    expect((await getJson<MessageView>(`/v1/messages/${id}`)).body).toMatchObject({
      status: 'replied',
      reply: 'Here is what I can do',
    });
  });

  it('gives a redelivered envelope one effect: recorded once, its repeats counted as suppressed', async () => {
    const id = randomUUID();
    const envelope = reply(id, 'only once');
    await produce(TOPICS.replies, user, envelope);
    await produce(TOPICS.replies, user, envelope);
    await produce(TOPICS.replies, user, envelope);
    const events = await waitFor(
      async () => {
        const items = await eventsOf(id);
        const mine = items.filter((event) => event.envelopeId === envelope.id);
        return mine.length === 1 && mine[0]!.duplicates === 2 ? items : undefined;
      },
      { timeoutMs: 60_000, what: 'one applied envelope with two suppressed redeliveries' },
    );
    expect(events.filter((event) => event.envelopeId === envelope.id)).toEqual([
      { envelopeId: envelope.id, type: EVENT_TYPES.replyProduced, processedAt: expect.any(String), duplicates: 2 },
    ]);
    expect((await getJson<MessageView>(`/v1/messages/${id}`)).body).toMatchObject({
      status: 'replied',
      reply: 'only once',
    });
  });

  it('fails a message whose reply was poison, with the dead-letter reason, after the adapter dead-letters it', async () => {
    const id = randomUUID();
    // Valid envelope, invalid payload: every consumer of the replies topic dead-letters it.
    const poison = makeEnvelope({
      type: EVENT_TYPES.replyProduced,
      correlationId: id,
      data: { messageId: id, user, status: 'exploded' },
    });
    await produce(TOPICS.replies, user, poison);
    const failed = await messageWhen(id, 'the dead letter to fail the message', (view) => view.status === 'failed');
    expect(failed).toMatchObject({ user, failureReason: 'dead-lettered: invalid-payload', reply: null });
  });

  it('reads past a dead letter it cannot use and keeps applying the ones behind it', async () => {
    const id = randomUUID();
    const key = `ds-dlq-${Date.now()}`;
    // Same key, same DLQ partition: the usable letter sits behind the garbage.
    await produce(TOPICS.dlq, key, '{not json', {
      [DLQ_HEADERS.reason]: 'invalid-json',
      [DLQ_HEADERS.sourceTopic]: TOPICS.messages,
    });
    await produce(TOPICS.dlq, key, null, { [DLQ_HEADERS.reason]: 'invalid-json' });
    const original = makeEnvelope({
      type: EVENT_TYPES.actionRequested,
      correlationId: id,
      data: { messageId: id, user: key, intent: 'weather', action: { kind: 'weather', city: 'Paris' } },
    });
    await produce(TOPICS.dlq, key, original, {
      [DLQ_HEADERS.reason]: 'retries-exhausted',
      [DLQ_HEADERS.sourceTopic]: TOPICS.actions,
      [DLQ_HEADERS.consumerGroup]: `${lab().topicPrefix}.jeeves-worker`,
    });
    const failed = await messageWhen(id, 'the usable dead letter to be applied', (view) => view.status === 'failed');
    expect(failed).toMatchObject({ user: key, failureReason: 'dead-lettered: retries-exhausted' });
    const ready = await fetch(`${base()}/health/ready`, { signal: AbortSignal.timeout(5000) });
    expect(ready.status).toBe(200);
  });

  it('answers the read API with problem+json for bad input and keeps a ledger', async () => {
    const bad = await fetch(`${base()}/v1/users/${user}/messages?limit=500`, { signal: AbortSignal.timeout(5000) });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const page = await getJson<{ items: MessageView[]; nextBefore: string | null }>(
      `/v1/users/${user}/messages?limit=100`,
    );
    expect(page.status).toBe(200);
    expect(page.body.items.length).toBeGreaterThanOrEqual(3);
    const ledger = await getJson<{
      replied: number;
      failed: number;
      duplicatesSuppressed: number;
      failedByReason: Record<string, number>;
    }>(`/v1/ledger?since=${encodeURIComponent(startedAt.toISOString())}`);
    expect(ledger.status).toBe(200);
    // At least this file's own: two replied, two failed (one per dead-letter reason), two repeats.
    expect(ledger.body.replied).toBeGreaterThanOrEqual(2);
    expect(ledger.body.failedByReason['dead-lettered: invalid-payload']).toBeGreaterThanOrEqual(1);
    expect(ledger.body.failedByReason['dead-lettered: retries-exhausted']).toBeGreaterThanOrEqual(1);
    expect(ledger.body.duplicatesSuppressed).toBeGreaterThanOrEqual(2);
  });
});
