export { KafkaConnection } from './connection';
export type { KafkaConnectionOptions } from './connection';
export { KafkaModule } from './kafka.module';
export { EventPublisher, ENVELOPE_ID_HEADER, ENVELOPE_TYPE_HEADER } from './publisher';
export type { PublishOptions, ProduceGuard } from './publisher';
export { EventConsumer, DEFAULT_RETRY } from './consumer';
export type {
  ConsumedMessage,
  MessageHandler,
  RetryPolicy,
  ConsumerOptions,
  RawConsumedMessage,
  RawConsumerOptions,
} from './consumer';
export { PoisonMessageError, NonRetryableError, RetriableConsumerError, isPoison } from './errors';
export { decodeEnvelope, assertValidEnvelope } from './decode';
export type { PayloadSchemas } from './decode';
export { kafkaMetrics } from './kafka-metrics';
export type { KafkaMetrics, ConsumeOutcome } from './kafka-metrics';
