import type { ClientKafka } from '@nestjs/microservices';
import type { IHeaders } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import {
  CONTENT_TYPE_HEADER,
  CONTENT_TYPES,
  ENVELOPE_ID_HEADER,
  ENVELOPE_TYPE_HEADER,
  type Envelope,
  type HeaderBytes,
  PAYLOAD_SCHEMAS,
  type PayloadFormat,
  TOPICS,
  type TopicName,
  topicName,
} from '#libs/contracts';
import type { Logger } from '#libs/observability';
import { assertValidEnvelope, encodeEnvelope } from './decode';
import type { KafkaMetrics } from './kafka-metrics';
import type { ProduceCoalescer } from './produce-coalescer';

export interface PublishOptions {
  /** Partition key; the user id, so one user's messages stay in order. */
  key: string;
  headers?: IHeaders;
}

/**
 * A record ready to send: key and value as bytes or text, headers as they are (a value may be null:
 * see kafkajs-header-fixes.ts). Buffers reach the broker byte for byte; text is sent as UTF-8.
 */
export interface OutgoingRecord {
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers?: IHeaders | HeaderBytes;
}

/** A hook that may refuse a send (the chaos `produce-failure` fault); throws to refuse. */
export type ProduceGuard = (topic: string) => void;

/**
 * Publishes validated envelopes: through a ProduceCoalescer (concurrent sends share one Produce
 * request, ADR 0007) when given one, else through Nest's ClientKafka, one request per send. Every
 * send is awaited and its error thrown to the caller: a send whose error nobody sees is a lost message.
 */
export class EventPublisher {
  private guard: ProduceGuard | undefined;

  constructor(
    private readonly client: ClientKafka,
    private readonly topicPrefix: string,
    private readonly metrics: KafkaMetrics,
    private readonly logger: Logger,
    private readonly coalescer?: ProduceCoalescer,
    /** How envelopes are encoded (JEEVES_PAYLOAD_FORMAT), named in each record's `content-type` header. */
    readonly payloadFormat: PayloadFormat = 'json',
  ) {
    // Send errors are rare: start each topic at zero so dashboards show 0, not "no data".
    for (const topic of Object.values(TOPICS)) this.metrics.producerErrors.inc({ topic }, 0);
  }

  /** Installs a guard consulted before every send (used by fault injection). */
  setGuard(guard: ProduceGuard | undefined): void {
    this.guard = guard;
  }

  /**
   * Validates `envelope` against the contract, encodes it as this publisher's payload format and
   * sends it to `topic`; throws if Kafka refuses it.
   */
  async publish<T>(topic: TopicName, envelope: Envelope<T>, options: PublishOptions): Promise<void> {
    assertValidEnvelope(envelope, PAYLOAD_SCHEMAS);
    // The id and type ride in headers too, so tracing hooks and tools see them without parsing the value.
    const headers: IHeaders = {
      ...options.headers,
      [ENVELOPE_ID_HEADER]: envelope.id,
      [ENVELOPE_TYPE_HEADER]: envelope.type,
      [CONTENT_TYPE_HEADER]: CONTENT_TYPES[this.payloadFormat],
    };
    await this.send(topicName(topic, this.topicPrefix), [
      { key: options.key, value: encodeEnvelope(envelope, this.payloadFormat), headers },
    ]);
  }

  /** Sends already-encoded records to a fully resolved topic (dead letters, replays); throws on failure. */
  async send(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    const metricTopic = this.baseTopic(topic);
    try {
      this.guard?.(metricTopic);
      if (this.coalescer) await this.coalescer.send(topic, records);
      else
        await lastValueFrom(
          records.length === 1
            ? this.client.emit(topic, records[0])
            : this.client.emitBatch(topic, { messages: [...records] }),
          { defaultValue: undefined },
        );
      this.metrics.produced.inc({ topic: metricTopic, outcome: 'ok' }, records.length);
    } catch (error) {
      this.metrics.produced.inc({ topic: metricTopic, outcome: 'error' }, records.length);
      this.metrics.producerErrors.inc({ topic: metricTopic });
      this.logger.warn({ err: error, topic }, 'kafka send failed');
      throw error;
    }
  }

  /** Sends what the coalescer holds and waits for every request in flight (shutdown); no-op without one. */
  async flush(): Promise<void> {
    await this.coalescer?.close();
  }

  /** Metrics use contract topic names, so dashboards work whatever the lab's prefix. */
  private baseTopic(topic: string): string {
    return this.topicPrefix && topic.startsWith(`${this.topicPrefix}.`)
      ? topic.slice(this.topicPrefix.length + 1)
      : topic;
  }
}
