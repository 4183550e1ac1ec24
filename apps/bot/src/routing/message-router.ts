import { derivedEnvelopeId, EVENT_TYPES, makeEnvelope, type MessageAccepted, TOPICS } from '#libs/contracts';
import type { ConsumedMessage, EventPublisher } from '#libs/kafka';
import type { BotMetrics } from './bot-metrics';
import { routeMessage } from './route-message';

/** The part of the publisher the router uses; a fake in unit tests. */
export type Publisher = Pick<EventPublisher, 'publish'>;

/**
 * Handles one `message.accepted`: routes it and publishes the next step. The outgoing envelope id is
 * derived from the message id, so a redelivery republishes the same envelope and downstream
 * idempotency (by envelope id) keeps the effect single.
 */
export class MessageRouter {
  constructor(
    private readonly publisher: Publisher,
    private readonly metrics: BotMetrics,
  ) {}

  async handle(message: ConsumedMessage<MessageAccepted>): Promise<void> {
    const incoming = message.envelope;
    const accepted = incoming.data;
    const route = routeMessage(accepted);
    if (route.kind === 'action') {
      await this.publisher.publish(
        TOPICS.actions,
        makeEnvelope({
          id: derivedEnvelopeId(accepted.messageId, 'action'),
          type: EVENT_TYPES.actionRequested,
          correlationId: incoming.correlationId,
          data: route.action,
        }),
        { key: accepted.user },
      );
    } else {
      await this.publisher.publish(
        TOPICS.replies,
        makeEnvelope({
          id: derivedEnvelopeId(accepted.messageId, 'reply'),
          type: EVENT_TYPES.replyProduced,
          correlationId: incoming.correlationId,
          data: route.reply,
        }),
        { key: accepted.user },
      );
    }
    // Counted once published, so a handler retry does not count the message twice.
    this.metrics.intents.inc({ intent: route.intent });
  }
}
