import { ClientKafka, type KafkaOptions } from '@nestjs/microservices';
import { Kafka, type KafkaConfig, logLevel, type LogEntry } from 'kafkajs';
import {
  type ConsumerGroup,
  consumerGroupName,
  type PayloadFormat,
  READ_TOPIC_PARTITIONS,
  type ReadGroup,
  type ReadTopicName,
} from '#libs/contracts';
import type { Logger, MetricsRegistry } from '#libs/observability';
import { kafkaMetrics, type KafkaMetrics } from './kafka-metrics';
import { fixKafkajsHeaders } from './kafkajs-header-fixes';
import { ProduceCoalescer, type ProduceCoalescerOptions } from './produce-coalescer';
import { createStickyPartitioner } from './sticky-partitioner';
import { EventPublisher } from './publisher';
import { RequestReplyClient } from './request-reply/request-reply-client';
import { requestReplyMetrics } from './request-reply/request-reply-metrics';
import { type HardenedConsumerSettings, HardenedServerKafka } from './server/hardened-server-kafka';
import { ResponderServerKafka } from './server/responder-server-kafka';
import { StockServerKafka } from './server/stock-server-kafka';
import { contractTopicConfigs, ensureTopics } from './topics-admin';

/** `hardened`: our strategy on Nest's ServerKafka; `stock`: Nest's ServerKafka/ClientKafka as they come. */
export type KafkaTransportMode = 'hardened' | 'stock';

export interface KafkaConnectionOptions {
  brokers: readonly string[];
  /** `<app>-<instance>`: shows in broker logs and group membership. */
  clientId: string;
  topicPrefix: string;
  logger: Logger;
  registry: MetricsRegistry;
  /** Which transport the app's consumer and producer run (KAFKA_TRANSPORT). */
  transport?: KafkaTransportMode;
  /** Produce `acks` (KAFKA_PRODUCER_ACKS): `all` (−1 on the wire, the default) or `1` (the leader alone). */
  acks?: 'all' | '1';
  /** How long a connect or request may take before kafkajs gives up. */
  requestTimeoutMs?: number;
  /** The hardened consumers' fetch: Kafka's `fetch.min.bytes` (default 1) and `fetch.max.wait.ms` (default 5000). */
  fetch?: { minBytes?: number; maxWaitMs?: number };
  /** How published envelopes are encoded (JEEVES_PAYLOAD_FORMAT; ADR 0090); default `json`. */
  payloadFormat?: PayloadFormat;
  /** Bounds of produce coalescing in the hardened transport (ADR 0007); PRODUCE_COALESCING's fields by default. */
  produceCoalescing?: Partial<Omit<ProduceCoalescerOptions, 'acks'>>;
}

/**
 * The hardened producer's coalescing (ADR 0007): the sends of one event-loop turn share a request,
 * one request in flight (per-partition order even across kafkajs retries), and while it is on the
 * wire the next one fills, up to 500 records or 512 KiB (half the broker's default
 * `message.max.bytes`, so a full batch never exceeds it). At most two requests' worth waits behind
 * the one in flight; a send past that is refused (ProducerQueueFullError: the gateway's 503), so a
 * hung broker costs bounded memory and a record waits for at most three requests before its own.
 */
export const PRODUCE_COALESCING: Omit<ProduceCoalescerOptions, 'acks'> = Object.freeze({
  lingerMs: 0,
  maxBatchRecords: 500,
  maxBatchBytes: 512 * 1024,
  maxInFlightRequests: 1,
  maxPendingRecords: 1000,
  maxPendingBytes: 1024 * 1024,
});

/**
 * The hardened producer's kafkajs retry: 10 retries from 100 ms, doubling up to the client's
 * `maxRetryTime` (5 s), about 26 s in all — longer than a dead broker stays leader. KRaft fences a
 * broker `broker.session.timeout.ms` (9 s) after its last heartbeat and only then moves its
 * leaderships; the lab measured 7.4–11.5 s. With 5 retries (~3 s) a coalesced request that held
 * records for the dead leader failed for good before that, and its records for live leaders, which
 * the broker had written, were reported failed too: messages answered 503 and processed anyway. A
 * POST still gets its answer after PUBLISH_TIMEOUT_MS (the send goes on: ADR 0041).
 */
const PRODUCER_RETRY = Object.freeze({ retries: 10, initialRetryTime: 100 });

/** A consuming app's consumer settings; the group is one of the contract's CONSUMER_GROUPS. */
export type KafkaConsumerSettings = Omit<HardenedConsumerSettings, 'groupLabel' | 'topicPrefix'> & {
  group: ConsumerGroup;
};

/** The consumer side of an app, whichever transport runs it. */
export type KafkaServer = HardenedServerKafka | StockServerKafka | ResponderServerKafka;

/** Consumer settings of both request-reply ends: a member that dies is dropped after 10 s. */
const REQUEST_REPLY_CONSUMER = {
  sessionTimeout: 10_000,
  heartbeatInterval: 1000,
  rebalanceTimeout: 20_000,
  allowAutoTopicCreation: false,
} as const;

function logCreator(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      if (level === logLevel.ERROR) logger.error({ kafka: extra }, message);
      else if (level === logLevel.WARN) logger.warn({ kafka: extra }, message);
      else logger.debug({ kafka: extra }, message);
    };
}

/**
 * The one door to Kafka for an app: Nest's ClientKafka for every produce, the app's consumer as a
 * Nest transport strategy, and a kafkajs admin for topics and lag. kafkajs is unmaintained;
 * everything above this file speaks in envelopes and Nest patterns so it can be swapped.
 */
export class KafkaConnection {
  /** kafkajs client for admin work and the hardened consumer. */
  readonly kafka: Kafka;
  readonly publisher: EventPublisher;
  readonly metrics: KafkaMetrics;
  readonly transport: KafkaTransportMode;
  private readonly client: ClientKafka;
  private readonly servers: KafkaServer[] = [];
  private readonly requesters: RequestReplyClient[] = [];
  private producerConnected = false;

  constructor(private readonly options: KafkaConnectionOptions) {
    this.transport = options.transport ?? 'hardened';
    // Before any produce or fetch: headers must be read and dead-lettered as they are (null values,
    // names like `constructor`), which kafkajs as shipped cannot do.
    fixKafkajsHeaders();
    this.kafka = new Kafka(this.clientConfig());
    this.metrics = kafkaMetrics(options.registry);
    this.client = new ClientKafka(this.clientOptions());
    // Stock mode keeps Nest's one request per emit, so experiments can show the difference.
    const coalescer =
      this.transport === 'stock'
        ? undefined
        : new ProduceCoalescer(() => this.client.connect(), {
            ...PRODUCE_COALESCING,
            ...options.produceCoalescing,
            acks: this.acks(),
            onUnsent: (records) => this.metrics.producerResent.inc(records),
          });
    this.publisher = new EventPublisher(
      this.client,
      options.topicPrefix,
      this.metrics,
      options.logger,
      coalescer,
      options.payloadFormat ?? 'json',
    );
  }

  /**
   * Creates the contract topics (with explicit partition counts) when missing and waits for their
   * leaders (up to 60 s; throws WaitTimeoutError). Safe to call often.
   */
  async ensureTopics(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, contractTopicConfigs(this.options.topicPrefix), {
        what: `leaders for the ${this.options.topicPrefix ? `${this.options.topicPrefix}.` : ''}jeeves topics`,
      });
    } finally {
      await admin.disconnect();
    }
  }

  /** Connects the ClientKafka producer; readiness follows its connect/disconnect events from then on. */
  async connectProducer(): Promise<void> {
    const producer = await this.client.connect();
    this.producerConnected = true;
    producer.on(producer.events.CONNECT, () => (this.producerConnected = true));
    producer.on(producer.events.DISCONNECT, () => (this.producerConnected = false));
  }

  /**
   * The transport strategy for the app's consumer, to pass to `app.connectMicroservice({ strategy })`:
   * ours (hardened) or Nest's stock ServerKafka, by KAFKA_TRANSPORT. Group and topics get the lab prefix.
   */
  createServer(settings: KafkaConsumerSettings): KafkaServer {
    const { group, ...rest } = settings;
    const groupId = consumerGroupName(group, this.options.topicPrefix);
    const server =
      this.transport === 'stock'
        ? new StockServerKafka(
            {
              client: { clientId: this.options.clientId, brokers: [...this.options.brokers] },
              consumer: { groupId },
              postfixId: '',
              // Values reach the handler as the bytes they are: Nest's parser would otherwise turn a
              // MessagePack or Protobuf value into lossy UTF-8 text (ADR 0090). Headers stay its text.
              parser: { keepBinary: true },
            },
            this.options.topicPrefix,
            { metrics: this.metrics, groupLabel: group },
          )
        : new HardenedServerKafka(
            {
              client: this.clientConfig(),
              consumer: {
                groupId,
                sessionTimeout: 10_000,
                heartbeatInterval: 1000,
                rebalanceTimeout: 20_000,
                allowAutoTopicCreation: false,
                minBytes: this.options.fetch?.minBytes ?? 1,
                maxWaitTimeInMs: this.options.fetch?.maxWaitMs ?? 5000,
              },
              producer: { allowAutoTopicCreation: false },
            },
            { ...rest, groupLabel: group, topicPrefix: this.options.topicPrefix },
            { kafka: this.kafka, publisher: this.publisher, metrics: this.metrics, logger: this.options.logger },
          );
    this.servers.push(server);
    return server;
  }

  /**
   * The request-reply responder (ADR 0042), to pass to `app.connectMicroservice({ strategy })`:
   * Nest's own ServerKafka on its own group, answering the `@MessagePattern(topic,
   * REQUEST_REPLY_TRANSPORT)` handlers, partitions handled concurrently (reads are independent).
   */
  createResponder(group: ReadGroup): ResponderServerKafka {
    const server = new ResponderServerKafka(
      {
        client: this.clientConfig(),
        consumer: { groupId: consumerGroupName(group, this.options.topicPrefix), ...REQUEST_REPLY_CONSUMER },
        producer: { allowAutoTopicCreation: false },
        // A request from before this group first joined has long been given up by its caller.
        subscribe: { fromBeginning: false },
        run: { partitionsConsumedConcurrently: READ_TOPIC_PARTITIONS },
        postfixId: '',
      },
      this.options.topicPrefix,
      { metrics: this.metrics, groupLabel: group },
      this.options.logger,
    );
    this.servers.push(server);
    return server;
  }

  /**
   * A Kafka request-reply client (ADR 0042) on its own reply group, sending to `topics`; the caller
   * connects it (`connect()`) and watches `isReady()`; it is closed with this connection.
   */
  createRequestReplyClient(group: ReadGroup, topics: readonly ReadTopicName[]): RequestReplyClient {
    const client = new RequestReplyClient({
      client: this.clientConfig(),
      groupId: consumerGroupName(group, this.options.topicPrefix),
      consumer: REQUEST_REPLY_CONSUMER,
      topicPrefix: this.options.topicPrefix,
      topics,
      metrics: requestReplyMetrics(this.options.registry),
      logger: this.options.logger,
    });
    this.requesters.push(client);
    return client;
  }

  producerReady(): boolean {
    return this.producerConnected;
  }

  /** Every consumer has joined its group (true when the app has none). */
  consumersReady(): boolean {
    return this.servers.every((server) => server.isReady());
  }

  allConsumers(): readonly KafkaServer[] {
    return this.servers;
  }

  /** Stops the consumers (Nest closes them too on app.close(); stopping twice is harmless). */
  async stopConsumers(): Promise<void> {
    await Promise.allSettled(this.servers.map((server) => server.close()));
  }

  async close(): Promise<void> {
    await this.stopConsumers();
    await Promise.allSettled(this.requesters.map((client) => client.close()));
    // What the consumers published while draining goes out before the producer disconnects.
    await this.publisher.flush();
    await this.client.close();
  }

  private clientConfig(): KafkaConfig {
    return {
      clientId: this.options.clientId,
      brokers: [...this.options.brokers],
      logLevel: logLevel.WARN,
      logCreator: logCreator(this.options.logger),
      connectionTimeout: 3000,
      requestTimeout: this.options.requestTimeoutMs ?? 10_000,
      retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
    };
  }

  /**
   * The wire value of `acks`: −1 (all in-sync replicas) unless KAFKA_PRODUCER_ACKS=1. kafkajs's
   * idempotent producer stays off: it rolls a failed request's sequence numbers back, so after its
   * retries run out the next record reuses them and a broker that did write the first takes the
   * second for a duplicate (ADR 0014); consumers drop duplicates by envelope id instead.
   */
  private acks(): number {
    return this.options.acks === '1' ? 1 : -1;
  }

  /** Producer-only in both modes: Nest's default would also start a reply consumer in a shared group. */
  private clientOptions(): Required<KafkaOptions>['options'] {
    if (this.transport === 'stock')
      return {
        client: { clientId: this.options.clientId, brokers: [...this.options.brokers] },
        producerOnlyMode: true,
        postfixId: '',
      };
    return {
      client: this.clientConfig(),
      // Sticky, so that the coalescer can tell which records a resolved send left out (ADR 0041).
      producer: { allowAutoTopicCreation: false, retry: PRODUCER_RETRY, createPartitioner: createStickyPartitioner },
      producerOnlyMode: true,
      postfixId: '',
      send: { acks: this.acks() },
    };
  }
}
