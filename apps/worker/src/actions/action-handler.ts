import { type ActionRequested, derivedEnvelopeId, EVENT_TYPES, makeEnvelope, TOPICS } from '#libs/contracts';
import type { ConsumedMessage, EventPublisher } from '#libs/kafka';
import type { ActionRunner } from './action-runner';

/** The part of the publisher the handler uses; a fake in unit tests. */
export type Publisher = Pick<EventPublisher, 'publish'>;

/**
 * Handles one `action.requested`: runs it and publishes the reply. The reply's envelope id is
 * derived from the message id (the bot's direct replies use the same derivation), so a redelivered
 * action yields the same reply envelope, and data-service stores it once.
 */
export class ActionHandler {
  constructor(
    private readonly runner: ActionRunner,
    private readonly publisher: Publisher,
  ) {}

  async handle(message: ConsumedMessage<ActionRequested>): Promise<void> {
    const incoming = message.envelope;
    const reply = await this.runner.run(incoming.data);
    await message.heartbeat();
    await this.publisher.publish(
      TOPICS.replies,
      makeEnvelope({
        id: derivedEnvelopeId(reply.messageId, 'reply'),
        type: EVENT_TYPES.replyProduced,
        correlationId: incoming.correlationId,
        data: reply,
      }),
      { key: reply.user },
    );
  }
}
