import fc from 'fast-check';
import type { Admin, Kafka, Producer } from 'kafkajs';
import {
  ACCEPTED_CONTENT_TYPES,
  CONSUMER_GROUPS,
  type ConsumerGroup,
  CONTENT_TYPE_HEADER,
  DLQ_HEADERS,
  lastHeaderText,
  PAYLOAD_FORMATS,
  type RecordHeaders,
  TOPICS,
  type TopicName,
} from '#libs/contracts';
import { encodeEnvelope, recordBatchSizeBytes } from '#libs/kafka';
import {
  deadLetterOf,
  deadLettersOf,
  entriesOf,
  expectIntactCopy,
  maxMessageBytes,
  type Placed,
  produceRecord,
  type RawRecord,
  RawTopicRecorder,
  sameBytes,
  userOnPartition,
  stopReadinessWatches,
  waitPastRecord,
  watchReadiness,
} from './odd-records-helpers';
import {
  acceptedEnvelope,
  connectedProducer,
  kafka,
  postMessage,
  storedMessage,
  waitForFinal,
} from './pipeline-helpers';
import { waitFor } from './support/lab';

/** Which groups consume each topic (apps/*\/src/main.ts): each handles, or dead-letters, every record. */
const CONSUMERS: Record<TopicName, readonly ConsumerGroup[]> = {
  [TOPICS.messages]: [CONSUMER_GROUPS.bot, CONSUMER_GROUPS.dataService],
  [TOPICS.actions]: [CONSUMER_GROUPS.worker, CONSUMER_GROUPS.dataService],
  [TOPICS.replies]: [CONSUMER_GROUPS.dataService],
  // data-service reads the DLQ undecoded, and never dead-letters a dead letter.
  [TOPICS.dlq]: [CONSUMER_GROUPS.dataService],
};

type Shape = 'bytes' | 'huge' | 'envelope';
interface Generated {
  topic: TopicName;
  shape: Shape;
  record: RawRecord;
  /** For a valid envelope: the message it carries (its value may be in any payload format). */
  messageId?: string;
  /** For a huge record: the byte its value repeats (`materialize` makes the value). */
  fill?: number;
}

/** The record to produce: a huge one gets a value that brings it 64 bytes under the broker's limit. */
function materialize(generated: Generated, limit: number): Generated {
  if (generated.shape !== 'huge') return generated;
  const { key, headers } = generated.record;
  let length = limit - 64 - recordBatchSizeBytes({ key, value: Buffer.alloc(0), headers: headers as never });
  while (recordBatchSizeBytes({ key, value: Buffer.alloc(length), headers: headers as never }) > limit - 64) length--;
  return { ...generated, record: { key, headers, value: Buffer.alloc(length, generated.fill ?? 0x61) } };
}

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
/** Every media type a consumer reads (ADR 0090), so that poison also comes under real content types. */
const knownContentType = fc
  .constantFrom(...PAYLOAD_FORMATS.flatMap((format) => ACCEPTED_CONTENT_TYPES[format]))
  .map((type) => Buffer.from(type));
const headerValue = fc.oneof(fc.constant(null), bytes(40), fc.constant(Buffer.from([0xc3, 0x28])), knownContentType);
const headerName = fc.oneof(
  fc.constantFrom(
    'traceparent',
    'tracestate',
    'baggage',
    'jeeves-envelope-id',
    'content-type',
    '__proto__',
    'constructor',
  ),
  fc.string({ minLength: 1, maxLength: 12 }),
);
const headersArb: fc.Arbitrary<RecordHeaders> = fc
  .array(fc.tuple(headerName, fc.oneof(headerValue, fc.array(headerValue, { minLength: 2, maxLength: 3 }))), {
    maxLength: 4,
  })
  .map((entries) => {
    const headers = Object.create(null) as Record<string, Buffer | null | (Buffer | null)[]>;
    for (const [name, value] of entries) headers[name] = value;
    return headers;
  });
const keyArb = fc.oneof(
  fc.constant(null),
  fc.constant(Buffer.from([0xff, 0xfe, 0x6b, 0x80])),
  bytes(24),
  fc.string({ minLength: 1, maxLength: 20 }).map((s) => Buffer.from(s)),
);
/** A value no consumer can take as an envelope: empty, a tombstone, bytes (mostly not UTF-8), or text. */
const poisonValue = fc.oneof(
  fc.constant(null),
  fc.constant(Buffer.alloc(0)),
  bytes(2048).filter((b) => b.length === 0 || b[0] !== 0x7b),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(`not json: ${s}`)),
);

function recordsArb(): fc.Arbitrary<Generated[]> {
  const topic = fc.constantFrom<TopicName>(TOPICS.messages, TOPICS.actions, TOPICS.replies, TOPICS.dlq);
  const plain = fc.record({
    topic,
    shape: fc.constant<Shape>('bytes'),
    record: fc.record({ key: keyArb, value: poisonValue, headers: headersArb }),
  });
  // A valid message.accepted with odd headers, in any payload format named by a content-type in
  // any accepted spelling (or, for JSON, none): it must be stored (handled), whatever its other headers.
  const envelope = fc
    .tuple(
      headersArb,
      fc.constantFrom(...PAYLOAD_FORMATS),
      fc.nat(),
      fc.boolean(),
      fc.constantFrom('', '; charset=utf-8', ' ; foo="bar"'),
    )
    .map(([odd, format, pick, upper, parameters]): Generated => {
      const user = `prop-${Math.random().toString(36).slice(2, 10)}`;
      const value = acceptedEnvelope(user, 'help');
      const headers = Object.assign(Object.create(null) as Record<string, unknown>, odd) as Record<
        string,
        Buffer | null | (Buffer | null)[]
      >;
      delete headers[CONTENT_TYPE_HEADER];
      const types = ACCEPTED_CONTENT_TYPES[format];
      const type = types[pick % types.length]!;
      // JSON may also come without a header: records from before formats existed, and other tools.
      if (format !== 'json' || pick % 2 === 0)
        headers[CONTENT_TYPE_HEADER] = Buffer.from(`${upper ? type.toUpperCase() : type}${parameters}`);
      return {
        topic: TOPICS.messages,
        shape: 'envelope',
        messageId: value.data.messageId,
        record: { key: Buffer.from(user), value: encodeEnvelope(value, format), headers },
      };
    });
  // Just under the broker's limit: the dead-letter copy cannot be whole. The value is made in
  // `materialize`, so that a failure report does not print a megabyte of it.
  const huge = fc.record({
    topic: fc.constantFrom<TopicName>(TOPICS.messages, TOPICS.replies),
    shape: fc.constant<Shape>('huge'),
    record: fc.record({ key: keyArb, value: fc.constant(null), headers: headersArb }),
    fill: fc.integer({ min: 0, max: 255 }).filter((fill) => fill !== 0x7b),
  });
  return fc
    .tuple(fc.array(plain, { minLength: 8, maxLength: 12 }), fc.array(envelope, { maxLength: 2 }), huge)
    .map(([many, envelopes, big]) => [...many, ...envelopes, big]);
}

/**
 * Issue 10: random records straight onto every consumed topic — null and binary keys, null,
 * binary and repeated headers, empty, huge (just under the broker's limit) and non-UTF-8 values.
 * Each one is handled (a valid envelope is stored) or dead-lettered by every group that consumes the
 * topic, its key, value and headers intact (a huge one cut to a prefix, marked), every group commits
 * past it, every service stays ready, and a normal message on each partition is answered after them.
 */
describe('pipeline: any record is handled or dead-lettered intact, and the partition moves on', () => {
  let client: Kafka;
  let producer: Producer;
  let admin: Admin;
  let dlq: RawTopicRecorder;
  let limit: number;

  beforeAll(async () => {
    client = kafka('pipeline-random-records');
    producer = await connectedProducer(client);
    admin = client.admin();
    await admin.connect();
    dlq = await new RawTopicRecorder(client, TOPICS.dlq).start();
    limit = await maxMessageBytes(admin, TOPICS.messages);
  });

  afterAll(async () => {
    await stopReadinessWatches();
    await dlq?.stop();
    await admin?.disconnect();
    await producer?.disconnect();
  });

  async function check(generated: Generated, placed: Placed): Promise<void> {
    const groups = CONSUMERS[generated.topic];
    for (const group of groups) await waitPastRecord(admin, group, placed, 90_000);
    if (generated.topic === TOPICS.dlq) {
      expect(dlq.records.filter((r) => lastHeaderText(r.headers, DLQ_HEADERS.sourceTopic) === TOPICS.dlq)).toEqual([]);
      return;
    }
    if (generated.shape === 'envelope') {
      const id = generated.messageId!;
      const stored = await waitFor(() => storedMessage(id), { timeoutMs: 30_000, what: `message ${id} to be stored` });
      expect(stored.traceId === null || /^[0-9a-f]{32}$/.test(stored.traceId)).toBe(true);
      for (const group of groups) expect(deadLettersOf(dlq, placed, group)).toEqual([]);
      return;
    }
    for (const group of groups) {
      const copy = await deadLetterOf(dlq, placed, group, 90_000);
      if (generated.shape === 'huge') {
        const { key, value, headers } = generated.record;
        expect(sameBytes(copy.key, key)).toBe(true);
        expect(entriesOf(copy.headers).slice(0, entriesOf(headers).length)).toEqual(entriesOf(headers));
        expect(lastHeaderText(copy.headers, DLQ_HEADERS.truncated)).toBe('value');
        expect(value!.subarray(0, copy.value!.length).equals(copy.value!)).toBe(true);
        expect(lastHeaderText(copy.headers, DLQ_HEADERS.originalValueBytes)).toBe(String(value!.length));
      } else {
        expectIntactCopy(copy, generated.record);
        expect(lastHeaderText(copy.headers, DLQ_HEADERS.truncated)).toBeUndefined();
      }
    }
  }

  it('handles or dead-letters each random record intact, then answers a message on every partition', async () => {
    const readiness = watchReadiness();
    await fc.assert(
      fc.asyncProperty(recordsArb(), async (generated) => {
        const records = generated.map((one) => materialize(one, limit));
        const placed: Placed[] = [];
        for (const generated of records) placed.push(await produceRecord(producer, generated.topic, generated.record));
        for (const [i, generated] of records.entries()) await check(generated, placed[i]!);
      }),
      // Each run is ~13 records through real services: few runs, and no shrinking (each step would
      // take as long again); the seed in the failure message replays the same records.
      { numRuns: 2, endOnFailure: true },
    );
    const partitions = [...Array(6).keys()];
    const sent = await Promise.all(
      partitions.map((p) => postMessage(userOnPartition(p, 'after-random'), `echo partition ${p}`)),
    );
    for (const [p, { id }] of sent.entries())
      await expect(waitForFinal(id)).resolves.toMatchObject({ status: 'replied', reply: `partition ${p}` });
    expect(await readiness.stop()).toEqual([]);
  }, 300_000);
});
