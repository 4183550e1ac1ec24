import {
  READ_TOPIC_PARTITIONS,
  READ_TOPICS,
  type ReadGroup,
  type ReadTopicName,
  replyTopicOf,
  type ReplyTopicName,
} from './reads';

/** Kafka topics of the pipeline. Partition counts are explicit: auto-created topics get the broker default. */
export const TOPICS = {
  messages: 'jeeves.messages.v1',
  actions: 'jeeves.actions.v1',
  replies: 'jeeves.replies.v1',
  dlq: 'jeeves.dlq.v1',
} as const;

export type TopicKey = keyof typeof TOPICS;
export type TopicName = (typeof TOPICS)[TopicKey];

export interface TopicSpec {
  readonly name: ContractTopicName;
  /** Consumers scale up to this many instances per group. */
  readonly partitions: number;
}

/** Every topic the lab creates: the pipeline's, and the Kafka read path's requests and replies (ADR 0042). */
export const TOPIC_SPECS: readonly TopicSpec[] = [
  { name: TOPICS.messages, partitions: 6 },
  // Twice the others: the worker's handler waits on the provider, one record at a time per
  // partition, so its partitions bound its throughput (ADR 0008).
  { name: TOPICS.actions, partitions: 12 },
  { name: TOPICS.replies, partitions: 6 },
  { name: TOPICS.dlq, partitions: 3 },
  ...Object.values(READ_TOPICS).flatMap((topic) => [
    { name: topic, partitions: READ_TOPIC_PARTITIONS },
    { name: replyTopicOf(topic), partitions: READ_TOPIC_PARTITIONS },
  ]),
];

/** A topic of the contract: the pipeline's, or one of the read path's (ADR 0042). */
export type ContractTopicName = TopicName | ReadTopicName | ReplyTopicName;

/**
 * Resolves a contract topic name under an optional prefix, so that two labs (say, the test lab and a
 * developer's lab) can share one broker without reading each other's messages.
 */
export function topicName(base: ContractTopicName, prefix = ''): string {
  return prefix ? `${prefix}.${base}` : base;
}

/**
 * The contract topic a (possibly prefixed) topic name stands for, or null when it is none of ours:
 * `t123.jeeves.messages.v1` → `jeeves.messages.v1`.
 */
export function contractTopicOf(name: string): TopicName | null {
  for (const base of Object.values(TOPICS)) if (name === base || name.endsWith(`.${base}`)) return base;
  return null;
}

/** Consumer group of each consuming app; every instance of an app joins its app's group. */
export const CONSUMER_GROUPS = {
  bot: 'jeeves-bot',
  worker: 'jeeves-worker',
  dataService: 'jeeves-data-service',
} as const;

export type ConsumerGroup = (typeof CONSUMER_GROUPS)[keyof typeof CONSUMER_GROUPS];

/** Resolves a consumer group under the lab's topic prefix, as `topicName` does for topics. */
export function consumerGroupName(base: ConsumerGroup | ReadGroup, prefix = ''): string {
  return prefix ? `${prefix}.${base}` : base;
}

/**
 * Headers a dead letter carries, saying where it came from and why. They are appended after the
 * original record's headers (a name the original already had gets a second value: read the last).
 * The last three are set only on a copy cut to fit the DLQ's `max.message.bytes`.
 */
export const DLQ_HEADERS = {
  sourceTopic: 'x-dlq-source-topic',
  sourcePartition: 'x-dlq-source-partition',
  sourceOffset: 'x-dlq-source-offset',
  reason: 'x-dlq-reason',
  error: 'x-dlq-error',
  consumerGroup: 'x-dlq-consumer-group',
  attempts: 'x-dlq-attempts',
  deadLetteredAt: 'x-dlq-dead-lettered-at',
  /** `value`: the value is a prefix of the original's; `record`: key, value and original headers left out. */
  truncated: 'x-dlq-truncated',
  /** The original value's length in bytes. */
  originalValueBytes: 'x-dlq-original-value-bytes',
  /** The original record's size as the broker measured it (its record batch), in bytes. */
  originalRecordBytes: 'x-dlq-original-record-bytes',
} as const;

/**
 * Why a message was dead-lettered. `handler-error`: the handler threw an error another attempt
 * cannot fix (a bug such as a TypeError, or a NonRetryableError), so it was not retried.
 * `unknown-content-type`: its `content-type` header names no payload format we read (ADR 0090);
 * `invalid-json`, `invalid-msgpack`, `invalid-protobuf`: the value is not valid in the format its
 * header names (no header: JSON), a tombstone included.
 */
export type DeadLetterReason =
  | 'invalid-json'
  | 'invalid-msgpack'
  | 'invalid-protobuf'
  | 'unknown-content-type'
  | 'invalid-envelope'
  | 'invalid-payload'
  | 'retries-exhausted'
  | 'unknown-type'
  | 'handler-error';
