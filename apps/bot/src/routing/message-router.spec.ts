import {
  actionRequestedSchema,
  derivedEnvelopeId,
  type Envelope,
  EVENT_TYPES,
  makeEnvelope,
  type MessageAccepted,
  replyProducedSchema,
  TOPICS,
} from '#libs/contracts';
import type { ConsumedMessage, PublishOptions } from '#libs/kafka';
import { createMetricsRegistry } from '#libs/observability';
import { botMetrics } from './bot-metrics';
import { MessageRouter, type Publisher } from './message-router';

class FakePublisher implements Publisher {
  readonly sent: { topic: string; envelope: Envelope; options: PublishOptions }[] = [];
  failNext = false;
  async publish<T>(
    topic: (typeof TOPICS)[keyof typeof TOPICS],
    envelope: Envelope<T>,
    options: PublishOptions,
  ): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('broker unavailable');
    }
    this.sent.push({ topic, envelope, options });
  }
}

const messageId = '6e0f4f0e-3b4b-4d7e-9a3c-0d9b1f2a7c11';

function consumed(text: string): ConsumedMessage<MessageAccepted> {
  const data: MessageAccepted = { messageId, user: 'ada', text, clientId: 'jeeves-demo' };
  return {
    envelope: makeEnvelope({ id: messageId, type: EVENT_TYPES.messageAccepted, correlationId: 'corr-1', data }),
    topic: TOPICS.messages,
    partition: 0,
    offset: '0',
    key: 'ada',
    headers: {},
    heartbeat: async () => undefined,
  };
}

describe('MessageRouter', () => {
  let publisher: FakePublisher;
  let registry: ReturnType<typeof createMetricsRegistry>;
  let router: MessageRouter;

  beforeEach(() => {
    publisher = new FakePublisher();
    registry = createMetricsRegistry({ service: 'bot', defaultMetrics: false });
    router = new MessageRouter(publisher, botMetrics(registry));
  });

  async function intentCount(intent: string): Promise<number> {
    const metric = await registry.getSingleMetric('jeeves_bot_intents_total')!.get();
    return metric.values.find((v) => v.labels.intent === intent)?.value ?? 0;
  }

  it('sends weather to the workers as an action keyed by user, with a derived id and the correlation id', async () => {
    await router.handle(consumed('weather in Paris'));
    expect(publisher.sent).toHaveLength(1);
    const [sent] = publisher.sent;
    expect(sent!.topic).toBe(TOPICS.actions);
    expect(sent!.options.key).toBe('ada');
    expect(sent!.envelope).toMatchObject({
      id: derivedEnvelopeId(messageId, 'action'),
      type: EVENT_TYPES.actionRequested,
      correlationId: 'corr-1',
    });
    expect(actionRequestedSchema.parse(sent!.envelope.data)).toEqual({
      messageId,
      user: 'ada',
      intent: 'weather',
      action: { kind: 'weather', city: 'Paris' },
    });
    expect(await intentCount('weather')).toBe(1);
  });

  it('sends time to the workers', async () => {
    await router.handle(consumed('what time is it in Tokyo?'));
    expect(publisher.sent[0]!.envelope.data).toMatchObject({ intent: 'time', action: { kind: 'time', zone: 'Tokyo' } });
  });

  it.each([
    ['help', 'help', /I can tell you the weather/],
    ['echo hello there', 'echo', /^hello there$/],
    ['sing me a song', 'unknown', /^Sorry, I did not understand that\. I can tell you the weather/],
  ])('answers %j directly on the replies topic', async (text, intent, reply) => {
    await router.handle(consumed(text));
    const [sent] = publisher.sent;
    expect(sent!.topic).toBe(TOPICS.replies);
    expect(sent!.envelope.id).toBe(derivedEnvelopeId(messageId, 'reply'));
    const data = replyProducedSchema.parse(sent!.envelope.data);
    expect(data).toMatchObject({ messageId, user: 'ada', intent, status: 'replied', degraded: false });
    expect(data.text).toMatch(reply);
    expect(await intentCount(intent)).toBe(1);
  });

  it('republishes the same envelope id when the same message comes again', async () => {
    await router.handle(consumed('echo once'));
    await router.handle(consumed('echo once'));
    expect(publisher.sent.map((s) => s.envelope.id)).toEqual([
      derivedEnvelopeId(messageId, 'reply'),
      derivedEnvelopeId(messageId, 'reply'),
    ]);
  });

  it('lets a failed publish throw (the adapter retries) and does not count it', async () => {
    publisher.failNext = true;
    await expect(router.handle(consumed('help'))).rejects.toThrow('broker unavailable');
    expect(await intentCount('help')).toBe(0);
  });
});
