import { EVENT_TYPES, makeEnvelope, TOPICS } from '#libs/contracts';
import type { ConsumerOptions, KafkaConnection, PublishOptions } from '#libs/kafka';
import { createMetricsRegistry } from '#libs/observability';
import { botMetrics } from './bot-metrics';
import { BOT_GROUP_ID, MessageConsumer } from './message.consumer';
import { MessageRouter } from './message-router';

describe('MessageConsumer', () => {
  it("joins the bot's group on the messages topic, decoding only message.accepted", async () => {
    const started: ConsumerOptions[] = [];
    const connection = {
      startConsumer: async (options: ConsumerOptions) => void started.push(options),
    } as unknown as KafkaConnection;
    const published: { topic: string; options: PublishOptions }[] = [];
    const router = new MessageRouter(
      { publish: async (topic, _envelope, options) => void published.push({ topic, options }) },
      botMetrics(createMetricsRegistry({ service: 'bot', defaultMetrics: false })),
    );
    await new MessageConsumer(connection, router).onApplicationBootstrap();
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ groupId: BOT_GROUP_ID, topics: [TOPICS.messages] });
    expect(BOT_GROUP_ID).toBe('jeeves-bot');
    expect(Object.keys(started[0]!.schemas)).toEqual([EVENT_TYPES.messageAccepted]);

    // The handler it registered is the router's.
    const messageId = '5f0e3c1a-2b4d-4e6f-8a9b-0c1d2e3f4a5b';
    await started[0]!.handler({
      envelope: makeEnvelope({
        type: EVENT_TYPES.messageAccepted,
        correlationId: messageId,
        data: { messageId, user: 'ada', text: 'help', clientId: 'jeeves-demo' },
      }),
      topic: TOPICS.messages,
      partition: 0,
      offset: '0',
      key: 'ada',
      headers: {},
      heartbeat: async () => undefined,
    });
    expect(published).toEqual([{ topic: TOPICS.replies, options: { key: 'ada' } }]);
  });
});
