import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { lab, waitFor } from './support/lab';

/**
 * Kafka 4 dropped old protocol versions (KIP-896). kafkajs 2.2.4 is unmaintained, so this proves the
 * client still does what the services need against the lab's broker: create a topic, produce with
 * keys, consume in a group, commit manually (offset + 1), and resume from the commit in a new member.
 */
describe('kafkajs 2.2.4 against the lab Kafka 4 broker', () => {
  const topic = `${lab().topicPrefix}.kafkajs-probe`;
  const groupId = `${lab().topicPrefix}.kafkajs-probe-group`;
  const kafka = new Kafka({ clientId: 'kafkajs-probe', brokers: lab().brokers.split(','), logLevel: logLevel.NOTHING });
  let admin: Admin;
  let producer: Producer;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect()));
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('sees the broker and the run-scoped contract topics', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.length).toBeGreaterThanOrEqual(1);
    const topics = await admin.listTopics();
    expect(topics).toEqual(expect.arrayContaining([topic, `${lab().topicPrefix}.jeeves.messages.v1`]));
  });

  it('produces keyed messages, consumes them in a group and commits offset + 1', async () => {
    const sent = Array.from({ length: 12 }, (_, i) => ({
      key: `user-${i % 4}`,
      value: JSON.stringify({ n: i }),
      headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
    }));
    const acks = await producer.send({ topic, messages: sent, acks: -1 });
    expect(acks.every((a) => a.errorCode === 0)).toBe(true);

    const received: Array<{ key: string; n: number; traceparent: string }> = [];
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic: t, partition, message }) => {
        received.push({
          key: message.key?.toString() ?? '',
          n: (JSON.parse(message.value?.toString() ?? '{}') as { n: number }).n,
          traceparent: message.headers?.traceparent?.toString() ?? '',
        });
        await consumer.commitOffsets([{ topic: t, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      },
    });
    await waitFor(() => received.length >= sent.length, { timeoutMs: 60_000, what: 'all 12 messages to be consumed' });
    expect(received.map((r) => r.n).sort((a, b) => a - b)).toEqual(sent.map((_, i) => i));
    expect(received.every((r) => r.traceparent.startsWith('00-'))).toBe(true);
    // Keys keep per-user order: within one key the numbers only grow.
    for (const key of new Set(received.map((r) => r.key))) {
      const ns = received.filter((r) => r.key === key).map((r) => r.n);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
    }

    // Every partition's committed offset reaches its end offset (a partition no key hashed to has
    // no commit: -1, and an end offset of 0).
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
    await waitFor(
      async () => {
        const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return partitions.every((p) => (p.offset === '-1' ? '0' : p.offset) === ends.get(p.partition));
      },
      { timeoutMs: 30_000, what: 'committed offsets to reach the end of every partition' },
    );
    await consumer.disconnect();
    consumers.splice(consumers.indexOf(consumer), 1);
  });

  it('lets a new group member resume after the last commit', async () => {
    await producer.send({ topic, messages: [{ key: 'user-9', value: JSON.stringify({ n: 100 }) }] });
    const received: number[] = [];
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) =>
        void received.push((JSON.parse(message.value?.toString() ?? '{}') as { n: number }).n),
    });
    await waitFor(() => received.includes(100), { timeoutMs: 60_000, what: 'the message produced after the commit' });
    // Nothing before the commit comes back: the group resumed where it left off.
    expect(received).toEqual([100]);
    const group = await admin.describeGroups([groupId]);
    expect(group.groups[0].state).toBe('Stable');
  });
});
