import { decodeEnvelope, type RawConsumedMessage } from '#libs/kafka';
import { contentTypeOf, type Envelope, PAYLOAD_SCHEMAS, type RecordHeaders } from '#libs/contracts';
import type { Logger } from '#libs/observability';
import { lifecycleEventOf, readDeadLetter } from '../lifecycle/events';
import { applyEvent, type LifecycleEvent, type Transition } from '../lifecycle/lifecycle';
import type { MessageRepository } from '../store/message.repository';
import type { DataMetrics } from './data-metrics';

/** What happened to one consumed event; returned for tests and logs. */
export type IngestResult = 'applied' | 'unchanged' | 'duplicate' | 'ignored';

/** Dead-letter effects, also the `effect` label of jeeves_data_dead_letters_observed_total. */
export type DeadLetterEffect = 'marked_failed' | 'reapplied' | 'duplicate' | 'no_message';

/**
 * Turns consumed events into store transactions and metrics. Idempotency lives in the store (the
 * envelope id is recorded in the same transaction as its effect), so this class may see any event
 * any number of times.
 */
export class EventIngestor {
  constructor(
    private readonly repository: MessageRepository,
    private readonly metrics: DataMetrics,
    private readonly logger: Logger,
    /** This service's consumer group as it appears in DLQ headers (prefix included). */
    private readonly ownGroup: string,
    private readonly now: () => number = Date.now,
  ) {}

  async ingest(envelope: Envelope, headers: RecordHeaders): Promise<IngestResult> {
    const event = lifecycleEventOf(envelope, headers);
    if (!event) return 'ignored';
    return this.apply(envelope.id, envelope.type, event);
  }

  /**
   * A dead letter names a message: mark it failed. Except our own for a valid pipeline envelope
   * whose store writes ran out of retries (`retries-exhausted`: a store outage): it is applied again
   * now, which keeps a store outage from turning replied messages into failed ones. Our own for any
   * other reason (`handler-error`: a bug or an input we could not store) would only fail again.
   */
  async ingestDeadLetter(message: RawConsumedMessage): Promise<DeadLetterEffect> {
    const letter = readDeadLetter(message.value, message.key, message.headers, this.now());
    let effect: DeadLetterEffect;
    if (
      letter.envelope &&
      letter.consumerGroup === this.ownGroup &&
      letter.reason === 'retries-exhausted' &&
      this.isValidPipelineEnvelope(message.value, message.headers)
    ) {
      const result = await this.ingest(letter.envelope, message.headers);
      effect = result === 'duplicate' ? 'duplicate' : 'reapplied';
    } else if (letter.event && letter.envelope) {
      // Keyed by the dead letter's origin, not its envelope id: that id was (or will be) applied by
      // the normal path already, and two groups may dead-letter the same envelope for two reasons.
      const key = `dlq:${letter.envelope.id}:${letter.consumerGroup ?? 'unknown'}`;
      const result = await this.apply(key, 'dead-letter', letter.event);
      effect = result === 'duplicate' ? 'duplicate' : 'marked_failed';
    } else {
      effect = 'no_message';
    }
    this.metrics.deadLetters.inc({ source_topic: letter.sourceTopic, effect });
    this.logger.debug({ sourceTopic: letter.sourceTopic, reason: letter.reason, effect }, 'dead letter observed');
    return effect;
  }

  private isValidPipelineEnvelope(value: Buffer | null, headers: RecordHeaders): boolean {
    try {
      decodeEnvelope(value, PAYLOAD_SCHEMAS, contentTypeOf(headers));
      return true;
    } catch {
      return false;
    }
  }

  private async apply(eventKey: string, eventType: string, event: LifecycleEvent): Promise<IngestResult> {
    const outcome = await this.repository.applyOnce({
      eventKey,
      eventType,
      messageId: event.messageId,
      reduce: (current) => applyEvent(current, event, this.now()),
    });
    if (outcome.duplicate) {
      this.metrics.duplicates.inc({ type: eventType });
      return 'duplicate';
    }
    this.record(outcome.transition);
    return outcome.transition.changed ? 'applied' : 'unchanged';
  }

  /** Observed after the commit: a rolled-back transaction never counts. */
  private record(transition: Transition): void {
    const { next } = transition;
    const intent = next.intent ?? 'none';
    if (transition.completed) {
      this.metrics.completed.inc({ intent, status: next.status, degraded: String(next.degraded) });
    }
    if (transition.endToEndSeconds !== null) {
      // Typed as a plain record: prom-client types exemplar labels as the metric's own label names.
      const exemplar: Record<string, string> | undefined = next.traceId ? { trace_id: next.traceId } : undefined;
      this.metrics.endToEnd.observe({
        labels: { intent, status: next.status },
        value: transition.endToEndSeconds,
        exemplarLabels: exemplar,
      });
    }
  }
}
