import { type ICustomPartitioner, type Message, Partitioners, type RecordMetadata } from 'kafkajs';

/**
 * The partition kafkajs put each message object in, by topic, as the sticky partitioner chose it
 * (kafkajs's sendBatch may carry the same object to several topics).
 */
const chosen = new WeakMap<Message, Map<string, number>>();

/**
 * kafkajs's default partitioner (murmur2 of the key, as Java's; round-robin over partitions with a
 * leader for a keyless record), made sticky: a message object keeps the partition it was first given
 * when kafkajs partitions it again on a retry, and `partitionOf` tells which one it was. For the
 * produce check of ADR 0041 (`unsentMessages`): with a round-robin retry a keyless record could
 * move to a partition whose request had already been answered, and its absence would not show.
 * It cannot tell a retry from a later send: give each send fresh message objects (the coalescer
 * does), or a keyed record sent again after its topic grew keeps its old partition.
 */
export const createStickyPartitioner: ICustomPartitioner = () => {
  const partition = Partitioners.DefaultPartitioner();
  return (args) => {
    let byTopic = chosen.get(args.message);
    const kept = byTopic?.get(args.topic);
    if (kept !== undefined && kept < args.partitionMetadata.length) return kept;
    const next = partition(args);
    if (!byTopic) chosen.set(args.message, (byTopic = new Map()));
    byTopic.set(args.topic, next);
    return next;
  };
};

/** The partition of `topic` the sticky partitioner gave `message`; undefined if it never partitioned it there. */
export function partitionOf(message: Message, topic: string): number | undefined {
  return chosen.get(message)?.get(topic);
}

/**
 * The messages of `topicMessages` whose partition is missing from `written` (kafkajs `sendBatch`'s
 * resolved value: one entry per partition a Produce request carried and the broker answered).
 *
 * kafkajs 2.2.4 keeps each broker's answer across a send's retries and sends again only to brokers
 * without one. When a broker dies and the controller moves its partitions to a broker that answered
 * for its own partitions in an earlier attempt, those records are sent to nobody, and `sendBatch`
 * resolves as if they had been written (tulios/kafkajs#1798 describes the same shared map). Their
 * partitions are then absent from the answer: that is what this finds. Messages never given a
 * partition by the sticky partitioner (another partitioner, a fake) are not judged.
 */
export function unsentMessages(
  topicMessages: readonly { topic: string; messages: readonly Message[] }[],
  written: readonly RecordMetadata[],
): { topic: string; messages: Message[] }[] {
  const answered = new Set(written.map((w) => `${w.topicName}\u0000${w.partition}`));
  const unsent: { topic: string; messages: Message[] }[] = [];
  for (const { topic, messages } of topicMessages) {
    const missing = messages.filter((message) => {
      const partition = partitionOf(message, topic);
      return partition !== undefined && !answered.has(`${topic}\u0000${partition}`);
    });
    if (missing.length > 0) unsent.push({ topic, messages: missing });
  }
  return unsent;
}
