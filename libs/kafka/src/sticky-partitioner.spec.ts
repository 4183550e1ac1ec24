import { type Message, type PartitionerArgs, Partitioners, type RecordMetadata } from 'kafkajs';
import { PRODUCE_COALESCING } from './connection';
import { ProduceCoalescer, UnsentRecordsError } from './produce-coalescer';
import { createStickyPartitioner, partitionOf, unsentMessages } from './sticky-partitioner';

// kafkajs's own send loop (the code behind Producer.sendBatch) and retrier, driven against fake
// brokers: what happens to a send when a dead broker's partitions move to a broker that answered.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const createSendMessages = require('kafkajs/src/producer/sendMessages') as (deps: unknown) => SendMessages;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const createRetry = require('kafkajs/src/retry') as (options: unknown) => unknown;

type SendMessages = (request: {
  acks: number;
  topicMessages: { topic: string; messages: Message[] }[];
}) => Promise<RecordMetadata[]>;

const TOPIC = 'jeeves.messages.v1';

/** The lab's coalescing, acks=all. */
const options = { ...PRODUCE_COALESCING, acks: -1 };

/** Partition metadata of a three-partition topic whose partitions are all led by `leader`. */
function threePartitionsLedBy(leader: number): PartitionerArgs['partitionMetadata'] {
  return [0, 1, 2].map((partitionId) => ({ partitionId, leader, replicas: [], isr: [], partitionErrorCode: 0 }));
}

/**
 * Three brokers, partition p led by broker p + 1. Broker 1 is dead (connection refused); the first
 * metadata refresh after a failure is the controller fencing it: partition 0 moves to broker 2.
 */
function failoverCluster() {
  const leaders = new Map([
    [0, 1],
    [1, 2],
    [2, 3],
  ]);
  const produced: { broker: number; partitions: number[] }[] = [];
  const broker = (nodeId: number) => ({
    nodeId,
    produce: async (request: { topicData: { topic: string; partitions: { partition: number }[] }[] }) => {
      const partitions = request.topicData.flatMap((t) => t.partitions.map((p) => p.partition));
      if (nodeId === 1) {
        const error = new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
        error.name = 'KafkaJSConnectionError';
        throw error;
      }
      produced.push({ broker: nodeId, partitions });
      return {
        topics: request.topicData.map((t) => ({
          topicName: t.topic,
          partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: 0, baseOffset: '0' })),
        })),
      };
    },
  });
  const brokers = new Map([1, 2, 3].map((id) => [id, broker(id)]));
  const cluster = {
    refreshMetadataIfNecessary: async () => undefined,
    refreshMetadata: async () => void leaders.set(0, 2),
    addMultipleTargetTopics: async () => undefined,
    isConnected: () => true,
    removeBroker: () => undefined,
    findTopicPartitionMetadata: () =>
      [...leaders].map(([partitionId, leader]) => ({ partitionId, leader, replicas: [1, 2, 3], isr: [1, 2, 3] })),
    findLeaderForPartitions: (_topic: string, partitions: string[]) => {
      const byLeader: Record<number, number[]> = {};
      for (const p of partitions.map(Number)) (byLeader[leaders.get(p)!] ??= []).push(p);
      return byLeader;
    },
    // kafkajs passes the node ids as it found them: object keys, strings.
    findBroker: async ({ nodeId }: { nodeId: number | string }) => brokers.get(Number(nodeId)),
  };
  const eosManager = {
    isTransactional: () => false,
    acquireBrokerLock: async () => undefined,
    releaseBrokerLock: async () => undefined,
    getSequence: () => 0,
    updateSequence: () => undefined,
    getProducerId: () => -1,
    getProducerEpoch: () => 0,
    getTransactionalId: () => undefined,
  };
  const logger = { error: () => undefined, debug: () => undefined, warn: () => undefined, info: () => undefined };
  const sendMessages = createSendMessages({
    logger,
    cluster,
    partitioner: createStickyPartitioner(),
    eosManager,
    retrier: createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 2 }),
  });
  return { sendMessages, produced };
}

/** One record per partition: keys whose murmur2 hash lands on partitions 0, 1 and 2 of three. */
function onePerPartition(): Message[] {
  const partitioner = createStickyPartitioner();
  const metadata = threePartitionsLedBy(1);
  const messages: Message[] = [];
  for (let i = 0; messages.length < 3; i++) {
    const candidate = { key: `message-${i}`, value: 'v' };
    const partition = partitioner({ topic: TOPIC, partitionMetadata: metadata, message: candidate });
    if (!messages.some((m) => partitionOf(m, TOPIC) === partition)) messages.push(candidate);
  }
  return messages.sort((a, b) => partitionOf(a, TOPIC)! - partitionOf(b, TOPIC)!);
}

describe('createStickyPartitioner', () => {
  const metadata: PartitionerArgs['partitionMetadata'] = [0, 1, 2, 3].map((partitionId) => ({
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
    partitionErrorCode: 0,
  }));

  it('gives a keyless record the same partition each time kafkajs partitions it again (a retry)', () => {
    const partition = createStickyPartitioner();
    const message = { value: 'keyless' };
    const first = partition({ topic: TOPIC, partitionMetadata: metadata, message });
    // The round-robin would move on: other records in between, then the same object again.
    for (let i = 0; i < 5; i++) partition({ topic: TOPIC, partitionMetadata: metadata, message: { value: `${i}` } });
    expect(partition({ topic: TOPIC, partitionMetadata: metadata, message })).toBe(first);
    expect(partitionOf(message, TOPIC)).toBe(first);
  });

  it("puts a keyed record where kafkajs's default partitioner does (murmur2, as Java's)", () => {
    const sticky = createStickyPartitioner();
    const plain = Partitioners.DefaultPartitioner();
    for (let i = 0; i < 50; i++) {
      const message = { key: `key-${i}`, value: 'v' };
      expect(sticky({ topic: TOPIC, partitionMetadata: metadata, message })).toBe(
        plain({ topic: TOPIC, partitionMetadata: metadata, message: { ...message } }),
      );
    }
  });

  it('keeps a partition per topic for a message object sent to two topics (kafkajs sendBatch allows it)', () => {
    const partition = createStickyPartitioner();
    const plain = Partitioners.DefaultPartitioner();
    const wide = Array.from({ length: 12 }, (_, partitionId) => ({ ...metadata[0]!, partitionId }));
    // A key whose partition of 12 is not its partition of 4.
    let message: Message = { key: 'k-0', value: 'v' };
    for (let i = 1; ; i++) {
      const of12 = plain({ topic: 'a', partitionMetadata: wide, message });
      if (of12 !== plain({ topic: 'b', partitionMetadata: metadata, message })) break;
      message = { key: `k-${i}`, value: 'v' };
    }
    const inA = partition({ topic: 'a', partitionMetadata: wide, message });
    const inB = partition({ topic: 'b', partitionMetadata: metadata, message });
    // A retry of the same sendBatch partitions it for both topics again.
    expect(partition({ topic: 'a', partitionMetadata: wide, message })).toBe(inA);
    expect(partition({ topic: 'b', partitionMetadata: metadata, message })).toBe(inB);
    // Both answered: nothing left out.
    const answered = [
      { topicName: 'a', partition: inA, errorCode: 0 },
      { topicName: 'b', partition: inB, errorCode: 0 },
    ] as RecordMetadata[];
    expect(
      unsentMessages(
        [
          { topic: 'a', messages: [message] },
          { topic: 'b', messages: [message] },
        ],
        answered,
      ),
    ).toEqual([]);
  });

  it('partitions again a record whose partition no longer exists', () => {
    const partition = createStickyPartitioner();
    const message = { value: 'keyless' };
    partition({ topic: TOPIC, partitionMetadata: metadata, message });
    expect(partition({ topic: TOPIC, partitionMetadata: metadata.slice(0, 1), message })).toBe(0);
  });
});

describe('kafkajs sendBatch across a leader move', () => {
  it('resolves without sending the records of a dead broker whose partitions moved to a broker that had answered', async () => {
    const { sendMessages, produced } = failoverCluster();
    const messages = onePerPartition();
    const topicMessages = [{ topic: TOPIC, messages }];
    const written = await sendMessages({ acks: -1, topicMessages });
    // Brokers 2 and 3 answered for partitions 1 and 2 in the first attempt; broker 1 refused. After
    // the refresh partition 0 is broker 2's, which had an answer, so nothing was sent again.
    expect(produced).toEqual([
      { broker: 2, partitions: [1] },
      { broker: 3, partitions: [2] },
    ]);
    expect(written.map((w) => w.partition).sort()).toEqual([1, 2]);
    expect(unsentMessages(topicMessages, written)).toEqual([{ topic: TOPIC, messages: [messages[0]] }]);
  });

  it('finds nothing left out when every partition was answered, and does not judge records it did not partition', () => {
    const messages = onePerPartition();
    const answered = [0, 1, 2].map((partition) => ({ topicName: TOPIC, partition, errorCode: 0 }) as RecordMetadata);
    expect(unsentMessages([{ topic: TOPIC, messages }], answered)).toEqual([]);
    expect(unsentMessages([{ topic: TOPIC, messages: [{ key: 'never-partitioned', value: 'v' }] }], [])).toEqual([]);
  });
});

describe('ProduceCoalescer across a leader move', () => {
  it('sends again what kafkajs left out, to the new leader, and resolves every caller', async () => {
    const { sendMessages, produced } = failoverCluster();
    const unsent: number[] = [];
    const coalescer = new ProduceCoalescer(() => ({ sendBatch: (batch) => sendMessages(batch as never) }), {
      ...options,
      onUnsent: (records) => unsent.push(records),
    });
    const keys = onePerPartition().map((m) => m.key as string);
    await Promise.all(keys.map((key) => coalescer.send(TOPIC, [{ key, value: 'v' }])));
    expect(unsent).toEqual([1]);
    // The resend is a send of its own: broker 2, now partition 0's leader, got it.
    expect(produced).toEqual([
      { broker: 2, partitions: [1] },
      { broker: 3, partitions: [2] },
      { broker: 2, partitions: [0] },
    ]);
  });

  it('rejects the callers whose records stay left out with UnsentRecordsError, and resolves the others', async () => {
    const keys = onePerPartition().map((m) => m.key as string);
    // A sender that never answers for partition 0, however often it is asked.
    const partition = createStickyPartitioner();
    const metadata = threePartitionsLedBy(2);
    const sendBatch = async (batch: { topicMessages?: { topic: string; messages: Message[] }[] }) =>
      (batch.topicMessages ?? []).flatMap(({ topic, messages }) =>
        messages
          .map((message) => partition({ topic, partitionMetadata: metadata, message }))
          .filter((p) => p !== 0)
          .map((p) => ({ topicName: topic, partition: p, errorCode: 0 }) as RecordMetadata),
      );
    const coalescer = new ProduceCoalescer(() => ({ sendBatch }), options);
    const outcomes = await Promise.allSettled(keys.map((key) => coalescer.send(TOPIC, [{ key, value: 'v' }])));
    expect(outcomes[0]).toMatchObject({ status: 'rejected', reason: expect.any(UnsentRecordsError) });
    expect(outcomes.slice(1).map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
  });
});

describe('ProduceCoalescer: a resend that fails', () => {
  it('rejects only the callers whose records it carried: the others were written (ADR 0041)', async () => {
    const keys = onePerPartition().map((m) => m.key as string);
    const partition = createStickyPartitioner();
    const metadata = threePartitionsLedBy(2);
    const refused = new Error('the new leader refused too');
    const batches: number[][] = [];
    // The first send answers for partitions 1 and 2 and leaves partition 0 out; the resend fails.
    const sendBatch = async (batch: { topicMessages?: { topic: string; messages: Message[] }[] }) => {
      const sent = (batch.topicMessages ?? []).flatMap(({ topic, messages }) =>
        messages.map((message) => ({ topic, partition: partition({ topic, partitionMetadata: metadata, message }) })),
      );
      batches.push(sent.map((s) => s.partition));
      if (batches.length > 1) throw refused;
      return sent
        .filter((s) => s.partition !== 0)
        .map((s) => ({ topicName: s.topic, partition: s.partition, errorCode: 0 }) as RecordMetadata);
    };
    const coalescer = new ProduceCoalescer(() => ({ sendBatch }), options);
    const outcomes = await Promise.allSettled(keys.map((key) => coalescer.send(TOPIC, [{ key, value: 'v' }])));
    expect(batches).toEqual([[0, 1, 2], [0]]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(outcomes[0]).toMatchObject({ reason: refused });
  });
});
