import { EVENT_TYPES, makeEnvelope, type MessageAccepted, TOPICS } from '#libs/contracts';
import type { EventPublisher } from '#libs/kafka';
import { PublishFailedError } from '../errors';

/** Where accepted messages go. The Kafka one in production, a fake in tests. */
export interface MessagePublisher {
  /** Resolves once Kafka has the message; throws `PublishFailedError` when it did not take it. */
  publishAccepted(message: MessageAccepted, correlationId: string): Promise<void>;
}

export const MESSAGE_PUBLISHER = Symbol('MESSAGE_PUBLISHER');

/**
 * Publishes `message.accepted` keyed by user (one user's messages stay in order), with the message
 * id as envelope id so data-service dedupes a re-publish. kafkajs retries a failing send for a long
 * time; the POST must not hang on it, so a send gets `timeoutMs` and then fails.
 */
export class KafkaMessagePublisher implements MessagePublisher {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly timeoutMs: number,
  ) {}

  async publishAccepted(message: MessageAccepted, correlationId: string): Promise<void> {
    const envelope = makeEnvelope({
      type: EVENT_TYPES.messageAccepted,
      id: message.messageId,
      correlationId,
      data: message,
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PublishFailedError(`publish did not complete within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    const send = this.publisher.publish(TOPICS.messages, envelope, { key: message.user });
    // The send may still settle after the timeout won; its rejection must not go unhandled.
    send.catch(() => undefined);
    try {
      await Promise.race([send, timeout]);
    } catch (error) {
      throw error instanceof PublishFailedError ? error : new PublishFailedError('publish failed', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}
