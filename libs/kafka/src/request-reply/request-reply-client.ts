import { ClientKafka, type KafkaOptions, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import type { EachMessagePayload } from 'kafkajs';
import { firstValueFrom, throwError, timeout } from 'rxjs';
import { lastHeaderText, type ReadTopicName, replyTopicOf, topicName } from '#libs/contracts';
import type { Logger } from '#libs/observability';
import { type RequestOutcome, type RequestReplyMetrics } from './request-reply-metrics';

/** Nest's request-reply headers (`KafkaHeaders` in @nestjs/microservices). */
const CORRELATION_ID_HEADER = 'kafka_correlationId';
const IS_DISPOSED_HEADER = 'kafka_nest-is-disposed';

export type RequestReplyErrorCode =
  /** No reply within the call's deadline (the request may still be answered: a late reply). */
  | 'ETIMEDOUT'
  /** This instance owns no partition of the reply topic yet (not joined, or between rebalances). */
  | 'ENOREPLYPARTITION'
  /** The request could not be produced, or the client is not connected. */
  | 'ESEND'
  /** The responder answered with Nest's error header (`kafka_nest-err`): a handler threw. */
  | 'EREMOTE';

/** A Kafka request-reply call failed; `code` says how, `topic` which request topic (unprefixed). */
export class RequestReplyError extends Error {
  constructor(
    readonly code: RequestReplyErrorCode,
    readonly topic: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RequestReplyError';
  }
}

/** What the client remembers of requests whose callers gave up, to tell a late reply from a stray one. */
export interface GivenUpMemory {
  /** Ids kept at most (oldest forgotten first). */
  maxIds: number;
  /** How long an id is kept, in ms. */
  ttlMs: number;
}

const DEFAULT_GIVEN_UP_MEMORY: GivenUpMemory = { maxIds: 10_000, ttlMs: 10 * 60_000 };

/**
 * Nest's ClientKafka, changed only where it is silent: it counts replies that match no waiting
 * call — *late* (the caller gave up on that id) or *stray* (an id it never sent: another member's
 * reply, delivered here after the reply partition moved) — which Nest drops without a trace, and
 * it knows when its reply consumer has joined its group. Sending, routing and the partition
 * assigner are Nest's own.
 */
export class RequestReplyClientKafka extends ClientKafka {
  /** Correlation id → (request topic, when given up); insertion order is age order. */
  private readonly givenUp = new Map<string, { topic: string; atMs: number }>();
  private joined = false;

  constructor(
    options: Required<KafkaOptions>['options'],
    private readonly observe: {
      metrics: RequestReplyMetrics;
      /** The unprefixed request topic a (prefixed) reply topic answers. */
      requestTopicOf: (replyTopic: string) => string;
      memory?: GivenUpMemory;
      now?: () => number;
      /** Where a reply record that cannot be routed is reported. */
      logger?: Logger;
    },
  ) {
    super(options);
  }

  /** Joined its group and owns a partition of every reply topic it subscribed. */
  isReady(): boolean {
    const assigned = this.getConsumerAssignments();
    return this.joined && this.responsePatterns.every((topic) => assigned[topic] !== undefined);
  }

  /** True when this instance owns a partition of `replyTopic` (prefixed) to be answered on. */
  hasReplyPartition(replyTopic: string): boolean {
    return this.getConsumerAssignments()[replyTopic] !== undefined;
  }

  override createResponseCallback(): (payload: EachMessagePayload) => Promise<void> {
    const nest = super.createResponseCallback() as (payload: EachMessagePayload) => Promise<void>;
    return async (payload) => {
      const id = lastHeaderText(payload.message.headers, CORRELATION_ID_HEADER);
      if (id !== undefined && !this.routingMap.has(id)) this.countUnmatched(id, payload);
      try {
        await nest(payload);
      } catch (error) {
        // Nest's routing threw on this record (a correlation id header without a value, say): set it
        // aside, logged, rather than let kafkajs retry it and stop this reply partition for good.
        const { topic, partition, message } = payload;
        this.observe.logger?.warn(
          { err: error, topic, partition, offset: message.offset },
          'reply record set aside: it cannot be routed to a request',
        );
      }
    };
  }

  protected override publish(partialPacket: ReadPacket, callback: (packet: WritePacket) => unknown): () => void {
    let answered = false;
    const cleanup = super.publish(partialPacket, (packet: WritePacket) => {
      answered = true;
      return callback(packet);
    });
    // assignPacketId set the id on the packet it was given; the clean-up runs on unsubscribe.
    const id = (partialPacket as ReadPacket & { id?: string }).id;
    return () => {
      cleanup();
      if (!answered && id !== undefined)
        this.rememberGivenUp(id, this.observe.requestTopicOf(this.replyTopicFor(partialPacket)));
    };
  }

  protected override registerConsumerEventListeners(): void {
    super.registerConsumerEventListeners();
    const consumer = this._consumer;
    if (!consumer) return;
    consumer.on(consumer.events.GROUP_JOIN, () => (this.joined = true));
    consumer.on(consumer.events.REBALANCING, () => (this.joined = false));
    consumer.on(consumer.events.CRASH, () => (this.joined = false));
    consumer.on(consumer.events.DISCONNECT, () => (this.joined = false));
  }

  private replyTopicFor(packet: ReadPacket): string {
    return this.getResponsePatternName(this.normalizePattern(packet.pattern));
  }

  private countUnmatched(id: string, payload: EachMessagePayload): void {
    const { metrics, requestTopicOf } = this.observe;
    const given = this.givenUp.get(id);
    if (given) {
      this.givenUp.delete(id);
      metrics.lateReplies.inc({ topic: given.topic });
      return;
    }
    // Nest may close a stream with a second, empty record that only says "disposed"; it is no reply.
    const empty = payload.message.value === null || payload.message.value.length === 0;
    if (empty && lastHeaderText(payload.message.headers, IS_DISPOSED_HEADER) !== undefined) return;
    metrics.strayReplies.inc({ topic: requestTopicOf(payload.topic) });
  }

  private rememberGivenUp(id: string, topic: string): void {
    const { maxIds, ttlMs } = this.observe.memory ?? DEFAULT_GIVEN_UP_MEMORY;
    const now = (this.observe.now ?? Date.now)();
    this.givenUp.set(id, { topic, atMs: now });
    for (const [oldId, entry] of this.givenUp) {
      if (this.givenUp.size <= maxIds && now - entry.atMs <= ttlMs) break;
      this.givenUp.delete(oldId);
    }
  }
}

export interface RequestReplyClientOptions {
  /** kafkajs client settings (brokers, clientId, timeouts, logging), as the app's connection uses them. */
  client: Required<KafkaOptions>['options']['client'];
  /** The reply consumer's group, already prefixed; every instance of the app is a member. */
  groupId: string;
  /** kafkajs consumer settings of the reply consumer (session timeout, heartbeat); group id aside. */
  consumer?: Omit<NonNullable<Required<KafkaOptions>['options']['consumer']>, 'groupId'>;
  topicPrefix: string;
  /** The request topics this client sends to; their `.reply` topics are subscribed before connect. */
  topics: readonly ReadTopicName[];
  metrics: RequestReplyMetrics;
  logger: Logger;
  memory?: GivenUpMemory;
  /** Makes the Nest client (tests give one whose producer and consumer are fakes). */
  createClient?: (...args: ConstructorParameters<typeof RequestReplyClientKafka>) => RequestReplyClientKafka;
}

/**
 * Kafka request-reply on Nest's ClientKafka (ADR 0042), with what Nest leaves to the caller: the
 * reply topics subscribed before connect, a deadline on every call, failures as a
 * `RequestReplyError` with a code, and metrics (duration, timeouts, late and stray replies, in flight).
 */
export class RequestReplyClient {
  private readonly client: RequestReplyClientKafka;
  private readonly byReplyTopic = new Map<string, string>();

  constructor(private readonly options: RequestReplyClientOptions) {
    for (const topic of options.topics) this.byReplyTopic.set(this.replyTopic(topic), topic);
    const create = options.createClient ?? ((...args) => new RequestReplyClientKafka(...args));
    this.client = create(
      {
        client: options.client,
        consumer: { ...options.consumer, groupId: options.groupId },
        producer: { allowAutoTopicCreation: false },
        // Replies from before this instance started are for callers long gone.
        subscribe: { fromBeginning: false },
        postfixId: '',
      },
      {
        metrics: options.metrics,
        requestTopicOf: (replyTopic) => this.byReplyTopic.get(replyTopic) ?? replyTopic,
        memory: options.memory,
        logger: options.logger,
      },
    );
    // Before connect: connect() subscribes exactly the reply topics named so far.
    for (const topic of options.topics) this.client.subscribeToResponseOf(topicName(topic, options.topicPrefix));
    // Every series from the start at 0, so rate() and increase() see the first timeout or late reply.
    for (const topic of options.topics) {
      for (const counter of [options.metrics.timeouts, options.metrics.lateReplies, options.metrics.strayReplies])
        counter.inc({ topic }, 0);
      options.metrics.inFlight.set({ topic }, 0);
    }
  }

  /** Connects the producer and the reply consumer (joins the group); resolves once both are up. */
  async connect(): Promise<void> {
    await this.client.connect();
  }

  /** Joined the reply group and owns a partition of every reply topic: requests can be answered. */
  isReady(): boolean {
    return this.client.isReady();
  }

  /**
   * Sends `data` to `topic` (unprefixed) and resolves with the reply's decoded value, or rejects
   * with a `RequestReplyError` within `timeoutMs` (ms). Giving up does not cancel anything on the
   * responder's side: its reply may still come, and is counted as late.
   */
  async request(topic: ReadTopicName, data: object, timeoutMs: number): Promise<unknown> {
    const { metrics } = this.options;
    const started = performance.now();
    let outcome: RequestOutcome = 'error';
    metrics.inFlight.inc({ topic });
    try {
      if (!this.client.hasReplyPartition(this.replyTopic(topic)))
        throw new RequestReplyError('ENOREPLYPARTITION', topic, `no partition of ${replyTopicOf(topic)} assigned yet`);
      const reply = await firstValueFrom(
        this.client.send<unknown>(topicName(topic, this.options.topicPrefix), data).pipe(
          timeout({
            first: timeoutMs,
            with: () =>
              throwError(
                () => new RequestReplyError('ETIMEDOUT', topic, `no reply on ${topic} within ${timeoutMs} ms`),
              ),
          }),
        ),
      );
      outcome = 'replied';
      return reply;
    } catch (error) {
      if (error instanceof RequestReplyError) {
        if (error.code === 'ETIMEDOUT') {
          outcome = 'timeout';
          metrics.timeouts.inc({ topic });
        }
        throw error;
      }
      // Nest hands the responder's error header over as it came (text or bytes); anything else failed the send.
      if (typeof error === 'string' || Buffer.isBuffer(error))
        throw new RequestReplyError('EREMOTE', topic, `the responder failed: ${error.toString().slice(0, 200)}`);
      throw new RequestReplyError('ESEND', topic, `the request to ${topic} could not be sent`, { cause: error });
    } finally {
      metrics.inFlight.dec({ topic });
      metrics.duration.observe({ topic, outcome }, (performance.now() - started) / 1000);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private replyTopic(topic: ReadTopicName): string {
    return replyTopicOf(topicName(topic, this.options.topicPrefix));
  }
}
