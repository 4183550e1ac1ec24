import { randomUUID } from 'node:crypto';
import type { IHeaders, Producer } from 'kafkajs';
import { READ_TOPIC_PARTITIONS, READ_TOPICS, replyTopicOf } from '#libs/contracts';
import { fixKafkajsHeaders } from '#libs/kafka';
import { connectedProducer, kafka, postMessage, storedMessagesOf, uniqueUser } from './pipeline-helpers';
import { waitPipelineSettled } from './resilience-helpers';
import { lab, waitFor } from './support/lab';
import {
  DATA_SERVICE_TIMEOUT_MS,
  readThrough as get,
  type OtherModeGateway,
  startOtherReadModeGateway,
} from './support/other-read-mode-gateway';

// Some records below carry a header without a value, which kafkajs cannot encode as shipped.
fixKafkajsHeaders();

/**
 * Reads over Kafka request-reply (ADR 0042) against the real broker: records on the read topics
 * that Nest's request-reply code was never meant to see — on the reply topics a correlation id
 * header without a value, on the request topics no correlation id, no reply topic, a reply
 * partition or topic that does not exist, a value that is not JSON — stop no partition of either
 * group; and a user's page that would be larger than one Kafka record is cut and paged on, as over HTTP.
 */
describe('gateway reads over Kafka: odd records and big pages stall nothing', () => {
  let other: OtherModeGateway;
  let producer: Producer;
  const overKafka = () => other.urls.kafka;
  const prefixed = (topic: string) => `${lab().topicPrefix ? `${lab().topicPrefix}.` : ''}${topic}`;

  beforeAll(async () => {
    other = await startOtherReadModeGateway();
    producer = await connectedProducer(kafka(`odd-reads-${randomUUID().slice(0, 8)}`));
  }, 180_000);

  afterAll(async () => {
    await producer?.disconnect();
    await other?.stop();
    await waitPipelineSettled();
  }, 180_000);

  /** Reads through the Kafka gateway answer 404 for unknown ids, each within the read timeout. */
  async function readsStillAnswer(): Promise<void> {
    for (let i = 0; i < 6; i++) {
      const answer = await get(overKafka(), `/v1/messages/${randomUUID()}`);
      expect({ status: answer.status, slow: answer.tookMs >= DATA_SERVICE_TIMEOUT_MS + 1000 }).toEqual({
        status: 404,
        slow: false,
      });
    }
  }

  it('a reply record whose correlation id header has no value, on every reply partition, leaves reads answering', async () => {
    await readsStillAnswer();
    for (const topic of Object.values(READ_TOPICS))
      await producer.send({
        topic: prefixed(replyTopicOf(topic)),
        acks: -1,
        messages: Array.from({ length: READ_TOPIC_PARTITIONS }, (_, partition) => ({
          partition,
          value: '{"outcome":"not-found"}',
          headers: { kafka_correlationId: null } as unknown as IHeaders,
        })),
      });
    await readsStillAnswer();
  }, 120_000);

  it('requests without a reply address, with one that does not exist, or not JSON, leave the responder answering', async () => {
    const topic = prefixed(READ_TOPICS.message);
    const replyTopic = prefixed(replyTopicOf(READ_TOPICS.message));
    const read = JSON.stringify({ id: randomUUID(), clientId: 'jeeves-demo' });
    const odd: Array<{ value: string | null; headers: Record<string, string | null> }> = [
      { value: read, headers: {} },
      { value: 'not json {', headers: { kafka_correlationId: randomUUID(), kafka_replyTopic: replyTopic } },
      { value: null, headers: { kafka_correlationId: randomUUID(), kafka_replyTopic: replyTopic } },
      { value: read, headers: { kafka_correlationId: null, kafka_replyTopic: replyTopic, kafka_replyPartition: '0' } },
      { value: read, headers: { kafka_correlationId: randomUUID(), kafka_replyTopic: null } },
      {
        value: read,
        headers: { kafka_correlationId: randomUUID(), kafka_replyTopic: replyTopic, kafka_replyPartition: '99' },
      },
      {
        value: read,
        headers: { kafka_correlationId: randomUUID(), kafka_replyTopic: replyTopic, kafka_replyPartition: 'x' },
      },
      {
        value: read,
        headers: { kafka_correlationId: randomUUID(), kafka_replyTopic: prefixed('jeeves.nowhere.reply') },
      },
    ];
    await producer.send({
      topic,
      acks: -1,
      // Every odd record on every partition: whichever the responders own, each meets all of them.
      messages: Array.from({ length: READ_TOPIC_PARTITIONS }, (_, partition) =>
        odd.map((record) => ({ partition, value: record.value, headers: record.headers as unknown as IHeaders })),
      ).flat(),
    });
    // While kafkajs retried a reply to a topic that does not exist, a reply to a topic its
    // producer had not sent to yet failed too: the first page read after those records got 503.
    const page = await get(overKafka(), `/v1/users/${uniqueUser('after-odd')}/messages?limit=5`);
    expect({ status: page.status, body: page.body }).toEqual({ status: 200, body: { items: [], nextBefore: null } });
    await readsStillAnswer();
    // data-service stayed up and ready through them.
    const ready = await fetch(`${lab().urls['data-service']}/health/ready`, { signal: AbortSignal.timeout(10_000) });
    expect(ready.status).toBe(200);
  }, 120_000);

  it('a page larger than one Kafka record is cut at an acceptance instant, and paging on returns every message', async () => {
    const user = uniqueUser('big-page');
    // 2000 U+0001 is 12 000 bytes of JSON (`\u0001` each): 100 of them pass Kafka's 1 MiB limit.
    const text = '\u0001'.repeat(2000);
    const ids = new Set<string>();
    for (let i = 0; i < 100; i++) ids.add((await postMessage(user, text)).id);
    await waitFor(async () => (await storedMessagesOf(user)).length === 100, {
      timeoutMs: 120_000,
      intervalMs: 1000,
      what: `data-service to store the 100 messages of ${user}`,
    });
    const seen: string[] = [];
    let path = `/v1/users/${user}/messages?limit=100`;
    for (let pages = 0; pages < 10; pages++) {
      const answer = await get(overKafka(), path);
      expect(answer.status).toBe(200);
      const page = answer.body as { items: Array<{ id: string }>; nextBefore: string | null };
      seen.push(...page.items.map((m) => m.id));
      if (page.nextBefore === null) break;
      path = `/v1/users/${user}/messages?limit=100&before=${encodeURIComponent(page.nextBefore)}`;
    }
    expect(seen.length).toBe(100);
    expect(new Set(seen)).toEqual(ids);
  }, 300_000);
});
