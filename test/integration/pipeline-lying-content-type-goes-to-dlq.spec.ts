import type { Admin, Kafka, Producer } from 'kafkajs';
import {
  CONSUMER_GROUPS,
  CONTENT_TYPE_HEADER,
  CONTENT_TYPES,
  DLQ_HEADERS,
  lastHeaderText,
  TOPICS,
} from '#libs/contracts';
import { encodeEnvelope } from '#libs/kafka';
import {
  deadLetterOf,
  expectIntactCopy,
  produceRecord,
  type RawRecord,
  RawTopicRecorder,
  waitPastRecord,
} from './odd-records-helpers';
import { acceptedEnvelope, connectedProducer, kafka, postMessage, uniqueUser, waitForFinal } from './pipeline-helpers';

/** Both groups that read jeeves.messages.v1 decode it: each must dead-letter a lying record on its own. */
const GROUPS = [CONSUMER_GROUPS.bot, CONSUMER_GROUPS.dataService] as const;

/**
 * Issue 16: a record whose `content-type` lies about its value (says Protobuf, holds JSON) or names a
 * format nobody reads is poison like any other: every consumer dead-letters it with its key, value
 * and headers byte for byte (the content-type among them, so the DLQ shows what it claimed), and the
 * partition keeps flowing. A record that tells the truth in an alias spelling is simply handled.
 */
describe('pipeline: a record with a lying or unknown content-type goes to the DLQ intact', () => {
  let client: Kafka;
  let producer: Producer;
  let admin: Admin;
  let dlq: RawTopicRecorder;
  const user = uniqueUser('lying');

  beforeAll(async () => {
    client = kafka('pipeline-lying-content-type');
    producer = await connectedProducer(client);
    admin = client.admin();
    await admin.connect();
    dlq = await new RawTopicRecorder(client, TOPICS.dlq).start();
  });

  afterAll(async () => {
    await dlq?.stop();
    await admin?.disconnect();
    await producer?.disconnect();
  });

  it.each([
    {
      name: 'JSON that says it is Protobuf',
      value: () => Buffer.from(JSON.stringify(acceptedEnvelope(user, 'help'))),
      contentType: CONTENT_TYPES.protobuf,
      reason: 'invalid-protobuf',
    },
    {
      name: 'MessagePack under a content type nobody reads',
      value: () => encodeEnvelope(acceptedEnvelope(user, 'help'), 'msgpack'),
      contentType: 'application/x-jeeves-unknown',
      reason: 'unknown-content-type',
    },
    {
      // @msgpack/msgpack alone would read "hel\xff" as "helÿ" and the bot would answer it.
      name: 'MessagePack whose text is not UTF-8',
      value: () => {
        const bytes = encodeEnvelope(acceptedEnvelope(user, 'help'), 'msgpack');
        const at = bytes.indexOf(Buffer.from([0xa4, ...Buffer.from('help')]));
        if (at < 0) throw new Error('the MessagePack value holds no "help" string');
        bytes[at + 4] = 0xff;
        return bytes;
      },
      contentType: CONTENT_TYPES.msgpack,
      reason: 'invalid-msgpack',
    },
  ])(
    'dead-letters $name, byte for byte, and answers the next message',
    async ({ value, contentType, reason }) => {
      const record: RawRecord = {
        key: Buffer.from(user),
        value: value(),
        headers: { [CONTENT_TYPE_HEADER]: Buffer.from(contentType), 'x-test': Buffer.from('lying') },
      };
      const placed = await produceRecord(producer, TOPICS.messages, record);
      // Same key, so the same partition: it must not be stuck behind the poison.
      const { id } = await postMessage(user, 'echo after the lie');

      for (const group of GROUPS) {
        const copy = await deadLetterOf(dlq, placed, group, 60_000);
        expectIntactCopy(copy, record);
        expect(lastHeaderText(copy.headers, CONTENT_TYPE_HEADER)).toBe(contentType);
        expect(lastHeaderText(copy.headers, DLQ_HEADERS.reason)).toBe(reason);
        await waitPastRecord(admin, group, placed);
      }
      await expect(waitForFinal(id)).resolves.toMatchObject({ status: 'replied', reply: 'after the lie' });
    },
    120_000,
  );

  it('handles a record whose content-type tells the truth in an alias spelling, with parameters', async () => {
    const envelope = acceptedEnvelope(user, 'echo in an alias');
    await produceRecord(producer, TOPICS.messages, {
      key: Buffer.from(user),
      value: encodeEnvelope(envelope, 'msgpack'),
      // A quoted parameter value may hold a ';' (RFC 9110 quoted-string).
      headers: { [CONTENT_TYPE_HEADER]: Buffer.from('Application/X-MsgPack; note="rolled; out"; charset=binary') },
    });
    await expect(waitForFinal(envelope.data.messageId)).resolves.toMatchObject({
      status: 'replied',
      reply: 'in an alias',
    });
  }, 120_000);
});
