import { Counter, Gauge, Histogram } from 'prom-client';
import { HANDLER_BUCKETS_SECONDS, type MetricsRegistry } from '#libs/observability';

/**
 * The `outcome` of `jeeves_kafka_messages_consumed_total`. `dropped`: a raw record (a `rawTopics` topic of
 * the hardened transport) whose handler kept failing, or one the DLQ refused for good: logged and skipped.
 */
export type ConsumeOutcome = 'ok' | 'retried' | 'dead_lettered' | 'duplicate' | 'dropped';

export interface KafkaMetrics {
  consumed: Counter<'topic' | 'group' | 'outcome'>;
  produced: Counter<'topic' | 'outcome'>;
  handlerDuration: Histogram<'topic' | 'group'>;
  lag: Gauge<'group' | 'topic' | 'partition'>;
  rebalances: Counter<'group'>;
  crashes: Counter<'group'>;
  producerErrors: Counter<'topic'>;
  producerResent: Counter;
  deadLetters: Counter<'source_topic' | 'reason'>;
  deadLettersTruncated: Counter<'source_topic' | 'truncation'>;
  deadLetterFailures: Counter<'source_topic' | 'error_type'>;
}

const cache = new WeakMap<MetricsRegistry, KafkaMetrics>();

/** Kafka metrics, created once per registry (publisher and consumers of one process share them). */
export function kafkaMetrics(registry: MetricsRegistry): KafkaMetrics {
  const existing = cache.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: KafkaMetrics = {
    consumed: new Counter({
      name: 'jeeves_kafka_messages_consumed_total',
      help: 'Kafka messages consumed, by topic, consumer group and outcome.',
      labelNames: ['topic', 'group', 'outcome'],
      registers,
    }),
    produced: new Counter({
      name: 'jeeves_kafka_messages_produced_total',
      help: 'Kafka messages produced, by topic and outcome.',
      labelNames: ['topic', 'outcome'],
      registers,
    }),
    handlerDuration: new Histogram({
      name: 'jeeves_kafka_handler_duration_seconds',
      help: 'Time to handle one Kafka message, retries included.',
      labelNames: ['topic', 'group'],
      buckets: HANDLER_BUCKETS_SECONDS,
      registers,
      enableExemplars: true,
    }),
    lag: new Gauge({
      name: 'jeeves_kafka_consumer_lag_messages',
      help: 'Messages between the group committed offset and the partition end.',
      labelNames: ['group', 'topic', 'partition'],
      registers,
    }),
    rebalances: new Counter({
      name: 'jeeves_kafka_consumer_rebalances_total',
      help: 'Consumer group joins (each rebalance makes every member join again).',
      labelNames: ['group'],
      registers,
    }),
    crashes: new Counter({
      name: 'jeeves_kafka_consumer_crashes_total',
      help: 'Consumer crashes reported by kafkajs (each may restart the consumer at its last committed offset).',
      labelNames: ['group'],
      registers,
    }),
    producerErrors: new Counter({
      name: 'jeeves_kafka_producer_errors_total',
      help: 'Failed producer sends, by topic.',
      labelNames: ['topic'],
      registers,
    }),
    producerResent: new Counter({
      name: 'jeeves_kafka_producer_resent_records_total',
      help: 'Records sent again because kafkajs reported their request written while no broker had answered for their partition (a leader moved mid-send; ADR 0041).',
      registers,
    }),
    deadLetters: new Counter({
      name: 'jeeves_kafka_dead_letters_total',
      help: 'Messages sent to the dead-letter topic, by source topic and reason.',
      labelNames: ['source_topic', 'reason'],
      registers,
    }),
    deadLettersTruncated: new Counter({
      name: 'jeeves_kafka_dead_letters_truncated_total',
      help: 'Dead letters cut to fit the DLQ topic max.message.bytes, by source topic and truncation (value: a value prefix; record: a pointer with no key, value or original headers).',
      labelNames: ['source_topic', 'truncation'],
      registers,
    }),
    deadLetterFailures: new Counter({
      name: 'jeeves_kafka_dead_letter_failures_total',
      help: 'Messages the DLQ topic refused for good (after bounded retries): logged with their source offset and skipped, by source topic and Kafka error type.',
      labelNames: ['source_topic', 'error_type'],
      registers,
    }),
  };
  cache.set(registry, metrics);
  return metrics;
}
