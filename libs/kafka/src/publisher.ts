import type { IHeaders, Producer } from 'kafkajs';
import { type Envelope, PAYLOAD_SCHEMAS, TOPICS, type TopicName, topicName } from '#libs/contracts';
import type { Logger } from '#libs/observability';
import { assertValidEnvelope } from './decode';
import type { KafkaMetrics } from './kafka-metrics';

/** Headers every published message carries: the envelope's id and type. */
export const ENVELOPE_ID_HEADER = 'jeeves-envelope-id';
export const ENVELOPE_TYPE_HEADER = 'jeeves-envelope-type';

export interface PublishOptions {
  /** Partition key; the user id, so one user's messages stay in order. */
  key: string;
  headers?: IHeaders;
}

/** A hook that may refuse a send (the chaos `produce-failure` fault); throws to refuse. */
export type ProduceGuard = (topic: string) => void;

/**
 * Publishes validated envelopes. Every send is awaited: an emit whose error nobody sees is a lost
 * message.
 */
export class EventPublisher {
  private guard: ProduceGuard | undefined;

  constructor(
    private readonly producer: Producer,
    private readonly topicPrefix: string,
    private readonly metrics: KafkaMetrics,
    private readonly logger: Logger,
  ) {
    // Send errors are rare: start each topic at zero so dashboards show 0, not "no data".
    for (const topic of Object.values(TOPICS)) this.metrics.producerErrors.inc({ topic }, 0);
  }

  /** Installs a guard consulted before every send (used by fault injection). */
  setGuard(guard: ProduceGuard | undefined): void {
    this.guard = guard;
  }

  async publish<T>(topic: TopicName, envelope: Envelope<T>, options: PublishOptions): Promise<void> {
    assertValidEnvelope(envelope, PAYLOAD_SCHEMAS);
    // The id and type ride in headers too, so tracing hooks and tools see them without parsing the value.
    const headers: IHeaders = {
      ...options.headers,
      [ENVELOPE_ID_HEADER]: envelope.id,
      [ENVELOPE_TYPE_HEADER]: envelope.type,
    };
    await this.send(topicName(topic, this.topicPrefix), [
      { key: options.key, value: JSON.stringify(envelope), headers },
    ]);
  }

  /** Sends already-encoded messages to a fully resolved topic (dead letters, replays). */
  async send(
    topic: string,
    messages: { key: string | null; value: string | Buffer | null; headers?: IHeaders }[],
  ): Promise<void> {
    const metricTopic = this.baseTopic(topic);
    try {
      this.guard?.(metricTopic);
      await this.producer.send({ topic, messages, acks: -1 });
      this.metrics.produced.inc({ topic: metricTopic, outcome: 'ok' }, messages.length);
    } catch (error) {
      this.metrics.produced.inc({ topic: metricTopic, outcome: 'error' }, messages.length);
      this.metrics.producerErrors.inc({ topic: metricTopic });
      this.logger.warn({ err: error, topic }, 'kafka send failed');
      throw error;
    }
  }

  /** Metrics use contract topic names, so dashboards work whatever the lab's prefix. */
  private baseTopic(topic: string): string {
    return this.topicPrefix && topic.startsWith(`${this.topicPrefix}.`)
      ? topic.slice(this.topicPrefix.length + 1)
      : topic;
  }
}
