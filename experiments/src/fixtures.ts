import { randomUUID } from 'node:crypto';
import { EVENT_TYPES, makeEnvelope, replyProducedSchema } from '#libs/contracts';

/**
 * Records a `produce` step can send by name, built when the step runs (fresh ids each time).
 *
 * `reply-produced`: a well-formed `reply.produced` envelope that passes the contract, keyed and
 * addressed to the step's key as user. Produced onto jeeves.messages.v1 it is a record the bot's
 * transport accepts (it validates against the whole contract) and its handler rejects: the bot's
 * EventHandlers table handles only `message.accepted` there and throws PoisonMessageError
 * (`unknown-type`). The hardened transport dead-letters it; Nest's stock transport hands the error
 * back to kafkajs, which retries it and restarts the consumer at the same offset.
 */
export const FIXTURES = ['reply-produced'] as const;
export type FixtureName = (typeof FIXTURES)[number];

export function buildFixture(name: FixtureName, key: string): string {
  switch (name) {
    case 'reply-produced': {
      const messageId = randomUUID();
      const data = replyProducedSchema.parse({
        messageId,
        user: key,
        intent: 'echo',
        status: 'replied',
        text: 'a reply where a message should be (poison-pill experiment)',
        degraded: false,
      });
      return JSON.stringify(makeEnvelope({ type: EVENT_TYPES.replyProduced, correlationId: messageId, data }));
    }
  }
}
