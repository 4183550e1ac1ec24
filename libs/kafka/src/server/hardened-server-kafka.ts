import { context as otelContext, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { KafkaContext, type KafkaOptions, type MessageHandler, ServerKafka } from '@nestjs/microservices';
import { type Admin, ConfigResourceTypes, type Consumer, type EachMessagePayload, type Kafka } from 'kafkajs';
import { isObservable, lastValueFrom } from 'rxjs';
import {
  contentTypeOf,
  contractTopicOf,
  type DeadLetterReason,
  type Envelope,
  PAYLOAD_SCHEMAS,
  TOPIC_SPECS,
  TOPICS,
  type TopicName,
  topicName,
} from '#libs/contracts';
import { type Logger, traceExemplar } from '#libs/observability';
import { passHandlerErrorsThrough } from '#libs/platform';
import { delay, fullJitterDelayMs } from '#libs/resilience';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from '../dead-letter-copy';
import { DeadLetterer } from '../dead-letterer';
import { decodeEnvelope } from '../decode';
import { isNotRetryable, isPoison, PoisonMessageError, RetriableConsumerError } from '../errors';
import { markDecoded } from '../event-handlers';
import type { ConsumeOutcome, KafkaMetrics } from '../kafka-metrics';
import type { EventPublisher } from '../publisher';
import { OffsetCommitter } from './offset-committer';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 2000 };

/** How the hardened transport consumes; everything else (brokers, ids) comes from Nest's KafkaOptions. */
export interface HardenedConsumerSettings {
  /** Consumer group without the lab prefix, for metric labels (`jeeves-worker`). */
  groupLabel: string;
  topicPrefix: string;
  retry?: RetryPolicy;
  /**
   * Partitions handled at once by this instance (order is kept within a partition); default every
   * partition of the subscribed topics, so a partition never waits for another's slow handler.
   */
  concurrency?: number;
  /** How many recently handled envelope ids are remembered to skip redeliveries (0 turns it off). */
  dedupeWindow?: number;
  lagIntervalMs?: number;
  /**
   * Most milliseconds a handled offset waits before it is committed (ADR 0009); default 100. Commits
   * go out on this timer, never between a fetch and the next, and at a rebalance and on close.
   */
  commitIntervalMs?: number;
  /**
   * Topics whose records skip envelope decoding and reach their handler as they are (the DLQ). A
   * raw handler is retried like any; when retries run out the record is logged and skipped
   * (outcome `dropped`), never dead-lettered: a dead letter of a dead letter would loop.
   */
  rawTopics?: readonly TopicName[];
}

/** What the transport uses of the app's Kafka door: the shared client, the publisher, metrics and logs. */
export interface HardenedTransportDeps {
  kafka: Kafka;
  publisher: EventPublisher;
  metrics: KafkaMetrics;
  logger: Logger;
}

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

/**
 * A group-membership error kafkajs raises (from a heartbeat) while the group rebalances: the same
 * test as kafkajs's own `isRebalancing`, plus a member the coordinator no longer knows. It must
 * reach kafkajs as it is, at once, so the member rejoins: retrying the message, dead-lettering it
 * or wrapping the error would keep the whole group waiting until the rebalance timeout.
 */
function isRebalancing(error: unknown): boolean {
  const type = typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
  return (
    type === 'REBALANCE_IN_PROGRESS' ||
    type === 'NOT_COORDINATOR_FOR_GROUP' ||
    type === 'ILLEGAL_GENERATION' ||
    type === 'UNKNOWN_MEMBER_ID'
  );
}

/**
 * A commit refused because the group no longer takes this member's generation (kafkajs wraps the
 * protocol error of a retried request in a KafkaJSNonRetriableError with it as `cause`).
 */
function refusesMembership(error: unknown): boolean {
  return isRebalancing(error) || isRebalancing((error as { cause?: unknown } | null)?.cause);
}

const tracer = trace.getTracer('jeeves-kafka');

/**
 * Puts a message's outcome on its span (`jeeves.outcome`), with an error status when it was
 * dead-lettered or dropped; nothing when no span is active (tracing off).
 */
function noteOutcome(span: Span | undefined, outcome: ConsumeOutcome): void {
  if (!span) return;
  if (outcome === 'dead_lettered' || outcome === 'dropped')
    span.setStatus({ code: SpanStatusCode.ERROR, message: outcome === 'dropped' ? 'dropped' : 'dead-lettered' });
  span.setAttribute('jeeves.outcome', outcome);
}

/** Most milliseconds `close` waits for the last offset commit before the member leaves anyway. */
const CLOSE_COMMIT_TIMEOUT_MS = 3000;

/** Partitions the contract gives `topics` in all (at least 1). */
function partitionsOf(topics: readonly TopicName[]): number {
  const total = TOPIC_SPECS.filter((spec) => topics.includes(spec.name as TopicName)).reduce(
    (sum, spec) => sum + spec.partitions,
    0,
  );
  return Math.max(1, total);
}

/**
 * Nest's ServerKafka, hardened where its defaults fail (see docs/decisions/0006). Handlers stay
 * `@EventPattern(<contract topic>)` controller methods; this class owns what Nest leaves to them:
 * envelope validation, poison → `jeeves.dlq.v1` with provenance headers (the partition moves on),
 * retries with full-jitter backoff and heartbeats, offsets resolved only after the effect, dedupe by
 * envelope id, per-partition concurrency, pause/resume, lag and rebalance metrics, the envelope's
 * type, id and outcome on each message's `process <topic>` span. A handler never has to catch to
 * protect its partition.
 */
export class HardenedServerKafka extends ServerKafka {
  private readonly retry: RetryPolicy;
  private readonly recent: RecentIds;
  private readonly rawTopics: ReadonlySet<TopicName>;
  private admin: Admin | undefined;
  private joined = false;
  private stopped = false;
  private lagTimer: NodeJS.Timeout | undefined;
  private subscribed: readonly TopicName[] = [];
  private readonly pausedTopics = new Set<TopicName>();
  private readonly deadLetterer: DeadLetterer;
  /** Each topic's handler, looked up once: Nest's lookup parses the pattern as JSON (and throws) every call. */
  private readonly handlers = new Map<TopicName, MessageHandler | null>();
  private committer: OffsetCommitter | undefined;
  /** Handlers running now, so `close` can commit their offsets before the member leaves. */
  private readonly running = new Set<Promise<void>>();

  constructor(
    options: Required<KafkaOptions>['options'],
    private readonly settings: HardenedConsumerSettings,
    private readonly deps: HardenedTransportDeps,
  ) {
    // Nest appends `-server` to client and group ids unless told otherwise; ours are exact.
    super({ ...options, postfixId: '' });
    this.retry = settings.retry ?? DEFAULT_RETRY;
    this.recent = new RecentIds(settings.dedupeWindow ?? 10_000);
    this.rawTopics = new Set(settings.rawTopics ?? []);
    this.deadLetterer = new DeadLetterer({
      publisher: deps.publisher,
      metrics: deps.metrics,
      logger: deps.logger,
      dlqTopic: topicName(TOPICS.dlq, settings.topicPrefix),
      consumerGroup: this.groupId,
    });
  }

  /** Consumer group as the broker knows it (with the lab prefix). */
  get consumerGroup(): string {
    return this.groupId;
  }

  /** True once this member has joined its group, until it crashes, disconnects or stops. */
  isReady(): boolean {
    return this.joined && !this.stopped;
  }

  /** Stops fetching from a topic (or all) until `resume`; used by the `pause-consumer` fault. */
  pause(topic?: TopicName): void {
    const topics = topic ? [topic] : this.subscribed;
    for (const name of topics) this.pausedTopics.add(name);
    this.kafkaConsumer().pause(topics.map((name) => ({ topic: topicName(name, this.settings.topicPrefix) })));
  }

  resume(topic?: TopicName): void {
    const topics = topic ? [topic] : [...this.pausedTopics];
    for (const name of topics) this.pausedTopics.delete(name);
    this.kafkaConsumer().resume(topics.map((name) => ({ topic: topicName(name, this.settings.topicPrefix) })));
  }

  /** The app's own client (one log creator, one set of timeouts) instead of a second one. */
  override createClient<T = Kafka>(): T {
    return this.deps.kafka as T;
  }

  protected override registerConsumerEventListeners(): void {
    super.registerConsumerEventListeners();
    const consumer = this.kafkaConsumer();
    const { events } = consumer;
    consumer.on(events.GROUP_JOIN, (event) => {
      this.joined = true;
      this.deps.metrics.rebalances.inc({ group: this.settings.groupLabel });
      // Offsets of partitions another member now owns must not be committed over its progress.
      this.committer?.assign(event.payload.memberAssignment);
    });
    // kafkajs rejoins right after this event; the member's generation is still valid for a commit.
    consumer.on(events.REBALANCING, () => void this.commitPending(false));
    this.deps.metrics.crashes.inc({ group: this.settings.groupLabel }, 0);
    consumer.on(events.CRASH, (event) => {
      this.joined = false;
      // Out of the group until kafkajs restarts the consumer and it joins again.
      this.committer?.hold();
      this.deps.metrics.crashes.inc({ group: this.settings.groupLabel });
      this.deps.logger.error({ err: event.payload.error, restart: event.payload.restart }, 'kafka consumer crashed');
    });
    consumer.on(events.DISCONNECT, () => (this.joined = false));
  }

  /** Subscribes to the contract topics the controllers' `@EventPattern`s name, under the lab prefix. */
  override async bindEvents(consumer: Consumer): Promise<void> {
    this.subscribed = [...this.messageHandlers.keys()].map((pattern) => {
      const topic = contractTopicOf(pattern);
      if (topic !== pattern) throw new Error(`@EventPattern("${pattern}") is not a contract topic name`);
      return topic;
    });
    this.admin = this.deps.kafka.admin();
    await this.admin.connect();
    this.deadLetterer.setMaxMessageBytes(await this.dlqMaxMessageBytes(this.admin));
    await consumer.subscribe({
      topics: this.subscribed.map((topic) => topicName(topic, this.settings.topicPrefix)),
      fromBeginning: true,
    });
    const committer = new OffsetCommitter({
      commit: (offsets) => consumer.commitOffsets(offsets),
      intervalMs: this.settings.commitIntervalMs ?? 100,
      refusesMembership: refusesMembership,
      onError: (error) => this.commitFailed(error),
    });
    this.committer = committer;
    await consumer.run({
      // kafkajs's autoCommit awaits a commit after every batch, before the next fetch: at a few
      // records per batch that is a round trip per record per hop. The committer commits on a timer.
      autoCommit: false,
      // Within a partition handling is serial (its order), so a consumer whose handlers wait on I/O
      // (a produce, the provider) sustains about concurrency ÷ handler latency messages a second.
      partitionsConsumedConcurrently: this.settings.concurrency ?? partitionsOf(this.subscribed),
      eachMessage: (payload) => this.track(this.consume(payload, committer)),
    });
    this.lagTimer = setInterval(() => void this.recordLag(), this.settings.lagIntervalMs ?? 5000);
    this.lagTimer.unref();
  }

  override async close(): Promise<void> {
    this.stopped = true;
    if (this.lagTimer) clearInterval(this.lagTimer);
    // The handlers started before close finish (or hand their message back); their offsets are
    // committed while this member still owns its partitions, then kafkajs stops and leaves.
    await Promise.allSettled([...this.running]);
    this.committer?.stop();
    // Bounded: a commit kafkajs keeps retrying (a broker gone) must not hold the shutdown.
    const deadline = new AbortController();
    await Promise.race([
      this.commitPending(true),
      delay(CLOSE_COMMIT_TIMEOUT_MS, deadline.signal).catch(() => undefined),
    ]);
    deadline.abort();
    await super.close();
    await this.admin?.disconnect();
    this.admin = undefined;
  }

  /** The DLQ topic's `max.message.bytes` (its own, or the broker's `message.max.bytes`); Kafka's default if unreadable. */
  private async dlqMaxMessageBytes(admin: Admin): Promise<number> {
    const name = topicName(TOPICS.dlq, this.settings.topicPrefix);
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ['max.message.bytes'] }],
      });
      const value = Number(resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
      if (Number.isSafeInteger(value) && value > 0) return value;
    } catch (error) {
      this.deps.logger.warn(
        { err: error, topic: name },
        'could not read the DLQ max.message.bytes; assuming the default',
      );
    }
    return KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
  }

  private kafkaConsumer(): Consumer {
    if (!this.consumer) throw new Error('the Kafka consumer is not started');
    return this.consumer as unknown as Consumer;
  }

  /**
   * One record, from kafkajs: handled, then its offset handed to the committer; a record that fails
   * is handed back to kafkajs.
   */
  private async consume(payload: EachMessagePayload, committer: OffsetCommitter): Promise<void> {
    // Closing: left for the partition's next owner (its offset is not committed).
    if (this.stopped) return;
    try {
      await this.handle(payload);
    } catch (error) {
      // The offset stays uncommitted: the message is handled again by whoever owns the partition
      // next (after at most one commit interval of records, skipped as duplicates by this member).
      // No commit is awaited here: kafkajs rejoins only once every batch under way has returned.
      throw isRebalancing(error) ? error : new RetriableConsumerError(error);
    }
    committer.handled(payload.topic, payload.partition, payload.message.offset);
  }

  private track(work: Promise<void>): Promise<void> {
    this.running.add(work);
    return work.finally(() => this.running.delete(work));
  }

  /**
   * Commits the handled offsets now (`closing`: even while held, the last try); a failure is
   * reported by the committer's onError, never thrown.
   */
  private async commitPending(closing: boolean): Promise<void> {
    await this.committer?.flush(closing).catch(() => undefined);
  }

  /** The first commit failure of a run of them (the committer reports no more until one succeeds). */
  private commitFailed(error: unknown): void {
    const membership = refusesMembership(error);
    this.deps.logger[membership ? 'info' : 'warn'](
      { err: error, group: this.groupId },
      membership
        ? 'offset commit refused until this member rejoins its group; offsets kept'
        : 'offset commit failed; offsets kept for the next',
    );
  }

  private async handle(payload: EachMessagePayload): Promise<void> {
    const { message, partition } = payload;
    const topic = contractTopicOf(payload.topic) as TopicName;
    const labels = { topic, group: this.settings.groupLabel };
    const started = process.hrtime.bigint();
    if (this.rawTopics.has(topic)) {
      const outcome = await this.handleRaw(payload, topic);
      this.deps.metrics.handlerDuration.observe({ labels, value: Number(process.hrtime.bigint() - started) / 1e9 });
      this.deps.metrics.consumed.inc({ ...labels, outcome });
      noteOutcome(trace.getActiveSpan(), outcome);
      return;
    }
    let envelope: Envelope;
    try {
      envelope = markDecoded(decodeEnvelope(message.value, PAYLOAD_SCHEMAS, contentTypeOf(message.headers)));
    } catch (error) {
      const reason: DeadLetterReason = isPoison(error) ? error.reason : 'invalid-envelope';
      const outcome = await this.deadLetter(payload, reason, error, 1);
      this.deps.metrics.consumed.inc({ ...labels, outcome });
      noteOutcome(trace.getActiveSpan(), outcome);
      return;
    }
    if (this.recent.has(envelope.id)) {
      this.deps.metrics.consumed.inc({ ...labels, outcome: 'duplicate' });
      noteOutcome(trace.getActiveSpan(), 'duplicate');
      return;
    }

    // The span of this message: the kafkajs instrumentation's `process <topic>` span, active here,
    // takes the envelope's attributes (a child of the same length would double the consumer's spans,
    // ADR 0004). Only where that instrumentation is not registered does the message get its own.
    const attributes = {
      'messaging.consumer.group.name': this.groupId,
      'messaging.message.id': envelope.id,
      'jeeves.message.type': envelope.type,
    };
    const active = trace.getActiveSpan();
    const span: Span = active?.isRecording()
      ? active
      : tracer.startSpan(`process ${payload.topic}`, {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.operation.name': 'process',
            'messaging.operation.type': 'process',
            'messaging.destination.name': payload.topic,
            'messaging.destination.partition.id': String(partition),
            'messaging.kafka.offset': Number(message.offset),
            ...attributes,
          },
        });
    const own = span === active ? undefined : span;
    if (!own) span.setAttributes(attributes);
    const inSpan = <T>(work: () => T): T =>
      own ? otelContext.with(trace.setSpan(otelContext.active(), own), work) : work();
    let outcome: ConsumeOutcome;
    try {
      outcome = await inSpan(() => this.runWithRetries(topic, envelope, payload));
    } catch (error) {
      // Left to kafkajs (a rebalance, a dead-letter send that failed): the message comes again.
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'handed back to kafkajs' });
      own?.end();
      throw error;
    }
    noteOutcome(span, outcome);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.deps.metrics.handlerDuration.observe({
      labels,
      value: seconds,
      exemplarLabels: span.isRecording() ? { trace_id: span.spanContext().traceId } : traceExemplar(),
    });
    // One line per message, inside the span so it carries trace_id/span_id: at debug when it went
    // as it should (jeeves_kafka_messages_consumed_total counts those; at info, formatting the line
    // cost data-service about 6 % of its CPU under load), at info when it did not.
    const level = outcome === 'ok' ? 'debug' : 'info';
    if (this.deps.logger.isLevelEnabled(level))
      inSpan(() =>
        this.deps.logger[level](
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
    own?.end();
    this.deps.metrics.consumed.inc({ ...labels, outcome });
    if (outcome !== 'dead_lettered' && outcome !== 'dropped') this.recent.add(envelope.id);
  }

  /** Calls the controller method bound to the topic's `@EventPattern`, through Nest's pipeline. */
  private async invoke(topic: TopicName, data: unknown, payload: EachMessagePayload): Promise<void> {
    let handler = this.handlers.get(topic);
    if (handler === undefined) {
      handler = this.getHandlerByPattern(topic);
      this.handlers.set(topic, handler);
    }
    if (!handler) throw new PoisonMessageError('unknown-type', `no handler for topic ${topic}`);
    const ctx = new KafkaContext([
      payload.message,
      payload.partition,
      payload.topic,
      this.consumer!,
      payload.heartbeat,
      this.producer!,
    ] as unknown as ConstructorParameters<typeof KafkaContext>[0]);
    // The controllers' RpcErrorPassthroughFilter hands us their errors as thrown (class and code decide).
    passHandlerErrorsThrough(ctx);
    const result: unknown = await handler(data, ctx);
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
  }

  private async runWithRetries(
    topic: TopicName,
    envelope: Envelope,
    payload: EachMessagePayload,
  ): Promise<ConsumeOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.invoke(topic, envelope, payload);
        return attempt === 1 ? 'ok' : 'retried';
      } catch (error) {
        if (isRebalancing(error)) throw error;
        // A bug (TypeError and kin) or a NonRetryableError fails the same way again: no retries.
        const retryable = !isNotRetryable(error);
        // Stopping (a deploy, a scale-in): a passing failure is no reason to dead-letter; the offset
        // stays unresolved and whoever owns the partition next handles the message again.
        if (retryable && this.stopped) throw error;
        if (!retryable || attempt >= this.retry.attempts) {
          const reason: DeadLetterReason = isPoison(error)
            ? error.reason
            : retryable
              ? 'retries-exhausted'
              : 'handler-error';
          return this.deadLetter(payload, reason, error, attempt);
        }
        this.deps.logger.warn({ err: error, messageId: envelope.id, attempt }, 'handler failed; retrying');
        await delay(fullJitterDelayMs(attempt - 1, this.retry));
        await payload.heartbeat();
      }
    }
  }

  private async handleRaw(payload: EachMessagePayload, topic: TopicName): Promise<ConsumeOutcome> {
    const { message, partition } = payload;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.invoke(topic, message.value, payload);
        return attempt === 1 ? 'ok' : 'retried';
      } catch (error) {
        if (isRebalancing(error)) throw error;
        // Stopping: a dead letter has no other copy to fall back on, so it is handed back, not skipped.
        if (this.stopped && !isNotRetryable(error)) throw error;
        if (isNotRetryable(error) || attempt >= this.retry.attempts) {
          this.deps.logger.error(
            { err: error, topic: payload.topic, partition, offset: message.offset, attempts: attempt },
            'raw message handler failed; skipping it',
          );
          return 'dropped';
        }
        this.deps.logger.warn(
          { err: error, topic: payload.topic, partition, offset: message.offset, attempt },
          'raw handler failed; retrying',
        );
        await delay(fullJitterDelayMs(attempt - 1, this.retry));
        await payload.heartbeat();
      }
    }
  }

  /**
   * Sends the record to the DLQ (see DeadLetterer): `dead_lettered`, or `dropped` when the DLQ refuses
   * it for good; throws on a transient failure (no commit, no loss: the record comes again).
   */
  private async deadLetter(
    payload: EachMessagePayload,
    reason: DeadLetterReason,
    error: unknown,
    attempts: number,
  ): Promise<'dead_lettered' | 'dropped'> {
    const { message, partition } = payload;
    if (contractTopicOf(payload.topic) === TOPICS.dlq) {
      // A dead letter of a dead letter would come straight back: log it and move on.
      this.deps.logger.error(
        { topic: payload.topic, partition, offset: message.offset, reason, error: String(error) },
        'message from the dead-letter topic failed; skipping it',
      );
      return 'dropped';
    }
    return this.deadLetterer.deadLetter({
      topic: payload.topic,
      partition,
      message,
      reason,
      error,
      attempts,
      heartbeat: payload.heartbeat,
    });
  }

  private async recordLag(): Promise<void> {
    if (!this.isReady() || !this.admin) return;
    try {
      for (const base of this.subscribed) {
        const topic = topicName(base, this.settings.topicPrefix);
        const [ends, committed] = await Promise.all([
          this.admin.fetchTopicOffsets(topic),
          this.admin.fetchOffsets({ groupId: this.groupId, topics: [topic] }),
        ]);
        const committedByPartition = new Map(
          committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? [],
        );
        for (const end of ends) {
          const done = committedByPartition.get(end.partition) ?? -1;
          const from = done >= 0 ? done : Number(end.low);
          this.deps.metrics.lag.set(
            { group: this.settings.groupLabel, topic: base, partition: String(end.partition) },
            Math.max(0, Number(end.high) - from),
          );
        }
      }
    } catch (error) {
      this.deps.logger.debug({ err: error }, 'lag poll failed');
    }
  }
}
