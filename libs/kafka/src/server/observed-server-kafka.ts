import { type KafkaOptions, type MessageHandler, ServerKafka } from '@nestjs/microservices';
import type { Consumer } from 'kafkajs';
import { type TopicName, topicName } from '#libs/contracts';
import type { KafkaMetrics } from '../kafka-metrics';

/**
 * Nest's own ServerKafka with the little every lab consumer needs to run at all, and nothing that
 * changes how it consumes: the lab's topic prefix on the patterns it registers, a readiness signal
 * (joined its group, until it crashes or disconnects) and its joins and crashes counted.
 * `StockServerKafka` and `ResponderServerKafka` are this plus their own pause/resume.
 */
export abstract class ObservedServerKafka extends ServerKafka {
  protected joined = false;

  constructor(
    options: Required<KafkaOptions>['options'],
    protected readonly topicPrefix: string,
    /** Observed, never acted on. */
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
    if (!this.handles(isEventHandler === true)) return;
    const name = typeof pattern === 'string' ? topicName(pattern as TopicName, this.topicPrefix) : pattern;
    super.addHandler(name, callback, isEventHandler, extras);
  }

  /** Whether this server takes event handlers (`@EventPattern`) or request handlers (`@MessagePattern`); both by default. */
  protected handles(_isEventHandler: boolean): boolean {
    return true;
  }

  /** True once the consumer has joined its group, until it crashes or disconnects. */
  isReady(): boolean {
    return this.joined;
  }

  /** `{ topic }` for each registered (prefixed) topic: what kafkajs' pause and resume take. */
  protected registeredTopics(): { topic: string }[] {
    return [...this.messageHandlers.keys()].map((name) => ({ topic: name }));
  }

  protected kafkaConsumer(): Consumer | null {
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
    consumer.on(consumer.events.CRASH, () => {
      this.joined = false;
      metrics.crashes.inc({ group: groupLabel });
    });
    consumer.on(consumer.events.DISCONNECT, () => (this.joined = false));
  }
}
