import type { Admin, Consumer, EachMessagePayload } from 'kafkajs';
import { DLQ_HEADERS, makeEnvelope, PAYLOAD_SCHEMAS, TOPICS } from '#libs/contracts';
import { createLogger, createMetricsRegistry } from '#libs/observability';
import { EventConsumer, type RawConsumedMessage } from './consumer';
import { kafkaMetrics } from './kafka-metrics';
import type { EventPublisher } from './publisher';

/** A kafkajs consumer that hands us its eachMessage instead of fetching. */
function fakeKafka() {
  let eachMessage: ((payload: EachMessagePayload) => Promise<void>) | undefined;
  const consumer = {
    events: { GROUP_JOIN: 'join', CRASH: 'crash', DISCONNECT: 'disconnect' },
    on: () => undefined,
    connect: async () => undefined,
    disconnect: async () => undefined,
    subscribe: async () => undefined,
    run: async (config: { eachMessage: (payload: EachMessagePayload) => Promise<void> }) => {
      eachMessage = config.eachMessage;
    },
  } as unknown as Consumer;
  const admin = { connect: async () => undefined, disconnect: async () => undefined } as unknown as Admin;
  const sent: { topic: string; headers: unknown }[] = [];
  const publisher = {
    send: async (topic: string, messages: { headers?: unknown }[]) =>
      void sent.push({ topic, headers: messages[0]?.headers }),
  } as unknown as EventPublisher;
  const deliver = (topic: string, value: string | null, offset = '0') =>
    eachMessage!({
      topic,
      partition: 0,
      message: {
        key: Buffer.from('alice'),
        value: value === null ? null : Buffer.from(value),
        offset,
        headers: { [DLQ_HEADERS.reason]: Buffer.from('invalid-json') },
      },
      heartbeat: async () => undefined,
      pause: () => () => undefined,
    } as unknown as EachMessagePayload);
  return { consumer, admin, publisher, sent, deliver };
}

describe('EventConsumer raw topics', () => {
  const registry = createMetricsRegistry({ service: 'test', defaultMetrics: false });
  const metrics = kafkaMetrics(registry);
  const logger = createLogger({ service: 'test', level: 'silent' });

  async function start(options: {
    rawHandler?: (message: RawConsumedMessage) => Promise<void>;
    dedupeWindow?: number;
    handler?: () => Promise<void>;
  }) {
    const kafka = fakeKafka();
    const consumer = new EventConsumer(
      kafka.consumer,
      kafka.admin,
      kafka.publisher,
      {
        groupId: 'g',
        topics: [TOPICS.replies, TOPICS.dlq],
        schemas: PAYLOAD_SCHEMAS,
        handler: options.handler ?? (async () => undefined),
        retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
        dedupeWindow: options.dedupeWindow,
        lagIntervalMs: 60_000,
        ...(options.rawHandler ? { raw: { topics: [TOPICS.dlq], handler: options.rawHandler } } : {}),
      },
      'p',
      metrics,
      logger,
    );
    await consumer.start();
    return { kafka, consumer };
  }

  it('hands raw topics over undecoded, headers and key included', async () => {
    const seen: RawConsumedMessage[] = [];
    const { kafka, consumer } = await start({ rawHandler: async (message) => void seen.push(message) });
    await kafka.deliver('p.jeeves.dlq.v1', 'not json at all');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ topic: TOPICS.dlq, key: 'alice', offset: '0' });
    expect(seen[0]!.value?.toString()).toBe('not json at all');
    expect(seen[0]!.headers[DLQ_HEADERS.reason]?.toString()).toBe('invalid-json');
    expect(kafka.sent).toEqual([]);
    await consumer.stop();
  });

  it('skips a raw message whose handler keeps failing, without dead-lettering it', async () => {
    let calls = 0;
    const { kafka, consumer } = await start({
      rawHandler: async () => {
        calls++;
        throw new Error('store down');
      },
    });
    await expect(kafka.deliver('p.jeeves.dlq.v1', '{}')).resolves.toBeUndefined();
    expect(calls).toBe(2);
    expect(kafka.sent).toEqual([]);
    const dropped = (await registry.getSingleMetric('jeeves_kafka_messages_consumed_total')!.get()).values.find(
      (v) => v.labels.outcome === 'dropped',
    );
    expect(dropped?.value).toBe(1);
    await consumer.stop();
  });

  it('never dead-letters a message read from the DLQ, even without a raw handler', async () => {
    const { kafka, consumer } = await start({});
    await kafka.deliver('p.jeeves.dlq.v1', 'garbage');
    expect(kafka.sent).toEqual([]);
    await kafka.deliver('p.jeeves.replies.v1', 'garbage');
    expect(kafka.sent.map((s) => s.topic)).toEqual(['p.jeeves.dlq.v1']);
    await consumer.stop();
  });

  it('passes every redelivery to the handler when the dedupe window is 0', async () => {
    let calls = 0;
    const { kafka, consumer } = await start({ dedupeWindow: 0, handler: async () => void calls++ });
    const envelope = JSON.stringify(
      makeEnvelope({
        type: 'reply.produced',
        correlationId: 'c',
        data: {
          messageId: '6f1c2a4e-8b1d-4c3e-9f00-0123456789ab',
          user: 'alice',
          intent: 'help',
          status: 'replied',
          text: 'hi',
          degraded: false,
        },
      }),
    );
    await kafka.deliver('p.jeeves.replies.v1', envelope, '1');
    await kafka.deliver('p.jeeves.replies.v1', envelope, '1');
    expect(calls).toBe(2);
    await consumer.stop();
  });
});
