export {
  TOPICS,
  TOPIC_SPECS,
  DLQ_HEADERS,
  topicName,
  contractTopicOf,
  CONSUMER_GROUPS,
  consumerGroupName,
} from './topics';
export type { TopicKey, TopicName, TopicSpec, DeadLetterReason, ConsumerGroup, ContractTopicName } from './topics';
export {
  READ_TOPICS,
  READ_TOPIC_PARTITIONS,
  READ_REPLY_MAX_VALUE_BYTES,
  READ_GROUPS,
  replyTopicOf,
  messageReadSchema,
  userMessagesReadSchema,
  messagePageViewSchema,
  messageReadReplySchema,
  userMessagesReadReplySchema,
  GATEWAY_READS_MODES,
} from './reads';
export type {
  ReadTopicName,
  ReplyTopicName,
  ReadGroup,
  MessageRead,
  UserMessagesRead,
  MessageReadReply,
  UserMessagesReadReply,
  GatewayReads,
} from './reads';
export { envelopeSchema, makeEnvelope } from './envelope';
export {
  ENVELOPE_ID_HEADER,
  ENVELOPE_TYPE_HEADER,
  headerEntries,
  headerValues,
  lastHeaderText,
  soleHeaderText,
  copyHeaders,
} from './record-headers';
export type { RecordHeaderValue, RecordHeaders, HeaderBytes } from './record-headers';
export type { Envelope, NewEnvelope } from './envelope';
export { uuidV5, derivedEnvelopeId, JEEVES_ID_NAMESPACE } from './ids';
export {
  PAYLOAD_FORMATS,
  CONTENT_TYPE_HEADER,
  CONTENT_TYPES,
  ACCEPTED_CONTENT_TYPES,
  payloadFormatOfContentType,
  contentTypeOf,
} from './payload-formats';
export type { PayloadFormat } from './payload-formats';
export {
  ENVELOPE_PROTO_PATH,
  ENVELOPE_PROTO_MESSAGE,
  PROTO_DATA_CASES,
  ProtobufMappingError,
  envelopeProtoRoot,
  envelopeProtoType,
  envelopeToProtoObject,
  envelopeFromProtoMessage,
} from './protobuf';
export { isWellFormedUnicode } from './unicode';
export { EVENT_FIXTURES } from './event-fixtures';
export type { EnvelopeFixture, EventFixtures } from './event-fixtures';
export {
  INTENTS,
  intentSchema,
  userSchema,
  actionSchema,
  messageAcceptedSchema,
  actionRequestedSchema,
  replyProducedSchema,
  EVENT_TYPES,
  PAYLOAD_SCHEMAS,
  MESSAGE_STATUSES,
  messageStatusSchema,
  messageViewSchema,
} from './messages';
export type {
  Intent,
  Action,
  MessageAccepted,
  ActionRequested,
  ReplyProduced,
  MessageStatus,
  MessageView,
  EventType,
  PayloadOf,
} from './messages';
export {
  SERVICES,
  SERVICE_NAMES,
  SCALABLE_SERVICE_NAMES,
  isServiceName,
  defaultPortOf,
  defaultUrlOf,
  LAB_CLIENTS,
  CONSOLE_APP,
  CHAOS_SCOPE,
  TOKEN_DEFAULTS,
} from './services';
export type { ServiceName, ScalableServiceName, ServiceSpec } from './services';
export {
  EXPERIMENT_PHASES,
  experimentEventSchema,
  experimentPlanSchema,
  experimentDescriptionSchema,
} from './experiment-events';
export type {
  ExperimentPhase,
  ExperimentEvent,
  ExperimentProbeEvent,
  ExperimentPlan,
  ExperimentDescription,
} from './experiment-events';
