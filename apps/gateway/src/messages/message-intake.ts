import { createHash, randomUUID } from 'node:crypto';
import { uuidV5 } from '#libs/contracts';
import { ProblemError } from '#libs/platform';
import type { IdempotencyClaim, IdempotencyStore } from '../idempotency/idempotency-store';
import { type LateOutcome, lateOutcomeOf, type MessagePublisher } from './message-publisher';
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

/**
 * The message was not confirmed: its publish failed or did not finish in time, and a produce in
 * flight cannot be recalled, so it may still be published under `messageId` (ADR 0041). The POST
 * answers 503 naming the id; a retry with the same Idempotency-Key republishes that same id.
 */
export class MessageUnconfirmedError extends Error {
  readonly code = 'EUNCONFIRMED';
  constructor(
    readonly messageId: string,
    /** What became of the send, once known. */
    readonly outcome: Promise<LateOutcome>,
    options?: { cause?: unknown },
  ) {
    super(`message ${messageId} was not confirmed by the message bus; it may still be published`, options);
    this.name = 'MessageUnconfirmedError';
  }
}

export interface MessageIntakeOptions {
  /**
   * How long a request waits for another request that holds the same Idempotency-Key before it
   * answers 503 with the message id itself, in milliseconds (the publish timeout suits).
   */
  waitForHolderMs: number;
  /** A message was published in time (`replayed`: an earlier request with the key had done it). */
  onAccepted?: (clientId: string, replayed: boolean) => void;
  /** A POST is answered 503 with its message id: the publish was not confirmed. */
  onUnconfirmed?: (clientId: string) => void;
  /** The publish of a message answered 503 went through after all. */
  onPublishedLate?: (clientId: string) => void;
}

/** Claims of one key that gave up (their publish failed) before this request takes over itself. */
const MAX_CLAIM_ATTEMPTS = 3;

/**
 * Accepting a message: publish it once, however often the client retries with the same
 * Idempotency-Key. With a key, the message id is derived from client, key and body, so even a retry
 * the store has forgotten (restart, eviction) republishes the same id, which data-service dedupes.
 * A publish that is not confirmed in time is not recalled (Kafka cannot): the request fails with
 * the id it may still be published under, and its key stays held until the send settles.
 */
export class MessageIntake {
  constructor(
    private readonly publisher: MessagePublisher,
    private readonly idempotency: IdempotencyStore,
    private readonly recent: RecentlyAccepted,
    private readonly options: MessageIntakeOptions,
  ) {}

  /**
   * Publishes `message` and returns its id; throws `MessageUnconfirmedError` (the id it may still
   * be published under) when Kafka did not confirm it, and a 422/409 ProblemError for a key misused
   * or stuck.
   */
  async accept(message: NewMessage): Promise<Acceptance> {
    if (message.idempotencyKey === undefined) {
      const id = randomUUID();
      await this.publish(id, message);
      this.options.onAccepted?.(message.clientId, false);
      return { id, replayed: false };
    }
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([message.user, message.text]))
      .digest('hex');
    const storeKey = `${message.clientId}\n${message.idempotencyKey}`;
    const id = uuidV5(`gateway:message:${storeKey}\n${fingerprint}`);
    for (let attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
      const claim = await this.idempotency.claim(storeKey, fingerprint);
      if (claim.kind === 'claimed') {
        try {
          await this.publish(id, message);
        } catch (error) {
          // Held until the send settles: a retry meanwhile waits for it instead of sending a copy.
          if (error instanceof MessageUnconfirmedError) void settleLater(claim, id, error.outcome);
          else await claim.release();
          throw error;
        }
        await claim.complete(id);
        this.options.onAccepted?.(message.clientId, false);
        return { id, replayed: false };
      }
      const claimedFingerprint = claim.kind === 'done' ? claim.record.fingerprint : claim.fingerprint;
      if (claimedFingerprint !== fingerprint) {
        throw new ProblemError(422, 'idempotency-key-reused', {
          detail:
            'this Idempotency-Key was already used with a different request body; use a new key for a new message',
        });
      }
      // (A key released with this very fingerprint is claimed again above, so `released` means another body.)
      if (claim.kind === 'released') continue;
      const record =
        claim.kind === 'done' ? claim.record : await this.waitForHolder(claim.settled, id, message.clientId);
      if (record) {
        this.options.onAccepted?.(message.clientId, true);
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
    try {
      await this.publisher.publishAccepted(
        { messageId: id, user: message.user, text: message.text, clientId: message.clientId },
        message.correlationId,
      );
    } catch (error) {
      const outcome = lateOutcomeOf(error);
      this.options.onUnconfirmed?.(message.clientId);
      void outcome.then((late) => {
        if (late !== 'published') return;
        // It exists after all: GET answers "accepted" until data-service has it.
        this.recent.remember(id, message.clientId);
        this.options.onPublishedLate?.(message.clientId);
      });
      throw new MessageUnconfirmedError(id, outcome, { cause: error });
    }
    this.recent.remember(id, message.clientId);
  }

  /** The holder's record, or undefined if it released the key; past `waitForHolderMs`, unconfirmed. */
  private async waitForHolder(
    settled: Promise<{ fingerprint: string; messageId: string } | undefined>,
    id: string,
    clientId: string,
  ): Promise<{ fingerprint: string; messageId: string } | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.waitForHolderMs);
    });
    try {
      const result = await Promise.race([settled, timedOut]);
      if (result !== 'timeout') return result;
      // The same request is still being published by the holder: this answer is as uncertain as its.
      this.options.onUnconfirmed?.(clientId);
      throw new MessageUnconfirmedError(
        id,
        settled.then((record) => (record ? 'published' : 'unknown')),
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Completes the claim if the send went through after all, else gives the key back for a retry. */
async function settleLater(
  claim: Extract<IdempotencyClaim, { kind: 'claimed' }>,
  id: string,
  outcome: Promise<LateOutcome>,
): Promise<void> {
  // An in-memory store never rejects; a shared one that does leaves the key pending until it expires.
  await ((await outcome) === 'published' ? claim.complete(id) : claim.release()).catch(() => undefined);
}
