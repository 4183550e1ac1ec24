import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { DLQ_HEADERS, EVENT_TYPES, makeEnvelope, TOPICS } from '#libs/contracts';
import {
  connectedProducer,
  kafka,
  postMessage,
  produceRaw,
  TopicRecorder,
  uniqueUser,
  waitForFinal,
} from './pipeline-helpers';
import { lab, waitFor } from './support/lab';

/**
 * A message no consumer can handle lands on the DLQ with headers saying where it came from and why,
 * and its partition moves on: the user's next message (same key, so same partition) is answered.
 */
describe('pipeline: a poison message goes to the DLQ and the next one is processed', () => {
  let client: Kafka;
  let producer: Producer;
  let dlq: TopicRecorder;
  const user = uniqueUser('poison');

  beforeAll(async () => {
    client = kafka('pipeline-poison');
    producer = await connectedProducer(client);
    dlq = await new TopicRecorder(client, TOPICS.dlq).start();
  });

  afterAll(async () => {
    await dlq?.stop();
    await producer?.disconnect();
  });

  it('dead-letters bytes that are not JSON, with provenance, and answers the next message', async () => {
    const poison = `{"this is": not json ${randomUUID()}`;
    await produceRaw(producer, TOPICS.messages, user, poison, { 'x-test': 'poison' });
    const { id } = await postMessage(user, 'echo after the poison');

    const dead = await waitFor(
      () =>
        dlq.records.find(
          (r) => r.value === poison && r.headers[DLQ_HEADERS.consumerGroup] === `${lab().topicPrefix}.jeeves-bot`,
        ),
      {
        timeoutMs: 60_000,
        what: "the poison message on the DLQ from the bot's group",
      },
    );
    expect(dead.key).toBe(user);
    expect(dead.headers).toMatchObject({
      [DLQ_HEADERS.sourceTopic]: TOPICS.messages,
      [DLQ_HEADERS.reason]: 'invalid-json',
      [DLQ_HEADERS.attempts]: '1',
      'x-test': 'poison',
    });
    expect(dead.headers[DLQ_HEADERS.sourcePartition]).toMatch(/^\d+$/);
    expect(dead.headers[DLQ_HEADERS.sourceOffset]).toMatch(/^\d+$/);
    expect(Number.isNaN(Date.parse(dead.headers[DLQ_HEADERS.deadLetteredAt] ?? ''))).toBe(false);

    await expect(waitForFinal(id)).resolves.toMatchObject({
      status: 'replied',
      intent: 'echo',
      reply: 'after the poison',
    });
  });

  it('dead-letters an envelope whose payload breaks the contract as invalid-payload', async () => {
    const envelope = makeEnvelope({
      type: EVENT_TYPES.messageAccepted,
      correlationId: randomUUID(),
      data: { messageId: randomUUID(), user, text: '' },
    });
    await produceRaw(producer, TOPICS.messages, user, JSON.stringify(envelope));
    const { id } = await postMessage(user, 'echo after the bad payload');
    const dead = await waitFor(
      () =>
        dlq.records.find(
          (r) =>
            r.envelope?.id === envelope.id &&
            r.headers[DLQ_HEADERS.consumerGroup] === `${lab().topicPrefix}.jeeves-bot`,
        ),
      {
        timeoutMs: 60_000,
        what: 'the bad envelope on the DLQ',
      },
    );
    expect(dead.headers[DLQ_HEADERS.reason]).toBe('invalid-payload');
    expect(dead.headers[DLQ_HEADERS.error]).toMatch(/text|clientId/);
    await expect(waitForFinal(id)).resolves.toMatchObject({ status: 'replied', reply: 'after the bad payload' });
  });
});
