import { type Admin, ConfigResourceTypes, type IHeaders, type Kafka, Partitioners, type Producer } from 'kafkajs';
import {
  type ConsumerGroup,
  consumerGroupName,
  DLQ_HEADERS,
  headerEntries,
  lastHeaderText,
  type RecordHeaders,
  TOPIC_SPECS,
  TOPICS,
  type TopicName,
} from '#libs/contracts';
import { fixKafkajsHeaders } from '#libs/kafka';
import { APP_NAMES } from '../../tools/lab';
import { connectedProducer, kafka, RecordingConsumer, uniqueUser } from './pipeline-helpers';
import { lab, waitFor } from './support/lab';

/**
 * What the odd-record specs (issue 10: null and repeated headers, binary keys, records near the
 * broker's size limit) share: raw produce and read-back with every byte kept, the broker's limits,
 * committed offsets, and a readiness watch over every service.
 */

// The specs produce header values that are null, which kafkajs cannot encode as shipped.
fixKafkajsHeaders();

/** A record as raw bytes: what a spec produces and what it reads back. */
export interface RawRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeaders;
}

/** Where the broker put a produced record. */
export interface Placed {
  topic: TopicName;
  partition: number;
  offset: string;
}

/** Produces one raw record to a contract topic (acks=all) and says where it landed. */
export async function produceRecord(producer: Producer, topic: TopicName, record: RawRecord): Promise<Placed> {
  const [meta] = await producer.send({
    topic: lab().topic(topic),
    acks: -1,
    messages: [{ key: record.key, value: record.value, headers: record.headers as IHeaders }],
  });
  if (!meta || meta.baseOffset === undefined) throw new Error(`no record metadata for the send to ${topic}`);
  return { topic, partition: meta.partition, offset: meta.baseOffset };
}

/** One record read back from a topic, with every byte as it is on the broker. */
export interface ReadRecord extends RawRecord {
  partition: number;
  offset: string;
}

/**
 * Records everything on one contract topic from the beginning, bytes untouched, in a group of its
 * own (so it takes nothing from the services' groups). `stop()` when done.
 */
export class RawTopicRecorder extends RecordingConsumer<ReadRecord> {
  constructor(client: Kafka, topic: TopicName) {
    super(client, topic, {
      label: 'raw-recorder',
      read: ({ partition, message }) => ({
        key: message.key,
        value: message.value,
        headers: (message.headers ?? {}) as RecordHeaders,
        partition,
        offset: message.offset,
      }),
      // Records near the broker's message.max.bytes (and their dead letters) must fit in one fetch.
      config: { maxBytesPerPartition: 4 * 1024 * 1024 },
    });
  }
}

/** The dead letters a consumer group made of one source record (a DLQ record names its source). */
export function deadLettersOf(dlq: RawTopicRecorder, source: Placed, group: ConsumerGroup): ReadRecord[] {
  const groupName = consumerGroupName(group, lab().topicPrefix);
  return dlq.records.filter(
    (r) =>
      lastHeaderText(r.headers, DLQ_HEADERS.consumerGroup) === groupName &&
      lastHeaderText(r.headers, DLQ_HEADERS.sourceTopic) === source.topic &&
      lastHeaderText(r.headers, DLQ_HEADERS.sourcePartition) === String(source.partition) &&
      lastHeaderText(r.headers, DLQ_HEADERS.sourceOffset) === source.offset,
  );
}

/** Waits for the one dead letter `group` made of `source`. */
export function deadLetterOf(
  dlq: RawTopicRecorder,
  source: Placed,
  group: ConsumerGroup,
  timeoutMs = 60_000,
): Promise<ReadRecord> {
  return waitFor(() => deadLettersOf(dlq, source, group)[0], {
    timeoutMs,
    what: `${group}'s dead letter of ${source.topic}[${source.partition}]@${source.offset}`,
  });
}

/** Every header as `[name, bytes | null]` in record order, for comparing byte for byte. */
export function entriesOf(headers: RecordHeaders): Array<readonly [string, Buffer | null]> {
  return headerEntries(headers);
}

/** True when both are null or hold the same bytes. */
export function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

/**
 * Asserts that a DLQ record carries the original's key, value and headers byte for byte (the
 * original's headers first, in order), and returns the headers it added.
 */
export function expectIntactCopy(copy: RawRecord, original: RawRecord): Array<readonly [string, Buffer | null]> {
  expect(copy.key === null ? null : copy.key.toString('hex')).toBe(
    original.key === null ? null : original.key.toString('hex'),
  );
  expect(sameBytes(copy.value, original.value)).toBe(true);
  const originalEntries = entriesOf(original.headers);
  const copied = entriesOf(copy.headers);
  expect(copied.slice(0, originalEntries.length)).toEqual(originalEntries);
  const added = copied.slice(originalEntries.length);
  expect(added.every(([name]) => name.startsWith('x-dlq-'))).toBe(true);
  return added;
}

/** The topic's `max.message.bytes` (its own setting or the broker's `message.max.bytes`). */
export async function maxMessageBytes(admin: Admin, topic: TopicName): Promise<number> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: lab().topic(topic), configNames: ['max.message.bytes'] }],
  });
  const value = Number(resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
  if (!Number.isSafeInteger(value)) throw new Error(`no max.message.bytes for ${topic}`);
  return value;
}

/** Sets (or, with null, removes) the topic's own `max.message.bytes`. */
export async function setMaxMessageBytes(admin: Admin, topic: TopicName, bytes: number | null): Promise<void> {
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name: lab().topic(topic),
        // AlterConfigs replaces the topic's whole override set; the lab sets no other override.
        configEntries: bytes === null ? [] : [{ name: 'max.message.bytes', value: String(bytes) }],
      },
    ],
  });
}

/** The group's committed offset (the next record it will read) on one partition; -1 when none. */
export async function committedOffset(
  admin: Admin,
  group: ConsumerGroup,
  topic: TopicName,
  partition: number,
): Promise<number> {
  const [entry] = await admin.fetchOffsets({
    groupId: consumerGroupName(group, lab().topicPrefix),
    topics: [lab().topic(topic)],
  });
  return Number(entry?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
}

/** Waits until `group` has committed past the record: it was handled or set aside, not left stuck. */
export function waitPastRecord(admin: Admin, group: ConsumerGroup, placed: Placed, timeoutMs = 60_000): Promise<true> {
  return waitFor(
    async () => (await committedOffset(admin, group, placed.topic, placed.partition)) > Number(placed.offset),
    {
      timeoutMs,
      what: `${group} to commit past ${placed.topic}[${placed.partition}]@${placed.offset}`,
    },
  );
}

const partitioner = Partitioners.DefaultPartitioner();

/** The partition the default partitioner (the gateway's and these specs' producers) gives this key. */
export function partitionOf(topic: TopicName, key: Buffer | string): number {
  const count = TOPIC_SPECS.find((spec) => spec.name === topic)!.partitions;
  const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
    partitionErrorCode: 0,
  }));
  return partitioner({ topic: lab().topic(topic), partitionMetadata, message: { key, value: null } });
}

/** A fresh user whose messages go to `partition` of `jeeves.messages.v1`. */
export function userOnPartition(partition: number, label = 'same-partition'): string {
  for (;;) {
    const user = uniqueUser(label);
    if (partitionOf(TOPICS.messages, user) === partition) return user;
  }
}

const watches = new Set<() => Promise<string[]>>();

/**
 * Polls every service's `/health/ready` until stopped; `stop()` resolves to the failures seen
 * (`<app>: <status or error>`), so a spec can assert that nothing flapped while it ran. A spec whose
 * test failed before `stop()` stops what is left with `stopReadinessWatches()` in its `afterAll`.
 */
export function watchReadiness(intervalMs = 250): { stop(): Promise<string[]> } {
  const failures: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(
        APP_NAMES.map(async (app) => {
          try {
            const response = await fetch(`${lab().urls[app]}/health/ready`, { signal: AbortSignal.timeout(5000) });
            await response.body?.cancel();
            if (response.status !== 200) failures.push(`${app}: ${response.status}`);
          } catch (error) {
            failures.push(`${app}: ${error instanceof Error ? error.message : String(error)}`);
          }
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, intervalMs).unref());
    }
  })();
  const stop = async (): Promise<string[]> => {
    running = false;
    watches.delete(stop);
    await loop;
    return failures;
  };
  watches.add(stop);
  return { stop };
}

/** Stops every readiness watch still running (a test that failed before its own `stop()`). */
export async function stopReadinessWatches(): Promise<void> {
  await Promise.all([...watches].map((stop) => stop()));
}

/** What an odd-record spec works with: a raw producer, an admin and a recorder on the DLQ. */
export interface DeadLetterBench {
  readonly producer: Producer;
  readonly admin: Admin;
  readonly dlq: RawTopicRecorder;
}

/**
 * Registers the spec's `beforeAll`/`afterAll`: a kafkajs client named `clientId`, a connected raw
 * producer and admin, and a recorder on the DLQ from now on; afterwards every readiness watch and
 * connection is stopped. Read the fields inside tests (they are set once `beforeAll` ran).
 */
export function deadLetterBench(clientId: string): DeadLetterBench {
  let parts: DeadLetterBench | undefined;
  beforeAll(async () => {
    const client = kafka(clientId);
    const producer = await connectedProducer(client);
    const admin = client.admin();
    await admin.connect();
    parts = { producer, admin, dlq: await new RawTopicRecorder(client, TOPICS.dlq).start() };
  });
  afterAll(async () => {
    await stopReadinessWatches();
    await parts?.dlq.stop();
    await parts?.admin.disconnect();
    await parts?.producer.disconnect();
  });
  const started = (): DeadLetterBench => {
    if (!parts) throw new Error('deadLetterBench: read its fields inside a test, after beforeAll');
    return parts;
  };
  return {
    get producer() {
      return started().producer;
    },
    get admin() {
      return started().admin;
    },
    get dlq() {
      return started().dlq;
    },
  };
}
