import type { Kafka, Producer } from 'kafkajs';
import { derivedEnvelopeId, TOPICS } from '#libs/contracts';
import {
  acceptedEnvelope,
  connectedProducer,
  kafka,
  postMessage,
  produceRaw,
  storedMessage,
  storedMessagesOf,
  TopicRecorder,
  uniqueUser,
  waitForFinal,
} from './pipeline-helpers';
import { restartApp, waitFor } from './support/lab';

/**
 * At-least-once delivery, exactly-once effect: the same `message.accepted` envelope delivered twice
 * yields replies that all carry one envelope id, and data-service stores one message.
 */
describe('pipeline: a duplicate delivery has one effect', () => {
  let client: Kafka;
  let producer: Producer;
  let replies: TopicRecorder;

  beforeAll(async () => {
    client = kafka('pipeline-duplicates');
    producer = await connectedProducer(client);
    replies = await new TopicRecorder(client, TOPICS.replies).start();
  });

  afterAll(async () => {
    await replies?.stop();
    await producer?.disconnect();
  });

  /**
   * Posts a later message for the same user and waits until it is stored and its reply recorded.
   * Same key, same partitions: everything before it has then been handled, and recorded.
   */
  async function drain(user: string): Promise<void> {
    // Through bot and worker, like the duplicates, so it follows them on every hop.
    const { id } = await postMessage(user, 'weather in Reykjavik');
    await waitForFinal(id);
    await waitFor(() => replies.about(id).length > 0, {
      timeoutMs: 60_000,
      what: 'the recorder to see the drain reply',
    });
  }

  it('stores one message and one reply id when the same envelope arrives twice in a row', async () => {
    const user = uniqueUser('dup');
    const envelope = acceptedEnvelope(user, 'weather in Lisbon');
    await produceRaw(producer, TOPICS.messages, user, JSON.stringify(envelope));
    await produceRaw(producer, TOPICS.messages, user, JSON.stringify(envelope));
    const { messageId } = envelope.data;
    await waitFor(async () => (await storedMessage(messageId))?.status === 'replied', {
      timeoutMs: 60_000,
      what: `${messageId} replied in data-service`,
    });
    await drain(user);

    const sent = replies.about(messageId);
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(new Set(sent.map((e) => e.id))).toEqual(new Set([derivedEnvelopeId(messageId, 'reply')]));
    const stored = (await storedMessagesOf(user)).filter((m) => m.id === messageId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ status: 'replied', intent: 'weather', text: 'weather in Lisbon' });
  });

  it('republishes the same reply envelope after the bot forgot it (restart), and data-service still stores one', async () => {
    const user = uniqueUser('dup-restart');
    const envelope = acceptedEnvelope(user, 'echo only once');
    const { messageId } = envelope.data;
    await produceRaw(producer, TOPICS.messages, user, JSON.stringify(envelope));
    await waitFor(async () => (await storedMessage(messageId))?.status === 'replied', {
      timeoutMs: 60_000,
      what: `${messageId} replied in data-service`,
    });
    const before = await storedMessage(messageId);

    // A fresh bot process has an empty dedupe memory: only the derived envelope id can keep the effect single.
    await restartApp('bot');
    await produceRaw(producer, TOPICS.messages, user, JSON.stringify(envelope));
    await waitFor(() => replies.about(messageId).length >= 2, {
      timeoutMs: 60_000,
      what: 'the bot to answer the redelivered envelope again',
    });
    await drain(user);

    const sent = replies.about(messageId);
    expect(sent.map((e) => e.id)).toEqual([
      derivedEnvelopeId(messageId, 'reply'),
      derivedEnvelopeId(messageId, 'reply'),
    ]);
    const stored = (await storedMessagesOf(user)).filter((m) => m.id === messageId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ status: 'replied', reply: 'only once', acceptedAt: before?.acceptedAt });
  });
});
