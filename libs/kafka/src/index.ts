export { KafkaConnection } from './connection';
export type { KafkaConnectionOptions, KafkaConsumerSettings, KafkaServer, KafkaTransportMode } from './connection';
export { KafkaModule, kafkaConsumer, kafkaResponder, payloadFormatConfigShape } from './kafka.module';
export type { KafkaModuleOptions } from './kafka.module';
export { EventPublisher } from './publisher';
export type { PublishOptions, ProduceGuard, OutgoingRecord } from './publisher';
export { HardenedServerKafka, DEFAULT_RETRY } from './server/hardened-server-kafka';
export type { RetryPolicy, HardenedConsumerSettings, HardenedTransportDeps } from './server/hardened-server-kafka';
export { StockServerKafka } from './server/stock-server-kafka';
export { ResponderServerKafka, REQUEST_REPLY_TRANSPORT } from './server/responder-server-kafka';
export { EventHandlers, markDecoded } from './event-handlers';
export type { EventHandlerTable } from './event-handlers';
export { consumedMessage, rawConsumedMessage, bytesOf } from './consumed-message';
export type { ConsumedMessage, RawConsumedMessage } from './consumed-message';
export { PoisonMessageError, NonRetryableError, RetriableConsumerError, isPoison, isNotRetryable } from './errors';
export { decodeEnvelope, encodeEnvelope, assertValidEnvelope } from './decode';
export { payloadFormatOf, encodeValue, decodeValue } from './payload-codec';
export type { PayloadSchemas } from './decode';
export { kafkaMetrics } from './kafka-metrics';
export type { KafkaMetrics } from './kafka-metrics';
export { DeadLetterer, classifyDeadLetterSendFailure } from './dead-letterer';
export type { DeadLetterRequest, DeadLettererOptions, DeadLetterOutcome, DeadLetterSendFailure } from './dead-letterer';
export {
  planDeadLetterCopy,
  recordBatchSizeBytes,
  appendHeaders,
  KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  RECORD_BATCH_OVERHEAD_BYTES,
  DEAD_LETTER_HEADROOM_BYTES,
} from './dead-letter-copy';
export type { RawRecord, DeadLetterCopy, DeadLetterCopyKind, DeadLetterCopyOptions } from './dead-letter-copy';
export { fixKafkajsHeaders } from './kafkajs-header-fixes';
export { RequestReplyClient, RequestReplyClientKafka, RequestReplyError } from './request-reply/request-reply-client';
export type {
  RequestReplyClientOptions,
  RequestReplyErrorCode,
  GivenUpMemory,
} from './request-reply/request-reply-client';
export { requestReplyMetrics } from './request-reply/request-reply-metrics';
export type { RequestReplyMetrics, RequestOutcome } from './request-reply/request-reply-metrics';
export { ensureTopics, contractTopicConfigs } from './topics-admin';
export type { EnsureTopicsOptions } from './topics-admin';
