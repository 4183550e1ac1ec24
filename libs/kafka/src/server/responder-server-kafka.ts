import type { KafkaOptions, TransportId } from '@nestjs/microservices';
import type { EachMessagePayload, IHeaders } from 'kafkajs';
import { READ_TOPIC_PARTITIONS, replyTopicOf, soleHeaderText } from '#libs/contracts';
import type { Logger } from '#libs/observability';
import type { KafkaMetrics } from '../kafka-metrics';
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

  constructor(
    options: Required<KafkaOptions>['options'],
    topicPrefix: string,
    observe: { metrics: KafkaMetrics; groupLabel: string },
    /** Where a request set aside (no usable reply address) is reported. */
    private readonly requestLogger?: Logger,
  ) {
    super(options, topicPrefix, observe);
  }

  /**
   * Answers a request whose reply address is the one Nest's client gives; any other is set aside,
   * logged: a reply topic that is not `<request topic>.reply` would have data-service write where
   * a record says (one that does not exist failed every reply in flight while kafkajs retried its
   * metadata), and a request without an address would run its query for nobody.
   */
  override async handleMessage(payload: EachMessagePayload): Promise<void> {
    const problem = replyAddressProblem(payload.topic, payload.message.headers);
    if (problem === undefined) return super.handleMessage(payload);
    const { topic, partition, message } = payload;
    this.requestLogger?.warn(
      { topic, partition, offset: message.offset, problem },
      'request set aside: it cannot be answered',
    );
  }

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

/**
 * Why a request on `topic` cannot be answered, or undefined when it can: Nest's ClientKafka gives
 * one `kafka_correlationId`, one `kafka_replyTopic` that is `<topic>.reply`, and one
 * `kafka_replyPartition` that is a partition of it (the read topics have READ_TOPIC_PARTITIONS).
 */
function replyAddressProblem(topic: string, headers: IHeaders | undefined): string | undefined {
  const expected = replyTopicOf(topic);
  if (soleHeaderText(headers, 'kafka_correlationId') === undefined) return 'no single kafka_correlationId';
  const replyTopic = soleHeaderText(headers, 'kafka_replyTopic');
  if (replyTopic !== expected)
    return replyTopic === undefined
      ? 'no single kafka_replyTopic'
      : `kafka_replyTopic "${replyTopic.slice(0, 200)}" is not ${expected}`;
  const partition = soleHeaderText(headers, 'kafka_replyPartition');
  if (partition === undefined || !/^\d{1,4}$/.test(partition) || Number(partition) >= READ_TOPIC_PARTITIONS)
    return `kafka_replyPartition ${partition === undefined ? 'missing' : `"${partition.slice(0, 50)}"`} is not a partition of ${expected} (0–${READ_TOPIC_PARTITIONS - 1})`;
  return undefined;
}
