import type { TransportId } from '@nestjs/microservices';
import { ObservedServerKafka } from './observed-server-kafka';

/**
 * The transport id of the request-reply responder. `@MessagePattern(topic, REQUEST_REPLY_TRANSPORT)`
 * binds a handler to the responder only: Nest gives a handler with no transport to every server of
 * a hybrid app, and one with `Transport.KAFKA` to the pipeline's consumer.
 */
export const REQUEST_REPLY_TRANSPORT = Symbol('jeeves-request-reply');

/**
 * Nest's own ServerKafka answering `@MessagePattern` requests on its own consumer group (ADR 0042):
 * `handleMessage` reads `kafka_correlationId`, `kafka_replyTopic` and `kafka_replyPartition` and
 * produces the handler's answer to exactly that partition. Added only what the lab needs
 * (ObservedServerKafka: prefix, readiness, joins and crashes counted) and event handlers left to the
 * pipeline's consumer.
 */
export class ResponderServerKafka extends ObservedServerKafka {
  override transportId: TransportId = REQUEST_REPLY_TRANSPORT;

  /** Request handlers only; event handlers belong to the pipeline's consumer. */
  protected override handles(isEventHandler: boolean): boolean {
    return !isEventHandler;
  }

  /**
   * The `pause-consumer` fault: with no topic (the whole service paused) requests wait unanswered
   * in their partitions; a pipeline topic is not this consumer's and changes nothing.
   */
  pause(topic?: string): void {
    if (topic === undefined) this.kafkaConsumer()?.pause(this.registeredTopics());
  }

  resume(topic?: string): void {
    if (topic === undefined) this.kafkaConsumer()?.resume(this.registeredTopics());
  }

  /** Not ready during a rebalance either: requests then wait in partitions nobody holds. */
  protected override registerConsumerEventListeners(): void {
    super.registerConsumerEventListeners();
    const consumer = this.kafkaConsumer();
    consumer?.on(consumer.events.REBALANCING, () => (this.joined = false));
  }
}
