import { Kafka, logLevel, type LogEntry, type Producer } from 'kafkajs';
import { TOPIC_SPECS, topicName } from '#libs/contracts';
import type { Logger, MetricsRegistry } from '#libs/observability';
import { type ConsumerOptions, EventConsumer } from './consumer';
import { kafkaMetrics, type KafkaMetrics } from './kafka-metrics';
import { EventPublisher } from './publisher';

export interface KafkaConnectionOptions {
  brokers: readonly string[];
  /** `<app>-<instance>`: shows in broker logs and group membership. */
  clientId: string;
  topicPrefix: string;
  logger: Logger;
  registry: MetricsRegistry;
  /** How long a connect or request may take before kafkajs gives up. */
  requestTimeoutMs?: number;
}

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
 * The one door to Kafka for an app: a kafkajs client, one shared producer, consumers on demand.
 * kafkajs is unmaintained; everything above this file speaks in envelopes so it can be swapped.
 */
export class KafkaConnection {
  readonly kafka: Kafka;
  readonly publisher: EventPublisher;
  readonly metrics: KafkaMetrics;
  private readonly producer: Producer;
  private readonly consumers: EventConsumer[] = [];
  private producerConnected = false;

  constructor(private readonly options: KafkaConnectionOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      logCreator: logCreator(options.logger),
      connectionTimeout: 3000,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
    });
    this.metrics = kafkaMetrics(options.registry);
    this.producer = this.kafka.producer({
      allowAutoTopicCreation: false,
      retry: { retries: 5, initialRetryTime: 100 },
    });
    this.producer.on(this.producer.events.CONNECT, () => (this.producerConnected = true));
    this.producer.on(this.producer.events.DISCONNECT, () => (this.producerConnected = false));
    this.publisher = new EventPublisher(this.producer, options.topicPrefix, this.metrics, options.logger);
  }

  /** Creates the contract topics (with explicit partition counts) when missing. Safe to call often. */
  async ensureTopics(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = TOPIC_SPECS.map((spec) => ({
        ...spec,
        name: topicName(spec.name, this.options.topicPrefix),
      })).filter((spec) => !existing.has(spec.name));
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((spec) => ({ topic: spec.name, numPartitions: spec.partitions, replicationFactor: 1 })),
        });
      }
    } finally {
      await admin.disconnect();
    }
  }

  async connectProducer(): Promise<void> {
    await this.producer.connect();
  }

  /** Builds and starts a consumer group member. */
  async startConsumer(options: ConsumerOptions): Promise<EventConsumer> {
    const groupId = this.options.topicPrefix ? `${this.options.topicPrefix}.${options.groupId}` : options.groupId;
    const consumer = new EventConsumer(
      this.kafka.consumer({
        groupId,
        sessionTimeout: 10_000,
        heartbeatInterval: 1000,
        rebalanceTimeout: 20_000,
        allowAutoTopicCreation: false,
      }),
      this.kafka.admin(),
      this.publisher,
      options,
      this.options.topicPrefix,
      this.metrics,
      this.options.logger,
    );
    await consumer.start();
    this.consumers.push(consumer);
    return consumer;
  }

  producerReady(): boolean {
    return this.producerConnected;
  }

  consumersReady(): boolean {
    return this.consumers.every((consumer) => consumer.isReady());
  }

  allConsumers(): readonly EventConsumer[] {
    return this.consumers;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.consumers.map((consumer) => consumer.stop()));
    await this.producer.disconnect();
  }
}
