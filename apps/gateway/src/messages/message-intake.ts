import { createHash, randomUUID } from 'node:crypto';
import { uuidV5 } from '#libs/contracts';
import { ProblemError } from '#libs/platform';
import type { IdempotencyStore } from '../idempotency/idempotency-store';
import type { MessagePublisher } from './message-publisher';
import type { RecentlyAccepted } from './recently-accepted';

export interface NewMessage {
  clientId: string;
  user: string;
  text: string;
  correlationId: string;
  idempotencyKey?: string;
}

export interface Acceptance {
  id: string;
  /** True when an earlier request with the same Idempotency-Key already produced this id. */
  replayed: boolean;
}

/** Claims of one key that gave up (their publish failed) before this request takes over itself. */
const MAX_CLAIM_ATTEMPTS = 3;

/**
 * Accepting a message: publish it once, however often the client retries with the same
 * Idempotency-Key. With a key, the message id is derived from client, key and body, so even a retry
 * the store has forgotten (restart, eviction) republishes the same id, which data-service dedupes.
 */
export class MessageIntake {
  constructor(
    private readonly publisher: MessagePublisher,
    private readonly idempotency: IdempotencyStore,
    private readonly recent: RecentlyAccepted,
    private readonly onAccepted: (clientId: string, replayed: boolean) => void = () => undefined,
  ) {}

  async accept(message: NewMessage): Promise<Acceptance> {
    if (message.idempotencyKey === undefined) {
      const id = randomUUID();
      await this.publish(id, message);
      this.onAccepted(message.clientId, false);
      return { id, replayed: false };
    }
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([message.user, message.text]))
      .digest('hex');
    const storeKey = `${message.clientId}\n${message.idempotencyKey}`;
    for (let attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
      const claim = await this.idempotency.claim(storeKey, fingerprint);
      if (claim.kind === 'claimed') {
        const id = uuidV5(`gateway:message:${storeKey}\n${fingerprint}`);
        try {
          await this.publish(id, message);
        } catch (error) {
          await claim.abandon();
          throw error;
        }
        await claim.complete(id);
        this.onAccepted(message.clientId, false);
        return { id, replayed: false };
      }
      const claimedFingerprint = claim.kind === 'done' ? claim.record.fingerprint : claim.fingerprint;
      if (claimedFingerprint !== fingerprint) {
        throw new ProblemError(422, 'idempotency-key-reused', {
          detail:
            'this Idempotency-Key was already used with a different request body; use a new key for a new message',
        });
      }
      const record = claim.kind === 'done' ? claim.record : await claim.settled;
      if (record) {
        this.onAccepted(message.clientId, true);
        return { id: record.messageId, replayed: true };
      }
      // The request holding the key failed and released it: try to claim it ourselves.
    }
    throw new ProblemError(409, 'conflict', {
      detail: 'another request with this Idempotency-Key keeps failing; retry later',
      retryAfterSeconds: 1,
    });
  }

  private async publish(id: string, message: NewMessage): Promise<void> {
    await this.publisher.publishAccepted(
      { messageId: id, user: message.user, text: message.text, clientId: message.clientId },
      message.correlationId,
    );
    this.recent.remember(id, message.clientId);
  }
}
