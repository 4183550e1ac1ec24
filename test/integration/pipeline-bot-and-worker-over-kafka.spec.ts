import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { derivedEnvelopeId, DLQ_HEADERS, EVENT_TYPES, type ReplyProduced, TOPICS } from '#libs/contracts';
import {
  acceptedEnvelope,
  connectedProducer,
  kafka,
  produceRaw,
  providerWeather,
  TopicRecorder,
  uniqueUser,
} from './pipeline-helpers';
import { lab, waitFor } from './support/lab';

/**
 * The bot and the worker alone, driven through Kafka: message.accepted in, action.requested and
 * reply.produced out. Needs only provider, bot and worker (LAB_TEST_APPS=provider,bot,worker).
 */
describe('pipeline: bot and worker over Kafka', () => {
  let client: Kafka;
  let producer: Producer;
  let replies: TopicRecorder;
  let actions: TopicRecorder;
  let dlq: TopicRecorder;
  const user = uniqueUser('kafka-pipeline');

  beforeAll(async () => {
    client = kafka('pipeline-over-kafka');
    producer = await connectedProducer(client);
    [replies, actions, dlq] = await Promise.all([
      new TopicRecorder(client, TOPICS.replies).start(),
      new TopicRecorder(client, TOPICS.actions).start(),
      new TopicRecorder(client, TOPICS.dlq).start(),
    ]);
  });

  afterAll(async () => {
    await Promise.all([replies?.stop(), actions?.stop(), dlq?.stop()]);
    await producer?.disconnect();
  });

  async function send(text: string): Promise<string> {
    const envelope = acceptedEnvelope(user, text);
    await produceRaw(producer, TOPICS.messages, user, JSON.stringify(envelope));
    return envelope.data.messageId;
  }

  function replyFor(messageId: string): Promise<ReplyProduced> {
    return waitFor(() => replies.about(messageId)[0]?.data as ReplyProduced | undefined, {
      timeoutMs: 60_000,
      what: `a reply for ${messageId}`,
    });
  }

  it('answers every intent, through the worker when the provider is needed', async () => {
    const ids = {
      weather: await send("What's the weather in Paris?"),
      time: await send('what time is it in Tokyo'),
      help: await send('help'),
      echo: await send('echo hello, Jeeves'),
      unknown: await send('sing me a song'),
      badZone: await send('time in Mars/Olympus'),
    };
    const [weather, time, help, echo, unknown, badZone] = await Promise.all(Object.values(ids).map(replyFor));
    const report = await providerWeather('Paris');
    expect(weather).toMatchObject({
      intent: 'weather',
      status: 'replied',
      degraded: false,
      text: `In Paris it is ${report.condition}, ${report.temperatureC} °C, with ${report.humidityPercent}% humidity.`,
    });
    expect(time).toMatchObject({ intent: 'time', status: 'replied' });
    expect(time!.text).toMatch(/^It is \d{2}:\d{2} on \d{4}-\d{2}-\d{2} in Tokyo \(Asia\/Tokyo, UTC\+09:00\)\.$/);
    expect(help).toMatchObject({ intent: 'help', status: 'replied' });
    expect(help!.text).toContain('weather in Paris');
    expect(echo).toMatchObject({ intent: 'echo', status: 'replied', text: 'hello, Jeeves' });
    expect(unknown).toMatchObject({ intent: 'unknown', status: 'replied' });
    expect(unknown!.text).toMatch(/^Sorry, I did not understand that\. I can tell you the weather/);
    expect(badZone).toMatchObject({ intent: 'time', status: 'failed' });
    expect(badZone!.reason).toMatch(/^provider-rejected 404: /);

    // One user, one partition: once the recorder has the last action, it has every earlier one.
    await waitFor(() => actions.about(ids.badZone).length > 0, {
      timeoutMs: 60_000,
      what: 'the recorder to see the last action',
    });
    // Only weather and time went through the workers, each under its derived id and the message's correlation id.
    for (const [intent, messageId] of Object.entries(ids)) {
      const sent = actions.about(messageId);
      if (intent === 'weather' || intent === 'time' || intent === 'badZone') {
        expect(sent.map((e) => ({ id: e.id, type: e.type, correlationId: e.correlationId }))).toEqual([
          { id: derivedEnvelopeId(messageId, 'action'), type: EVENT_TYPES.actionRequested, correlationId: messageId },
        ]);
      } else {
        expect(sent).toEqual([]);
      }
      const [reply] = replies.about(messageId);
      expect(reply).toMatchObject({
        id: derivedEnvelopeId(messageId, 'reply'),
        type: EVENT_TYPES.replyProduced,
        correlationId: messageId,
      });
    }
    const weatherRecord = replies.records.find((r) => r.envelope?.id === derivedEnvelopeId(ids.weather, 'reply'));
    // Keyed by user, so one user's replies stay in order.
    expect(weatherRecord?.key).toBe(user);
  });

  it('dead-letters a poison message with its provenance and goes on with the next one', async () => {
    const poison = `not json ${randomUUID()}`;
    await produceRaw(producer, TOPICS.messages, user, poison);
    const next = await send('echo still here');
    // data-service reads the messages topic too and dead-letters the same bytes under its own group.
    const botGroup = `${lab().topicPrefix}.jeeves-bot`;
    const dead = await waitFor(
      () => dlq.records.find((r) => r.value === poison && r.headers[DLQ_HEADERS.consumerGroup] === botGroup),
      { timeoutMs: 60_000, what: "the poison message on the DLQ from the bot's group" },
    );
    expect(dead.key).toBe(user);
    expect(dead.headers).toMatchObject({
      [DLQ_HEADERS.sourceTopic]: TOPICS.messages,
      [DLQ_HEADERS.reason]: 'invalid-json',
      [DLQ_HEADERS.consumerGroup]: `${lab().topicPrefix}.jeeves-bot`,
    });
    expect(Number(dead.headers[DLQ_HEADERS.sourcePartition])).toBeGreaterThanOrEqual(0);
    expect(Number(dead.headers[DLQ_HEADERS.sourceOffset])).toBeGreaterThanOrEqual(0);
    await expect(replyFor(next)).resolves.toMatchObject({ status: 'replied', text: 'still here' });
  });

  it('gives a redelivered message the same reply envelope id', async () => {
    const envelope = acceptedEnvelope(user, 'weather in Oslo');
    await produceRaw(producer, TOPICS.messages, user, JSON.stringify(envelope));
    await produceRaw(producer, TOPICS.messages, user, JSON.stringify(envelope));
    const { messageId } = envelope.data;
    await replyFor(messageId);
    // A later message of the same user takes the same path (bot, then worker) through the same
    // partitions: once it is answered, whatever the duplicate caused has been published.
    const after = await send('weather in Bergen');
    await replyFor(after);
    const ids = new Set(replies.about(messageId).map((e) => e.id));
    expect([...ids]).toEqual([derivedEnvelopeId(messageId, 'reply')]);
    await waitFor(() => actions.about(messageId).length > 0, {
      timeoutMs: 60_000,
      what: 'the recorder to see the action',
    });
    expect(new Set(actions.about(messageId).map((e) => e.id))).toEqual(
      new Set([derivedEnvelopeId(messageId, 'action')]),
    );
  });
});
