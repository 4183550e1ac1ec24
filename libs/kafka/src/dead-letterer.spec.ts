import { KafkaRequestSerializer } from '@nestjs/microservices/serializers/kafka-request.serializer';
import { DLQ_HEADERS, headerEntries, lastHeaderText } from '#libs/contracts';
import { createLogger, createMetricsRegistry } from '#libs/observability';
import { classifyDeadLetterSendFailure, DeadLetterer } from './dead-letterer';
import { RetriableConsumerError } from './errors';
import { kafkaMetrics } from './kafka-metrics';
import type { EventPublisher, OutgoingRecord } from './publisher';

/** kafkajs's errors as its producer throws them: a protocol error, bare or wrapped. */
function protocolError(type: string, retriable: boolean): Error {
  return Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type, retriable });
}
function nonRetriable(cause: Error): Error {
  return Object.assign(new Error(cause.message), { name: 'KafkaJSNonRetriableError', retriable: false, cause });
}

describe('classifyDeadLetterSendFailure', () => {
  it('tells a copy too large, a refusal for good and a transient failure apart, wrapped or not', () => {
    expect(classifyDeadLetterSendFailure(protocolError('MESSAGE_TOO_LARGE', false))).toEqual({
      kind: 'too-large',
      errorType: 'message_too_large',
    });
    expect(classifyDeadLetterSendFailure(nonRetriable(protocolError('TOPIC_AUTHORIZATION_FAILED', false)))).toEqual({
      kind: 'refused',
      errorType: 'topic_authorization_failed',
    });
    expect(classifyDeadLetterSendFailure(new RetriableConsumerError(protocolError('INVALID_RECORD', false))).kind).toBe(
      'refused',
    );
    expect(classifyDeadLetterSendFailure(nonRetriable(new TypeError('bad header')))).toMatchObject({ kind: 'refused' });
    const exhausted = Object.assign(new Error('retries'), {
      name: 'KafkaJSNumberOfRetriesExceeded',
      retriable: false,
      cause: protocolError('LEADER_NOT_AVAILABLE', true),
    });
    expect(classifyDeadLetterSendFailure(exhausted)).toEqual({ kind: 'transient', errorType: 'leader_not_available' });
    expect(
      classifyDeadLetterSendFailure(Object.assign(new Error('down'), { name: 'KafkaJSConnectionError' })).kind,
    ).toBe('transient');
    expect(classifyDeadLetterSendFailure(Object.assign(new Error('x'), { code: 'ECHAOS' })).kind).toBe('transient');
  });
});

describe("Nest's KafkaRequestSerializer (what ClientKafka.emit does to a record)", () => {
  it('passes Buffer keys and values, a null value and the headers object through untouched', () => {
    const key = Buffer.from([0xff, 0xfe, 0x6b, 0x80]);
    const value = Buffer.from([0x7b, 0xff]);
    const headers = { traceparent: null, dup: [Buffer.from([0x80]), null] };
    const serialized = new KafkaRequestSerializer().serialize({ key, value, headers }) as Record<string, unknown>;
    expect(serialized.key).toBe(key);
    expect(serialized.value).toBe(value);
    expect(serialized.headers).toBe(headers);
    expect(new KafkaRequestSerializer().serialize({ key: null, value: null, headers })).toMatchObject({
      key: null,
      value: null,
    });
  });
});

describe('DeadLetterer', () => {
  const registry = createMetricsRegistry({ service: 'test', defaultMetrics: false });
  const metrics = kafkaMetrics(registry);
  const logger = createLogger({ service: 'test', level: 'silent' });
  const counter = async (name: string, labels: Record<string, string>) =>
    (await registry.getSingleMetric(name)!.get()).values.find((v) =>
      Object.entries(labels).every(([k, l]) => v.labels[k] === l),
    )?.value ?? 0;

  /** A publisher that fails with the given errors in turn, then sends. */
  function publisher(...failures: Error[]) {
    const sent: OutgoingRecord[] = [];
    const fake = {
      send: async (_topic: string, records: OutgoingRecord[]) => {
        const failure = failures.shift();
        if (failure) throw failure;
        sent.push(records[0]!);
      },
    } as unknown as EventPublisher;
    return { fake, sent };
  }

  function dead(letterer: DeadLetterer, value: Buffer, key: Buffer | null = Buffer.from([0xff, 0xfe, 0x6b, 0x80])) {
    let heartbeats = 0;
    const result = letterer.deadLetter({
      topic: 'p.jeeves.messages.v1',
      partition: 2,
      message: {
        key,
        value,
        offset: '41',
        headers: { traceparent: null, dup: [Buffer.from('a'), Buffer.from([0x80])] },
      },
      reason: 'invalid-json',
      error: new SyntaxError('Unexpected token'),
      attempts: 1,
      heartbeat: async () => void heartbeats++,
    });
    return { result, heartbeats: () => heartbeats };
  }

  const letterer = (fake: EventPublisher, maxMessageBytes = 1_048_588) => {
    const l = new DeadLetterer({
      publisher: fake,
      metrics,
      logger,
      dlqTopic: 'p.jeeves.dlq.v1',
      consumerGroup: 'p.jeeves-bot',
      backoff: { baseDelayMs: 1, maxDelayMs: 1 },
    });
    l.setMaxMessageBytes(maxMessageBytes);
    return l;
  };

  it('sends the key, value and every header byte for byte, null and repeated ones included, then ours', async () => {
    const { fake, sent } = publisher();
    const value = Buffer.from([0x7b, 0xff, 0x00]);
    await expect(dead(letterer(fake), value).result).resolves.toBe('dead_lettered');
    const [record] = sent;
    expect(record!.key).toEqual(Buffer.from([0xff, 0xfe, 0x6b, 0x80]));
    expect(record!.value).toBe(value);
    const entries = headerEntries(record!.headers as never);
    expect(entries.slice(0, 3)).toEqual([
      ['traceparent', null],
      ['dup', Buffer.from('a')],
      ['dup', Buffer.from([0x80])],
    ]);
    expect(lastHeaderText(record!.headers as never, DLQ_HEADERS.sourceOffset)).toBe('41');
    expect(lastHeaderText(record!.headers as never, DLQ_HEADERS.truncated)).toBeUndefined();
  });

  it('cuts a copy that cannot fit and counts it; a pointer when the broker still says too large', async () => {
    const before = await counter('jeeves_kafka_dead_letters_truncated_total', { truncation: 'record' });
    const { fake, sent } = publisher(protocolError('MESSAGE_TOO_LARGE', false));
    await expect(dead(letterer(fake, 4000), Buffer.alloc(5000, 0x61)).result).resolves.toBe('dead_lettered');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.value).toBeNull();
    expect(lastHeaderText(sent[0]!.headers as never, DLQ_HEADERS.truncated)).toBe('record');
    expect(lastHeaderText(sent[0]!.headers as never, DLQ_HEADERS.originalValueBytes)).toBe('5000');
    expect((await counter('jeeves_kafka_dead_letters_truncated_total', { truncation: 'record' })) - before).toBe(1);
  });

  it('gives up on a DLQ that refuses for good after bounded attempts: logged, counted, skipped', async () => {
    const auth = () => nonRetriable(protocolError('TOPIC_AUTHORIZATION_FAILED', false));
    const { fake, sent } = publisher(auth(), auth(), auth(), auth());
    const labels = { source_topic: 'jeeves.messages.v1', error_type: 'topic_authorization_failed' };
    const before = await counter('jeeves_kafka_dead_letter_failures_total', labels);
    const run = dead(letterer(fake), Buffer.from('x'));
    await expect(run.result).resolves.toBe('dropped');
    expect(sent).toHaveLength(0);
    expect(run.heartbeats()).toBe(2);
    expect((await counter('jeeves_kafka_dead_letter_failures_total', labels)) - before).toBe(1);
  });

  it('throws a transient failure back, so the record comes again', async () => {
    const down = Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError' });
    const { fake } = publisher(down);
    await expect(dead(letterer(fake), Buffer.from('x')).result).rejects.toBe(down);
  });
});
