import type { KafkaContext } from '@nestjs/microservices';
import { contractTopicOf, type Envelope, type RecordHeaders, type TopicName } from '#libs/contracts';

/** One decoded pipeline message as a handler sees it, whichever transport delivered it. */
export interface ConsumedMessage<T = unknown> {
  envelope: Envelope<T>;
  /** Contract topic name (without the lab prefix). */
  topic: TopicName;
  partition: number;
  offset: string;
  /** The key as UTF-8 text (the user id, by contract). */
  key: string | null;
  /** As delivered: values may be null or repeated; read them with the `#libs/contracts` header readers. */
  headers: RecordHeaders;
  /** Call between long steps so the group does not think this member died. */
  heartbeat(): Promise<void>;
}

/** A message handed over undecoded: for topics with no envelope schema of their own (the DLQ). */
export interface RawConsumedMessage {
  /** Contract topic name (without the lab prefix). */
  topic: TopicName;
  partition: number;
  offset: string;
  /** The key as UTF-8 text (lossy for binary keys: use `keyBytes` to copy or compare). */
  key: string | null;
  keyBytes: Buffer | null;
  value: Buffer | null;
  /** As delivered: values may be null or repeated; read them with the `#libs/contracts` header readers. */
  headers: RecordHeaders;
  heartbeat(): Promise<void>;
}

/** The record fields a handler reads; kafkajs gives Buffers, Nest's stock parser gives strings. */
interface DeliveredRecord {
  key?: Buffer | string | null;
  value?: unknown;
  offset: string;
  headers?: RecordHeaders | null;
}

function textOf(value: Buffer | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : value.toString('utf8');
}

function topicOf(ctx: KafkaContext): TopicName {
  const topic = contractTopicOf(ctx.getTopic());
  if (topic === null) throw new Error(`"${ctx.getTopic()}" is not a contract topic`);
  return topic;
}

/** A value as bytes: kafkajs's Buffer as it is; what Nest's stock parser made of it, re-encoded. */
export function bytesOf(value: unknown): Buffer | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
}

/** The handler's view of a delivered record, from Nest's KafkaContext. */
export function consumedMessage<T>(envelope: Envelope<T>, ctx: KafkaContext): ConsumedMessage<T> {
  const record = ctx.getMessage() as DeliveredRecord;
  return {
    envelope,
    topic: topicOf(ctx),
    partition: ctx.getPartition(),
    offset: record.offset,
    key: textOf(record.key),
    headers: record.headers ?? {},
    heartbeat: ctx.getHeartbeat(),
  };
}

/** The handler's view of a record delivered undecoded (the hardened transport's raw topics). */
export function rawConsumedMessage(ctx: KafkaContext): RawConsumedMessage {
  const record = ctx.getMessage() as DeliveredRecord;
  const value = record.value;
  return {
    topic: topicOf(ctx),
    partition: ctx.getPartition(),
    offset: record.offset,
    key: textOf(record.key),
    keyBytes: bytesOf(record.key),
    value: bytesOf(value),
    headers: record.headers ?? {},
    heartbeat: ctx.getHeartbeat(),
  };
}
