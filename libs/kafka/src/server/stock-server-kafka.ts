import { type KafkaOptions, type MessageHandler, ServerKafka } from '@nestjs/microservices';
import type { Consumer } from 'kafkajs';
import { type TopicName, topicName } from '#libs/contracts';
import type { KafkaMetrics } from '../kafka-metrics';

/**
 * Nest's own ServerKafka with its defaults (`KAFKA_TRANSPORT=stock`), so the lab can show how it
 * behaves out of the box. It adds only what the lab needs to run at all: the lab's topic prefix on
 * the `@EventPattern` topics, and a readiness signal (joined its group). Nothing else is changed:
 * a handler's error passes Nest's default RPC filter (the controllers' RpcErrorPassthroughFilter acts
 * as that filter here: only the hardened transport marks its contexts for pass-through) and goes back
 * to kafkajs as `{ status: 'error' }`, which kafkajs retries, restarting the consumer at the same offset.
 */
export class StockServerKafka extends ServerKafka {
  private joined = false;

  constructor(
    options: Required<KafkaOptions>['options'],
    private readonly topicPrefix: string,
    /** Observed, never acted on: crashes and joins are what the stock transport is run to show. */
    private readonly observe: { metrics: KafkaMetrics; groupLabel: string },
  ) {
    super(options);
  }

  /** Registers each handler under the topic name the lab's prefix gives it. */
  override addHandler(
    pattern: unknown,
    callback: MessageHandler,
    isEventHandler?: boolean,
    extras?: Record<string, unknown>,
  ): void {
    const name = typeof pattern === 'string' ? topicName(pattern as TopicName, this.topicPrefix) : pattern;
    super.addHandler(name, callback, isEventHandler, extras);
  }

  /** Stops fetching from a topic (or all) until `resume`; the `pause-consumer` fault. */
  pause(topic?: TopicName): void {
    this.kafkaConsumer()?.pause(this.topics(topic));
  }

  resume(topic?: TopicName): void {
    this.kafkaConsumer()?.resume(this.topics(topic));
  }

  private topics(topic?: TopicName): { topic: string }[] {
    const names = topic ? [topicName(topic, this.topicPrefix)] : [...this.messageHandlers.keys()];
    return names.map((name) => ({ topic: name }));
  }

  private kafkaConsumer(): Consumer | null {
    return this.consumer as unknown as Consumer | null;
  }

  /** True once the consumer has joined its group, until it crashes or disconnects. */
  isReady(): boolean {
    return this.joined;
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
    consumer.on(consumer.events.CRASH, () => {
      this.joined = false;
      metrics.crashes.inc({ group: groupLabel });
    });
    consumer.on(consumer.events.DISCONNECT, () => (this.joined = false));
  }
}
