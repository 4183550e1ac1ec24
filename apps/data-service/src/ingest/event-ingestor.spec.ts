import { randomUUID } from 'node:crypto';
import { DLQ_HEADERS, type Envelope, EVENT_TYPES, makeEnvelope, type RecordHeaders, TOPICS } from '#libs/contracts';
import type { RawConsumedMessage } from '#libs/kafka';
import { createLogger, createMetricsRegistry, type MetricsRegistry } from '#libs/observability';
import { SqliteMessageRepository } from '../store/sqlite-message.repository';
import { createDataMetrics } from './data-metrics';
import { EventIngestor } from './event-ingestor';

const OWN_GROUP = 'tprefix.jeeves-data-service';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('EventIngestor', () => {
  let repository: SqliteMessageRepository;
  let registry: MetricsRegistry;
  let ingestor: EventIngestor;
  let nowMs: number;

  beforeEach(() => {
    repository = SqliteMessageRepository.open({ path: ':memory:', busyTimeoutMs: 100 });
    registry = createMetricsRegistry({ service: 'data-service', defaultMetrics: false });
    nowMs = Date.parse('2026-11-27T10:00:02.000Z');
    ingestor = new EventIngestor(
      repository,
      createDataMetrics(registry),
      createLogger({ service: 'test', level: 'silent' }),
      OWN_GROUP,
      () => nowMs,
    );
  });

  afterEach(async () => {
    await repository.close();
  });

  const value = async (name: string, labels: Record<string, string>): Promise<number | undefined> =>
    (await registry.getSingleMetric(name)?.get())?.values.find((v) =>
      Object.entries(labels).every(([k, l]) => v.labels[k] === l),
    )?.value;

  function acceptedEnvelope(messageId: string): Envelope {
    return makeEnvelope({
      type: EVENT_TYPES.messageAccepted,
      correlationId: messageId,
      occurredAt: new Date('2026-11-27T10:00:00.000Z'),
      data: { messageId, user: 'alice', text: 'time in Tokyo', clientId: 'jeeves-demo' },
    });
  }
  function replyEnvelope(messageId: string, status: 'replied' | 'failed' = 'replied'): Envelope {
    return makeEnvelope({
      type: EVENT_TYPES.replyProduced,
      correlationId: messageId,
      data: { messageId, user: 'alice', intent: 'time', status, text: 'It is 19:00 in Tokyo', degraded: false },
    });
  }
  function deadLetter(
    original: unknown,
    headers: Record<string, string>,
    key: string | null = 'alice',
  ): RawConsumedMessage {
    return {
      topic: TOPICS.dlq,
      partition: 0,
      offset: '7',
      key,
      keyBytes: key === null ? null : Buffer.from(key),
      value: original === null ? null : Buffer.from(typeof original === 'string' ? original : JSON.stringify(original)),
      headers,
      heartbeat: async () => undefined,
    };
  }
  const traceHeaders: RecordHeaders = { traceparent: Buffer.from(`00-${TRACE}-00f067aa0ba902b7-01`) };

  it('stores the trace id of message.accepted and measures end to end once, with an exemplar', async () => {
    const id = randomUUID();
    expect(await ingestor.ingest(acceptedEnvelope(id), traceHeaders)).toBe('applied');
    expect(await ingestor.ingest(replyEnvelope(id), {})).toBe('applied');
    expect((await repository.findById(id))?.traceId).toBe(TRACE);
    expect(
      await value('jeeves_messages_completed_total', { intent: 'time', status: 'replied', degraded: 'false' }),
    ).toBe(1);
    // Accepted at 10:00:00, reply stored at 10:00:02.
    expect(await registry.metrics()).toMatch(/^jeeves_message_end_to_end_seconds_sum\{[^}]*\} 2$/m);
    expect(await registry.metrics()).toMatch(/^jeeves_message_end_to_end_seconds_count\{[^}]*\} 1$/m);
    expect(await registry.metrics()).toContain(`trace_id="${TRACE}"`);
  });

  it('suppresses a redelivered envelope and counts it by type', async () => {
    const id = randomUUID();
    const reply = replyEnvelope(id);
    await ingestor.ingest(acceptedEnvelope(id), {});
    expect(await ingestor.ingest(reply, {})).toBe('applied');
    expect(await ingestor.ingest(reply, {})).toBe('duplicate');
    expect(await value('jeeves_data_duplicate_events_total', { type: EVENT_TYPES.replyProduced })).toBe(1);
    expect(await value('jeeves_messages_completed_total', { intent: 'time', status: 'replied' })).toBe(1);
  });

  it('marks the named message failed with the dead-letter reason', async () => {
    const id = randomUUID();
    await ingestor.ingest(acceptedEnvelope(id), {});
    const original = { ...replyEnvelope(id), data: { messageId: id, status: 'exploded' } };
    const headers = {
      [DLQ_HEADERS.reason]: 'invalid-payload',
      [DLQ_HEADERS.sourceTopic]: TOPICS.replies,
      [DLQ_HEADERS.consumerGroup]: OWN_GROUP,
    };
    expect(await ingestor.ingestDeadLetter(deadLetter(original, headers))).toBe('marked_failed');
    expect(await repository.findById(id)).toMatchObject({
      status: 'failed',
      failureReason: 'dead-lettered: invalid-payload',
      user: 'alice',
    });
    expect(await ingestor.ingestDeadLetter(deadLetter(original, headers))).toBe('duplicate');
    expect(
      await value('jeeves_data_dead_letters_observed_total', { source_topic: TOPICS.replies, effect: 'marked_failed' }),
    ).toBe(1);
    expect(await value('jeeves_messages_completed_total', { intent: 'none', status: 'failed' })).toBe(1);
  });

  it('applies its own dead-lettered valid envelope again instead of failing the message', async () => {
    const id = randomUUID();
    await ingestor.ingest(acceptedEnvelope(id), {});
    const headers = {
      [DLQ_HEADERS.reason]: 'retries-exhausted',
      [DLQ_HEADERS.sourceTopic]: TOPICS.replies,
      [DLQ_HEADERS.consumerGroup]: OWN_GROUP,
    };
    expect(await ingestor.ingestDeadLetter(deadLetter(replyEnvelope(id), headers))).toBe('reapplied');
    expect((await repository.findById(id))?.status).toBe('replied');
  });

  it('fails the message, not applies it again, when its own dead letter says handler-error', async () => {
    const id = randomUUID();
    await ingestor.ingest(acceptedEnvelope(id), {});
    const headers = {
      [DLQ_HEADERS.reason]: 'handler-error',
      [DLQ_HEADERS.sourceTopic]: TOPICS.replies,
      [DLQ_HEADERS.consumerGroup]: OWN_GROUP,
    };
    expect(await ingestor.ingestDeadLetter(deadLetter(replyEnvelope(id), headers))).toBe('marked_failed');
    expect(await repository.findById(id)).toMatchObject({
      status: 'failed',
      failureReason: 'dead-lettered: handler-error',
    });
  });

  it('stores message.accepted with traceId null when its traceparent header has no value (issue 10, case 1)', async () => {
    const id = randomUUID();
    expect(await ingestor.ingest(acceptedEnvelope(id), { traceparent: null })).toBe('applied');
    expect((await repository.findById(id))?.traceId).toBeNull();
  });

  it('fails the message when another group gave up on a valid envelope', async () => {
    const id = randomUUID();
    await ingestor.ingest(acceptedEnvelope(id), {});
    const action = makeEnvelope({
      type: EVENT_TYPES.actionRequested,
      correlationId: id,
      data: { messageId: id, user: 'alice', intent: 'weather', action: { kind: 'weather', city: 'Paris' } },
    });
    const headers = {
      [DLQ_HEADERS.reason]: 'retries-exhausted',
      [DLQ_HEADERS.sourceTopic]: TOPICS.actions,
      [DLQ_HEADERS.consumerGroup]: 'tprefix.jeeves-worker',
    };
    expect(await ingestor.ingestDeadLetter(deadLetter(action, headers))).toBe('marked_failed');
    expect(await repository.findById(id)).toMatchObject({
      status: 'failed',
      failureReason: 'dead-lettered: retries-exhausted',
    });
  });

  it.each([
    ['not JSON', '{nope'],
    ['a tombstone', null],
    ['JSON that is no envelope', { hello: 'world' }],
    [
      'an envelope without a messageId',
      makeEnvelope({ type: 'thing.happened', correlationId: 'c', data: { user: 'alice' } }),
    ],
    [
      'a messageId that is no UUID',
      makeEnvelope({ type: EVENT_TYPES.replyProduced, correlationId: 'c', data: { messageId: '42' } }),
    ],
  ])('only counts a dead letter holding %s', async (_name, original) => {
    expect(await ingestor.ingestDeadLetter(deadLetter(original, { [DLQ_HEADERS.reason]: 'invalid-json' }))).toBe(
      'no_message',
    );
    expect(await repository.statusCounts()).toEqual({ accepted: 0, processing: 0, replied: 0, failed: 0 });
    expect(
      await value('jeeves_data_dead_letters_observed_total', { source_topic: 'unknown', effect: 'no_message' }),
    ).toBe(1);
  });

  it('takes the user from the Kafka key when the dead payload has none, else "unknown"', async () => {
    const id = randomUUID();
    const original = makeEnvelope({ type: EVENT_TYPES.replyProduced, correlationId: id, data: { messageId: id } });
    await ingestor.ingestDeadLetter(deadLetter(original, { [DLQ_HEADERS.reason]: 'invalid-payload' }, 'bob'));
    expect((await repository.findById(id))?.user).toBe('bob');
    const other = randomUUID();
    await ingestor.ingestDeadLetter(
      deadLetter(
        { ...original, id: randomUUID(), data: { messageId: other } },
        { [DLQ_HEADERS.reason]: 'invalid-payload' },
        'no spaces allowed',
      ),
    );
    expect((await repository.findById(other))?.user).toBe('unknown');
  });

  it('ignores a traceparent that is malformed or all zeros', async () => {
    const a = randomUUID();
    const b = randomUUID();
    await ingestor.ingest(acceptedEnvelope(a), { traceparent: 'garbage' });
    await ingestor.ingest(acceptedEnvelope(b), { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` });
    expect((await repository.findById(a))?.traceId).toBeNull();
    expect((await repository.findById(b))?.traceId).toBeNull();
  });
});
