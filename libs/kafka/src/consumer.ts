import { context as otelContext, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Admin, Consumer, EachMessagePayload, IHeaders } from 'kafkajs';
import { DLQ_HEADERS, type DeadLetterReason, type Envelope, TOPICS, type TopicName, topicName } from '#libs/contracts';
import { type Logger, traceExemplar } from '#libs/observability';
import { delay, fullJitterDelayMs } from '#libs/resilience';
import { decodeEnvelope, type PayloadSchemas } from './decode';
import { isPoison, NonRetryableError, RetriableConsumerError } from './errors';
import type { KafkaMetrics } from './kafka-metrics';
import type { EventPublisher } from './publisher';

export interface ConsumedMessage<T = unknown> {
  envelope: Envelope<T>;
  /** Contract topic name (without the lab prefix). */
  topic: TopicName;
  partition: number;
  offset: string;
  key: string | null;
  headers: IHeaders;
  /** Call between long steps so the group does not think this member died. */
  heartbeat(): Promise<void>;
}

export type MessageHandler = (message: ConsumedMessage) => Promise<void>;

/** A message handed over undecoded: for topics with no envelope schema of their own (the DLQ). */
export interface RawConsumedMessage {
  /** Contract topic name (without the lab prefix). */
  topic: TopicName;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: IHeaders;
  heartbeat(): Promise<void>;
}

export interface RawConsumerOptions {
  /** Topics whose messages skip envelope decoding and go to `handler` as they are. */
  topics: readonly TopicName[];
  /**
   * Retried like any handler; when retries run out the message is logged and skipped (outcome
   * `dropped`), never dead-lettered: raw topics include the DLQ, and a dead letter of a dead letter
   * would loop.
   */
  handler: (message: RawConsumedMessage) => Promise<void>;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface ConsumerOptions {
  /** Consumer group, without the lab prefix: one per app (`jeeves-worker`). */
  groupId: string;
  topics: readonly TopicName[];
  schemas: PayloadSchemas;
  handler: MessageHandler;
  retry?: RetryPolicy;
  /** Partitions handled at once by this instance (order is kept within a partition). */
  concurrency?: number;
  /** How many recently handled envelope ids are remembered to skip redeliveries (0 turns it off). */
  dedupeWindow?: number;
  lagIntervalMs?: number;
  /** Topics (among `topics`) delivered undecoded to their own handler. */
  raw?: RawConsumerOptions;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 2000 };

/** A bounded set that forgets its oldest entries: remembers recent ids without growing forever. */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    if (this.capacity <= 0) return;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
  }
}

const tracer = trace.getTracer('jeeves-kafka');

/**
 * Runs one consumer group member. Validation failures and exhausted retries go to the dead-letter
 * topic with headers saying where they came from and why; the partition moves on. Offsets are
 * resolved only after the handler (or the dead-letter send) succeeded, so a crash redelivers
 * instead of losing: at-least-once delivery, made exactly-once in effect by idempotent handlers.
 */
export class EventConsumer {
  private readonly retry: RetryPolicy;
  private readonly recent: RecentIds;
  private readonly group: string;
  private ready = false;
  private stopped = false;
  private lagTimer: NodeJS.Timeout | undefined;
  private readonly pausedTopics = new Set<string>();

  constructor(
    private readonly consumer: Consumer,
    private readonly admin: Admin,
    private readonly publisher: EventPublisher,
    private readonly options: ConsumerOptions,
    private readonly topicPrefix: string,
    private readonly metrics: KafkaMetrics,
    private readonly logger: Logger,
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.recent = new RecentIds(options.dedupeWindow ?? 10_000);
    this.group = topicPrefix ? `${topicPrefix}.${options.groupId}` : options.groupId;
  }

  get groupId(): string {
    return this.group;
  }

  isReady(): boolean {
    return this.ready && !this.stopped;
  }

  async start(): Promise<void> {
    const { events } = this.consumer;
    this.consumer.on(events.GROUP_JOIN, () => {
      this.ready = true;
      this.metrics.rebalances.inc({ group: this.options.groupId });
    });
    this.consumer.on(events.CRASH, (event) => {
      this.ready = false;
      this.logger.error({ err: event.payload.error, restart: event.payload.restart }, 'kafka consumer crashed');
    });
    this.consumer.on(events.DISCONNECT, () => {
      this.ready = false;
    });
    await this.consumer.connect();
    await this.admin.connect();
    await this.consumer.subscribe({
      topics: this.options.topics.map((topic) => topicName(topic, this.topicPrefix)),
      fromBeginning: true,
    });
    await this.consumer.run({
      autoCommit: true,
      autoCommitInterval: 500,
      autoCommitThreshold: 100,
      partitionsConsumedConcurrently: this.options.concurrency ?? 3,
      eachMessage: (payload) =>
        this.handle(payload).catch((error: unknown) => {
          throw new RetriableConsumerError(error);
        }),
    });
    this.lagTimer = setInterval(() => void this.recordLag(), this.options.lagIntervalMs ?? 5000);
    this.lagTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.lagTimer) clearInterval(this.lagTimer);
    await this.consumer.disconnect();
    await this.admin.disconnect();
  }

  /** Stops fetching from a topic (or all) until `resume`; used by the `pause-consumer` fault. */
  pause(topic?: TopicName): void {
    const topics = topic ? [topic] : this.options.topics;
    for (const name of topics) this.pausedTopics.add(name);
    this.consumer.pause(topics.map((name) => ({ topic: topicName(name, this.topicPrefix) })));
  }

  resume(topic?: TopicName): void {
    const topics = topic ? [topic] : [...this.pausedTopics];
    for (const name of topics) this.pausedTopics.delete(name);
    this.consumer.resume(topics.map((name) => ({ topic: topicName(name as TopicName, this.topicPrefix) })));
  }

  private baseTopic(topic: string): TopicName {
    return (this.topicPrefix ? topic.slice(this.topicPrefix.length + 1) : topic) as TopicName;
  }

  private async handle(payload: EachMessagePayload): Promise<void> {
    const { message, partition, heartbeat } = payload;
    const topic = this.baseTopic(payload.topic);
    const labels = { topic, group: this.options.groupId };
    const started = process.hrtime.bigint();
    const raw = this.options.raw;
    if (raw?.topics.includes(topic)) {
      const outcome = await this.handleRaw(payload, topic, raw.handler);
      this.metrics.handlerDuration.observe({ labels, value: Number(process.hrtime.bigint() - started) / 1e9 });
      this.metrics.consumed.inc({ ...labels, outcome });
      return;
    }
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(message.value, this.options.schemas);
    } catch (error) {
      const reason: DeadLetterReason = isPoison(error) ? error.reason : 'invalid-envelope';
      await this.deadLetter(payload, reason, error, 1);
      this.metrics.consumed.inc({ ...labels, outcome: 'dead_lettered' });
      return;
    }
    if (this.recent.has(envelope.id)) {
      this.metrics.consumed.inc({ ...labels, outcome: 'duplicate' });
      return;
    }

    const consumed: ConsumedMessage = {
      envelope,
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString('utf8') ?? null,
      headers: message.headers ?? {},
      heartbeat,
    };
    const span = tracer.startSpan(`handle ${envelope.type}`, {
      kind: SpanKind.INTERNAL,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.name': 'process',
        'messaging.destination.name': payload.topic,
        'messaging.destination.partition.id': String(partition),
        'messaging.kafka.offset': Number(message.offset),
        'messaging.consumer.group.name': this.group,
        'messaging.message.id': envelope.id,
        'jeeves.message.type': envelope.type,
      },
    });
    const outcome = await otelContext.with(trace.setSpan(otelContext.active(), span), () =>
      this.runWithRetries(consumed, payload),
    );
    if (outcome === 'dead_lettered') span.setStatus({ code: SpanStatusCode.ERROR, message: 'dead-lettered' });
    span.setAttribute('jeeves.outcome', outcome);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.metrics.handlerDuration.observe({
      labels,
      value: seconds,
      exemplarLabels: span.isRecording() ? { trace_id: span.spanContext().traceId } : traceExemplar(),
    });
    // One line per message, inside the span so it carries trace_id/span_id.
    otelContext.with(trace.setSpan(otelContext.active(), span), () =>
      this.logger.info(
        {
          topic,
          partition,
          offset: message.offset,
          messageId: envelope.id,
          type: envelope.type,
          outcome,
          durationMs: Math.round(seconds * 10000) / 10,
        },
        'message',
      ),
    );
    span.end();
    this.metrics.consumed.inc({ ...labels, outcome });
    if (outcome !== 'dead_lettered') this.recent.add(envelope.id);
  }

  private async runWithRetries(
    message: ConsumedMessage,
    payload: EachMessagePayload,
  ): Promise<'ok' | 'retried' | 'dead_lettered'> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.handler(message);
        return attempt === 1 ? 'ok' : 'retried';
      } catch (error) {
        const retryable = !(error instanceof NonRetryableError) && !isPoison(error);
        if (!retryable || attempt >= this.retry.attempts || this.stopped) {
          await this.deadLetter(payload, isPoison(error) ? error.reason : 'retries-exhausted', error, attempt);
          return 'dead_lettered';
        }
        this.logger.warn({ err: error, messageId: message.envelope.id, attempt }, 'handler failed; retrying');
        await delay(fullJitterDelayMs(attempt - 1, this.retry));
        await message.heartbeat();
      }
    }
  }

  private async handleRaw(
    payload: EachMessagePayload,
    topic: TopicName,
    handler: RawConsumerOptions['handler'],
  ): Promise<'ok' | 'retried' | 'dropped'> {
    const { message, partition, heartbeat } = payload;
    const raw: RawConsumedMessage = {
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString('utf8') ?? null,
      value: message.value,
      headers: message.headers ?? {},
      heartbeat,
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await handler(raw);
        return attempt === 1 ? 'ok' : 'retried';
      } catch (error) {
        if (error instanceof NonRetryableError || attempt >= this.retry.attempts || this.stopped) {
          this.logger.error(
            { err: error, topic: payload.topic, partition, offset: message.offset, attempts: attempt },
            'raw message handler failed; skipping it',
          );
          return 'dropped';
        }
        this.logger.warn(
          { err: error, topic: payload.topic, partition, offset: message.offset, attempt },
          'raw handler failed; retrying',
        );
        await delay(fullJitterDelayMs(attempt - 1, this.retry));
        await heartbeat();
      }
    }
  }

  /** Sends the original bytes to the DLQ with provenance headers; throws if the send fails (no commit, no loss). */
  private async deadLetter(
    payload: EachMessagePayload,
    reason: DeadLetterReason,
    error: unknown,
    attempts: number,
  ): Promise<void> {
    const { message, partition } = payload;
    const text = error instanceof Error ? error.message : String(error);
    if (this.baseTopic(payload.topic) === TOPICS.dlq) {
      // A dead letter of a dead letter would come straight back: log it and move on.
      this.logger.error(
        { topic: payload.topic, partition, offset: message.offset, reason, error: text },
        'message from the dead-letter topic failed; skipping it',
      );
      return;
    }
    const headers: IHeaders = {
      ...(message.headers ?? {}),
      [DLQ_HEADERS.sourceTopic]: this.baseTopic(payload.topic),
      [DLQ_HEADERS.sourcePartition]: String(partition),
      [DLQ_HEADERS.sourceOffset]: message.offset,
      [DLQ_HEADERS.reason]: reason,
      [DLQ_HEADERS.error]: text.slice(0, 500),
      [DLQ_HEADERS.consumerGroup]: this.group,
      [DLQ_HEADERS.attempts]: String(attempts),
      [DLQ_HEADERS.deadLetteredAt]: new Date().toISOString(),
    };
    await this.publisher.send(topicName(TOPICS.dlq, this.topicPrefix), [
      { key: message.key?.toString('utf8') ?? null, value: message.value, headers },
    ]);
    this.metrics.deadLetters.inc({ source_topic: this.baseTopic(payload.topic), reason });
    this.logger.warn(
      { topic: payload.topic, partition, offset: message.offset, reason, error: text },
      'message dead-lettered',
    );
  }

  private async recordLag(): Promise<void> {
    if (!this.ready || this.stopped) return;
    try {
      for (const base of this.options.topics) {
        const topic = topicName(base, this.topicPrefix);
        const [ends, committed] = await Promise.all([
          this.admin.fetchTopicOffsets(topic),
          this.admin.fetchOffsets({ groupId: this.group, topics: [topic] }),
        ]);
        const committedByPartition = new Map(
          committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? [],
        );
        for (const end of ends) {
          const done = committedByPartition.get(end.partition) ?? -1;
          const from = done >= 0 ? done : Number(end.low);
          this.metrics.lag.set(
            { group: this.options.groupId, topic: base, partition: String(end.partition) },
            Math.max(0, Number(end.high) - from),
          );
        }
      }
    } catch (error) {
      this.logger.debug({ err: error }, 'lag poll failed');
    }
  }
}
