import { EVENT_TYPES, makeEnvelope, type MessageAccepted, TOPICS } from '#libs/contracts';
import type { EventPublisher } from '#libs/kafka';
import { PublishFailedError } from '../errors';

/** What became of a send after its caller stopped waiting for it. */
export type LateOutcome = 'published' | 'failed' | 'unknown';

/**
 * The send timed out but was not (cannot be) cancelled: kafkajs keeps retrying it, and the broker
 * may have the record already. `outcome` says how it ended.
 */
export class PublishTimeoutError extends PublishFailedError {
  constructor(
    message: string,
    /** Settles once the send does: `published` (Kafka has it after all), `failed`, or `unknown` past the cap. */
    readonly outcome: Promise<LateOutcome>,
  ) {
    super(message);
    this.name = 'PublishTimeoutError';
  }
}

/** How a failed publish ended, as far as is known: a timeout's send may still land, a refusal has not. */
export function lateOutcomeOf(error: unknown): Promise<LateOutcome> {
  return error instanceof PublishTimeoutError ? error.outcome : Promise.resolve('failed');
}

/** Where accepted messages go. The Kafka one in production, a fake in tests. */
export interface MessagePublisher {
  /**
   * Resolves once Kafka has the message. Throws `PublishTimeoutError` when it did not confirm in
   * time (the send goes on: the message may still be published) or `PublishFailedError` when the
   * send failed. Either way the message may be on the topic: kafkajs cannot tell a request the
   * broker never got from one whose answer was lost.
   */
  publishAccepted(message: MessageAccepted, correlationId: string): Promise<void>;
}

export const MESSAGE_PUBLISHER = Symbol('MESSAGE_PUBLISHER');

/**
 * After this long a timed-out send's outcome is reported `unknown`. One kafkajs `sendBatch` settles
 * before: the lab's producer makes at most 11 attempts with a 10 s request timeout each and about
 * 26 s of backoff between them (PRODUCER_RETRY in libs/kafka/src/connection.ts), 136 s at worst.
 * The coalescer's resends of records kafkajs left out (at most 3, ADR 0041) go to the new leader
 * and take milliseconds as a rule; a send whose resends hang past the cap is reported `unknown`.
 */
const LATE_OUTCOME_CAP_MS = 180_000;

/**
 * Publishes `message.accepted` keyed by user (one user's messages stay in order), with the message
 * id as envelope id so data-service dedupes a re-publish. kafkajs retries a failing send for a long
 * time; the POST must not hang on it, so a send gets `timeoutMs` and then fails — but a produce in
 * flight cannot be recalled, so the error carries the send's eventual outcome (ADR 0041).
 */
export class KafkaMessagePublisher implements MessagePublisher {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly timeoutMs: number,
    private readonly lateOutcomeCapMs = LATE_OUTCOME_CAP_MS,
  ) {}

  async publishAccepted(message: MessageAccepted, correlationId: string): Promise<void> {
    const envelope = makeEnvelope({
      type: EVENT_TYPES.messageAccepted,
      id: message.messageId,
      correlationId,
      data: message,
    });
    const send = this.publisher.publish(TOPICS.messages, envelope, { key: message.user });
    // Never rejects; `send` settling is what every later reader of the outcome waits for.
    const settled = send.then(
      (): LateOutcome => 'published',
      (): LateOutcome => 'failed',
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    try {
      if ((await Promise.race([settled, timedOut])) === 'timeout')
        throw new PublishTimeoutError(
          `publish did not complete within ${this.timeoutMs} ms; the send goes on and may still publish`,
          capped(settled, this.lateOutcomeCapMs),
        );
    } finally {
      clearTimeout(timer);
    }
    // The race is over: a failed send rejects here with its own error.
    await send.catch((error: unknown) => {
      throw error instanceof PublishFailedError ? error : new PublishFailedError('publish failed', { cause: error });
    });
  }
}

/** `outcome`, or `unknown` once `capMs` passed; the timer does not keep the process alive. */
function capped(outcome: Promise<LateOutcome>, capMs: number): Promise<LateOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<LateOutcome>((resolve) => {
    timer = setTimeout(() => resolve('unknown'), capMs);
    timer.unref();
  });
  return Promise.race([outcome, cap]).finally(() => clearTimeout(timer));
}
