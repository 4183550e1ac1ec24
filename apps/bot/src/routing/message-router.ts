import {
  derivedEnvelopeId,
  EVENT_TYPES,
  type Envelope,
  makeEnvelope,
  type MessageAccepted,
  TOPICS,
} from '#libs/contracts';
import { type ConsumedMessage, type EventPublisher, PoisonMessageError } from '#libs/kafka';
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

  async handle(message: ConsumedMessage): Promise<void> {
    // The consumer only decodes `message.accepted`; anything else reaching here is a wiring mistake.
    if (message.envelope.type !== EVENT_TYPES.messageAccepted)
      throw new PoisonMessageError('unknown-type', `bot does not handle "${message.envelope.type}"`);
    const incoming = message.envelope as Envelope<MessageAccepted>;
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
