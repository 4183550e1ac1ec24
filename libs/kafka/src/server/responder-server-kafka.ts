import { type KafkaOptions, type MessageHandler, ServerKafka, type TransportId } from '@nestjs/microservices';
import type { Consumer } from 'kafkajs';
import { type ContractTopicName, topicName } from '#libs/contracts';
import type { KafkaMetrics } from '../kafka-metrics';

/**
 * The transport id of the request-reply responder. `@MessagePattern(topic, REQUEST_REPLY_TRANSPORT)`
 * binds a handler to the responder only: Nest gives a handler with no transport to every server of
 * a hybrid app, and one with `Transport.KAFKA` to the pipeline's consumer.
 */
export const REQUEST_REPLY_TRANSPORT = Symbol('jeeves-request-reply');

/**
 * Nest's own ServerKafka answering `@MessagePattern` requests on its own consumer group (ADR 0042):
 * `handleMessage` reads `kafka_correlationId`, `kafka_replyTopic` and `kafka_replyPartition` and
 * produces the handler's answer to exactly that partition. Added only what the lab needs: the
 * lab's topic prefix on the patterns, event handlers left to the pipeline's consumer, and a
 * readiness signal (joined its group) with the rebalance count.
 */
export class ResponderServerKafka extends ServerKafka {
  override transportId: TransportId = REQUEST_REPLY_TRANSPORT;
  private joined = false;

  constructor(
    options: Required<KafkaOptions>['options'],
    private readonly topicPrefix: string,
    private readonly observe: { metrics: KafkaMetrics; groupLabel: string },
  ) {
    super(options);
  }

  /** Registers request handlers under their prefixed topics; event handlers belong to the pipeline's consumer. */
  override addHandler(
    pattern: unknown,
    callback: MessageHandler,
    isEventHandler?: boolean,
    extras?: Record<string, unknown>,
  ): void {
    if (isEventHandler) return;
    const name = typeof pattern === 'string' ? topicName(pattern as ContractTopicName, this.topicPrefix) : pattern;
    super.addHandler(name, callback, isEventHandler, extras);
  }

  /** True once the consumer has joined its group, until a rebalance, crash or disconnect. */
  isReady(): boolean {
    return this.joined;
  }

  /**
   * The `pause-consumer` fault: with no topic (the whole service paused) requests wait unanswered
   * in their partitions; a pipeline topic is not this consumer's and changes nothing.
   */
  pause(topic?: string): void {
    if (topic === undefined) this.kafkaConsumer()?.pause(this.topics());
  }

  resume(topic?: string): void {
    if (topic === undefined) this.kafkaConsumer()?.resume(this.topics());
  }

  private topics(): { topic: string }[] {
    return [...this.messageHandlers.keys()].map((name) => ({ topic: name }));
  }

  private kafkaConsumer(): Consumer | null {
    return this.consumer as unknown as Consumer | null;
  }

  protected override registerConsumerEventListeners(): void {
    super.registerConsumerEventListeners();
    const consumer = this.kafkaConsumer();
    if (!consumer) return;
    const { metrics, groupLabel } = this.observe;
    metrics.crashes.inc({ group: groupLabel }, 0);
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.joined = true;
      metrics.rebalances.inc({ group: groupLabel });
    });
    consumer.on(consumer.events.REBALANCING, () => (this.joined = false));
    consumer.on(consumer.events.CRASH, () => {
      this.joined = false;
      metrics.crashes.inc({ group: groupLabel });
    });
    consumer.on(consumer.events.DISCONNECT, () => (this.joined = false));
  }
}
