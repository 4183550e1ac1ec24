import type { KafkaMessage } from 'kafkajs';
import { contractTopicOf, DLQ_HEADERS, type DeadLetterReason, type RecordHeaders } from '#libs/contracts';
import { keepPropagationHeaders, type Logger } from '#libs/observability';
import { delay, fullJitterDelayMs } from '#libs/resilience';
import { type DeadLetterCopy, KAFKA_DEFAULT_MAX_MESSAGE_BYTES, planDeadLetterCopy } from './dead-letter-copy';
import { isNotRetryable } from './errors';
import type { KafkaMetrics } from './kafka-metrics';
import type { EventPublisher } from './publisher';

/**
 * How a dead-letter send failed. `too-large`: the broker refused the copy's size (a smaller copy may
 * go). `refused`: the broker (or kafkajs, encoding it) refused it for a reason that another attempt
 * does not change: authorization, an invalid record, an encoding bug. `transient`: the broker or a
 * partition leader is away, a timeout, an injected fault; the same send may succeed later.
 */
export type DeadLetterSendFailure = { kind: 'too-large' | 'refused' | 'transient'; errorType: string };

const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/** The error and what it wraps (`cause`, kafkajs's and ours; `original`, RetriableConsumerError's), outermost first. */
function chain(error: unknown): Record<string, unknown>[] {
  const links: Record<string, unknown>[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && links.length < 8 && !links.includes(current as never)) {
    const link = current as Record<string, unknown>;
    links.push(link);
    current = link.cause ?? link.original;
  }
  return links;
}

/** Classifies a failed dead-letter send by the Kafka error it carries (kafkajs's `type` and `retriable`). */
export function classifyDeadLetterSendFailure(error: unknown): DeadLetterSendFailure {
  const links = chain(error);
  const typed = links.find((link) => typeof link.type === 'string');
  const errorType = String(typed?.type ?? links.find((link) => typeof link.name === 'string')?.name ?? 'unknown')
    .toLowerCase()
    .slice(0, 64);
  if (typed && TOO_LARGE.has(typed.type as string)) return { kind: 'too-large', errorType };
  if (typed && typed.retriable === false) return { kind: 'refused', errorType };
  if (links.some((link) => isNotRetryable(link))) return { kind: 'refused', errorType };
  return { kind: 'transient', errorType };
}

/** The consumed record to dead-letter, where it was read, and why it failed. */
export interface DeadLetterRequest {
  /** The topic as consumed (with the lab prefix). */
  topic: string;
  partition: number;
  message: Pick<KafkaMessage, 'key' | 'value' | 'offset'> & { headers?: RecordHeaders | null };
  reason: DeadLetterReason;
  error: unknown;
  /** Handler attempts made before giving up. */
  attempts: number;
  heartbeat: () => Promise<void>;
}

export interface DeadLettererOptions {
  publisher: EventPublisher;
  metrics: KafkaMetrics;
  logger: Logger;
  /** The DLQ topic, fully resolved (with the lab prefix). */
  dlqTopic: string;
  /** The consumer group, as the broker knows it (for the provenance header). */
  consumerGroup: string;
  /** Sends the DLQ refuses for good before the record is logged and skipped. Default 3. */
  refusedAttempts?: number;
  /** Backoff between refused sends. Default 250 ms doubling to 2 s, full jitter. */
  backoff?: { baseDelayMs: number; maxDelayMs: number };
}

/** `dead_lettered`: a copy (whole, cut or pointer) is on the DLQ. `dropped`: the DLQ refused it for good. */
export type DeadLetterOutcome = 'dead_lettered' | 'dropped';

/**
 * Sends a record that cannot be handled to the DLQ: its key, value and headers byte for byte, plus
 * provenance headers; cut to a value prefix, or to a pointer, when the copy would exceed the DLQ's
 * `max.message.bytes` (computed beforehand, and again when the broker answers MESSAGE_TOO_LARGE).
 * Transient failures are thrown (the caller leaves the offset unresolved: the record comes again). A
 * DLQ that refuses the copy for good (authorization, an invalid record) is tried `refusedAttempts`
 * times, then the record is logged with its source offset, counted in
 * `jeeves_kafka_dead_letter_failures_total` and skipped: a poison record must not stop its partition
 * because the DLQ is misconfigured, and it stays on its source topic until retention.
 */
export class DeadLetterer {
  private maxMessageBytes = KAFKA_DEFAULT_MAX_MESSAGE_BYTES;

  constructor(private readonly options: DeadLettererOptions) {}

  /** Sets the DLQ topic's `max.message.bytes`, as read from the broker. */
  setMaxMessageBytes(bytes: number): void {
    if (Number.isSafeInteger(bytes) && bytes > 0) this.maxMessageBytes = bytes;
  }

  async deadLetter(request: DeadLetterRequest): Promise<DeadLetterOutcome> {
    const { message, partition, reason, error } = request;
    const source = contractTopicOf(request.topic) ?? request.topic;
    const text = error instanceof Error ? error.message : String(error);
    const provenance = {
      [DLQ_HEADERS.sourceTopic]: source,
      [DLQ_HEADERS.sourcePartition]: String(partition),
      [DLQ_HEADERS.sourceOffset]: message.offset,
      [DLQ_HEADERS.reason]: reason,
      [DLQ_HEADERS.error]: text.slice(0, 500),
      [DLQ_HEADERS.consumerGroup]: this.options.consumerGroup,
      [DLQ_HEADERS.attempts]: String(request.attempts),
      [DLQ_HEADERS.deadLetteredAt]: new Date().toISOString(),
    };
    const original = { key: message.key ?? null, value: message.value ?? null, headers: message.headers };
    let copy = planDeadLetterCopy(original, provenance, { maxMessageBytes: this.maxMessageBytes });
    const where = { topic: request.topic, partition, offset: message.offset, reason, error: text };
    for (let refused = 1; ;) {
      try {
        await this.send(copy);
        this.record(source, reason, copy, where);
        return 'dead_lettered';
      } catch (sendError) {
        const failure = classifyDeadLetterSendFailure(sendError);
        if (failure.kind === 'too-large' && copy.kind !== 'pointer') {
          this.options.logger.warn(
            { ...where, copy: copy.kind, sizeBytes: copy.sizeBytes, maxMessageBytes: this.maxMessageBytes },
            'the DLQ refused the dead-letter copy as too large; sending a pointer',
          );
          copy = planDeadLetterCopy(original, provenance, { maxMessageBytes: this.maxMessageBytes, pointerOnly: true });
          continue;
        }
        if (failure.kind === 'transient') throw sendError;
        if (refused >= (this.options.refusedAttempts ?? 3)) {
          this.options.metrics.deadLetterFailures.inc({ source_topic: source, error_type: failure.errorType });
          this.options.logger.error(
            {
              ...where,
              err: sendError,
              errorType: failure.errorType,
              attempts: refused,
              // Sizes, not contents: the key is a user id, and the offset finds the record.
              keyBytes: message.key?.length ?? null,
              valueBytes: message.value?.length ?? null,
            },
            'the DLQ refused this record for good; skipping it (it stays on its source topic until retention)',
          );
          return 'dropped';
        }
        refused++;
        await delay(fullJitterDelayMs(refused - 2, this.options.backoff ?? { baseDelayMs: 250, maxDelayMs: 2000 }));
        await request.heartbeat();
      }
    }
  }

  private async send(copy: DeadLetterCopy): Promise<void> {
    const { key, value, headers } = copy.record;
    // Buffers pass Nest's KafkaRequestSerializer untouched (it encodes only objects, arrays and
    // undefined); null header values need fixKafkajsHeaders (kafkajs-header-fixes.ts).
    await this.options.publisher.send(this.options.dlqTopic, [
      { key, value, headers: keepPropagationHeaders(headers) },
    ]);
  }

  private record(source: string, reason: DeadLetterReason, copy: DeadLetterCopy, where: object): void {
    this.options.metrics.deadLetters.inc({ source_topic: source, reason });
    if (copy.kind !== 'whole') {
      this.options.metrics.deadLettersTruncated.inc({
        source_topic: source,
        truncation: copy.kind === 'pointer' ? 'record' : 'value',
      });
    }
    this.options.logger.warn({ ...where, copy: copy.kind, sizeBytes: copy.sizeBytes }, 'message dead-lettered');
  }
}
