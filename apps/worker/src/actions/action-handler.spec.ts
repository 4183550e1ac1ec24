import {
  type ActionRequested,
  derivedEnvelopeId,
  type Envelope,
  EVENT_TYPES,
  makeEnvelope,
  type ReplyProduced,
  TOPICS,
  type TopicName,
} from '#libs/contracts';
import type { ConsumedMessage, PublishOptions } from '#libs/kafka';
import { ProviderError } from '../provider/provider-errors';
import { ActionHandler, type Publisher } from './action-handler';
import { ProviderActionRunner } from './action-runner';

const messageId = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

class FakePublisher implements Publisher {
  readonly sent: { topic: TopicName; envelope: Envelope; options: PublishOptions }[] = [];
  async publish<T>(topic: TopicName, envelope: Envelope<T>, options: PublishOptions): Promise<void> {
    this.sent.push({ topic, envelope, options });
  }
}

function consumed(data: ActionRequested): ConsumedMessage<ActionRequested> & { heartbeats: number } {
  const message = {
    envelope: makeEnvelope({
      id: derivedEnvelopeId(messageId, 'action'),
      type: EVENT_TYPES.actionRequested,
      correlationId: 'corr-7',
      data,
    }),
    topic: TOPICS.actions,
    partition: 2,
    offset: '41',
    key: 'ada',
    headers: {},
    heartbeats: 0,
    heartbeat: async () => {
      message.heartbeats++;
    },
  };
  return message;
}

const timeInTokyo: ActionRequested = {
  messageId,
  user: 'ada',
  intent: 'time',
  action: { kind: 'time', zone: 'Tokyo' },
};

describe('ActionHandler', () => {
  it('publishes the reply on the replies topic, keyed by user, with a derived id and the correlation id', async () => {
    const publisher = new FakePublisher();
    const runner = new ProviderActionRunner({
      weather: () => Promise.reject(new Error('not called')),
      time: async () => ({ zone: 'Asia/Tokyo', localTime: '2026-01-01T09:00:00', utcOffset: '+09:00' }),
    });
    const message = consumed(timeInTokyo);
    await new ActionHandler(runner, publisher).handle(message);
    expect(publisher.sent).toHaveLength(1);
    const [sent] = publisher.sent;
    expect(sent!.topic).toBe(TOPICS.replies);
    expect(sent!.options).toEqual({ key: 'ada' });
    expect(sent!.envelope).toMatchObject({
      id: derivedEnvelopeId(messageId, 'reply'),
      type: EVENT_TYPES.replyProduced,
      correlationId: 'corr-7',
    });
    expect(sent!.envelope.data as ReplyProduced).toMatchObject({ messageId, status: 'replied', intent: 'time' });
    expect(message.heartbeats).toBe(1);
  });

  it('publishes nothing and throws when the provider is down, so the adapter retries', async () => {
    const publisher = new FakePublisher();
    const runner = new ProviderActionRunner({
      weather: () => Promise.reject(new Error('not called')),
      time: () => Promise.reject(new ProviderError('provider-unavailable', 'provider answered 503', { status: 503 })),
    });
    await expect(new ActionHandler(runner, publisher).handle(consumed(timeInTokyo))).rejects.toMatchObject({
      code: 'provider-unavailable',
    });
    expect(publisher.sent).toHaveLength(0);
  });
});
