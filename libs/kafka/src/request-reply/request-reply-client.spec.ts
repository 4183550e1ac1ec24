import type { WritePacket } from '@nestjs/microservices';
import type { EachMessagePayload, Message } from 'kafkajs';
import { READ_TOPICS } from '#libs/contracts';
import { createLogger, createMetricsRegistry, type MetricsRegistry } from '#libs/observability';
import { RequestReplyClient, RequestReplyClientKafka } from './request-reply-client';
import { requestReplyMetrics } from './request-reply-metrics';

const TOPIC = READ_TOPICS.message;
const PREFIX = 't1';
const REQUEST_TOPIC = `${PREFIX}.${TOPIC}`;
const REPLY_TOPIC = `${REQUEST_TOPIC}.reply`;

interface SentRecord {
  topic: string;
  messages: { value: string; headers: Record<string, string> }[];
}

/** Nest's client with a fake producer and a consumer that never connects; replies are fed by hand. */
class FakeBrokerClientKafka extends RequestReplyClientKafka {
  readonly sent: SentRecord[] = [];
  failSends = false;

  override async connect(): Promise<never> {
    this._producer = {
      send: async (record: SentRecord) => {
        if (this.failSends) throw new Error('broker down');
        this.sent.push(record);
        return [];
      },
    } as never;
    return this._producer as never;
  }

  assign(partition: number | undefined): void {
    this.consumerAssignments = partition === undefined ? {} : { [REPLY_TOPIC]: partition };
  }

  /** Delivers a record to the reply consumer, as kafkajs would. */
  async deliver(headers: Message['headers'], value: string | null): Promise<void> {
    const message = { key: null, value: value === null ? null : Buffer.from(value), headers, offset: '0' };
    await this.createResponseCallback()({
      topic: REPLY_TOPIC,
      partition: 0,
      message,
      heartbeat: async () => undefined,
      pause: () => () => undefined,
    } as unknown as EachMessagePayload);
  }

  /** The reply Nest's ServerKafka would send to the last request: correlation id and is-disposed headers. */
  async answerLast(value: unknown, index = this.sent.length - 1): Promise<void> {
    const id = this.sent[index]!.messages[0]!.headers.kafka_correlationId!;
    await this.deliver(
      { kafka_correlationId: Buffer.from(id), 'kafka_nest-is-disposed': Buffer.alloc(1) },
      JSON.stringify(value),
    );
  }
}

function setup(registry: MetricsRegistry = createMetricsRegistry({ service: 'test', defaultMetrics: false })) {
  let fake: FakeBrokerClientKafka | undefined;
  const client = new RequestReplyClient({
    client: { clientId: 'gateway-1', brokers: ['127.0.0.1:9'] },
    groupId: `${PREFIX}.jeeves-gateway-replies`,
    topicPrefix: PREFIX,
    topics: [TOPIC],
    metrics: requestReplyMetrics(registry),
    logger: createLogger({ service: 'test', level: 'silent' }),
    createClient: (...args) => (fake = new FakeBrokerClientKafka(...args)),
  });
  fake!.assign(3);
  return { client, fake: fake!, registry };
}

async function metric(registry: MetricsRegistry, name: string, labels: Record<string, string> = { topic: TOPIC }) {
  // A histogram's series are listed under its base name, each with its own metricName (`_count`, …).
  const values = (await registry.getMetricsAsJSON()).flatMap((m) =>
    (m.values as { value: number; labels: Record<string, string | number>; metricName?: string }[]).filter(
      (v) => (v.metricName ?? m.name) === name,
    ),
  );
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('RequestReplyClient', () => {
  it('sends to the prefixed topic with Nest’s reply headers and resolves with the decoded reply', async () => {
    const { client, fake, registry } = setup();
    const pending = client.request(TOPIC, { id: 'x' }, 1000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]!.topic).toBe(REQUEST_TOPIC);
    expect(fake.sent[0]!.messages[0]!.headers).toMatchObject({
      kafka_replyTopic: REPLY_TOPIC,
      kafka_replyPartition: '3',
    });
    await fake.answerLast({ outcome: 'not-found' });
    await expect(pending).resolves.toEqual({ outcome: 'not-found' });
    expect(await metric(registry, 'jeeves_kafka_requests_in_flight')).toBe(0);
    expect(
      await metric(registry, 'jeeves_kafka_request_duration_seconds_count', { topic: TOPIC, outcome: 'replied' }),
    ).toBe(1);
  });

  it('gives up at the deadline with ETIMEDOUT, and counts the reply that comes afterwards as late', async () => {
    const { client, fake, registry } = setup();
    const started = Date.now();
    await expect(client.request(TOPIC, { id: 'x' }, 50)).rejects.toMatchObject({
      name: 'RequestReplyError',
      code: 'ETIMEDOUT',
    });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await metric(registry, 'jeeves_kafka_request_timeouts_total')).toBe(1);
    expect(
      await metric(registry, 'jeeves_kafka_request_duration_seconds_count', { topic: TOPIC, outcome: 'timeout' }),
    ).toBe(1);
    expect(await metric(registry, 'jeeves_kafka_requests_in_flight')).toBe(0);
    await fake.answerLast({ outcome: 'not-found' });
    expect(await metric(registry, 'jeeves_kafka_late_replies_total')).toBe(1);
    // The same reply again (a redelivery) is no longer anyone's: stray.
    await fake.answerLast({ outcome: 'not-found' });
    expect(await metric(registry, 'jeeves_kafka_late_replies_total')).toBe(1);
    expect(await metric(registry, 'jeeves_kafka_stray_replies_total')).toBe(1);
  });

  it('counts a reply to an id it never sent as stray, and ignores a bare end-of-stream record', async () => {
    const { fake, registry } = setup();
    await fake.deliver({ kafka_correlationId: Buffer.from('someone-else') }, '{"outcome":"not-found"}');
    expect(await metric(registry, 'jeeves_kafka_stray_replies_total')).toBe(1);
    await fake.deliver({ kafka_correlationId: Buffer.from('other'), 'kafka_nest-is-disposed': Buffer.alloc(1) }, null);
    expect(await metric(registry, 'jeeves_kafka_stray_replies_total')).toBe(1);
    expect(await metric(registry, 'jeeves_kafka_late_replies_total')).toBe(0);
  });

  it('sets aside a reply record whose correlation id header has no value (kcat -H name), so the reply partition keeps moving', async () => {
    const { client, fake } = setup();
    // kafkajs hands a header sent without a value to the consumer as null; Nest's own reply
    // deserializer calls toString() on it, and a throw from eachMessage stops the partition for good.
    await expect(
      fake.deliver({ kafka_correlationId: null as unknown as Buffer }, '{"outcome":"not-found"}'),
    ).resolves.toBeUndefined();
    await expect(
      fake.deliver({ kafka_correlationId: [null, null] as unknown as Buffer }, '{"outcome":"not-found"}'),
    ).resolves.toBeUndefined();
    // The next reply on that partition still reaches its caller.
    const pending = client.request(TOPIC, { id: 'x' }, 1000);
    await new Promise((resolve) => setImmediate(resolve));
    await fake.answerLast({ outcome: 'not-found' });
    await expect(pending).resolves.toEqual({ outcome: 'not-found' });
  });

  it('an answered request is neither late nor stray', async () => {
    const { client, fake, registry } = setup();
    const pending = client.request(TOPIC, { id: 'x' }, 1000);
    await new Promise((resolve) => setImmediate(resolve));
    await fake.answerLast({ outcome: 'not-found' });
    await pending;
    expect(await metric(registry, 'jeeves_kafka_late_replies_total')).toBe(0);
  });

  it('fails at once with ENOREPLYPARTITION while it owns no reply partition, without sending', async () => {
    const { client, fake } = setup();
    fake.assign(undefined);
    await expect(client.request(TOPIC, { id: 'x' }, 1000)).rejects.toMatchObject({ code: 'ENOREPLYPARTITION' });
    expect(fake.sent).toHaveLength(0);
    expect(client.isReady()).toBe(false);
  });

  it('reports a failed produce as ESEND and a responder error header as EREMOTE', async () => {
    const { client, fake } = setup();
    fake.failSends = true;
    await expect(client.request(TOPIC, { id: 'x' }, 1000)).rejects.toMatchObject({ code: 'ESEND' });
    fake.failSends = false;
    const pending = client.request(TOPIC, { id: 'y' }, 1000);
    await new Promise((resolve) => setImmediate(resolve));
    const id = fake.sent[0]!.messages[0]!.headers.kafka_correlationId!;
    await fake.deliver({ kafka_correlationId: Buffer.from(id), 'kafka_nest-err': Buffer.from('"boom"') }, null);
    await expect(pending).rejects.toMatchObject({ code: 'EREMOTE' });
  });

  it('forgets given-up ids past its bound, so a reply to a forgotten one is stray', async () => {
    const registry = createMetricsRegistry({ service: 'test', defaultMetrics: false });
    let fake: FakeBrokerClientKafka | undefined;
    const client = new RequestReplyClient({
      client: { clientId: 'gateway-1', brokers: ['127.0.0.1:9'] },
      groupId: 'g',
      topicPrefix: PREFIX,
      topics: [TOPIC],
      metrics: requestReplyMetrics(registry),
      logger: createLogger({ service: 'test', level: 'silent' }),
      memory: { maxIds: 1, ttlMs: 60_000 },
      createClient: (...args) => (fake = new FakeBrokerClientKafka(...args)),
    });
    fake!.assign(0);
    await expect(client.request(TOPIC, { id: 'a' }, 20)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await expect(client.request(TOPIC, { id: 'b' }, 20)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await fake!.answerLast({ outcome: 'not-found' }, 0);
    await fake!.answerLast({ outcome: 'not-found' }, 1);
    expect(await metric(registry, 'jeeves_kafka_stray_replies_total')).toBe(1);
    expect(await metric(registry, 'jeeves_kafka_late_replies_total')).toBe(1);
  });
});

// Keeps the WritePacket import honest: the fake answers in Nest's own packet shape.
export type { WritePacket };
