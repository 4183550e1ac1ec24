import { z } from 'zod';
import { messageViewSchema, userSchema } from './messages';

/**
 * Request topics of the gateway's Kafka read path (`GATEWAY_READS=kafka`, ADR 0042). Nest's
 * `@MessagePattern` pattern is the topic; each has a reply topic `<topic>.reply` (`replyTopicOf`).
 */
export const READ_TOPICS = {
  message: 'jeeves.reads.message.v1',
  userMessages: 'jeeves.reads.user-messages.v1',
} as const;

export type ReadTopicName = (typeof READ_TOPICS)[keyof typeof READ_TOPICS];
export type ReplyTopicName = `${ReadTopicName}.reply`;

/** The topic Nest's ClientKafka subscribes for the replies to `topic` (`getResponsePatternName`). */
export function replyTopicOf<T extends string>(topic: T): `${T}.reply` {
  return `${topic}.reply`;
}

/**
 * Partitions of each read topic and reply topic: at least as many as instances of data-service
 * (requests) and of the gateway (replies) can run — the lab allows 10 of an app. A gateway instance
 * that owns no reply partition cannot be answered at all.
 */
export const READ_TOPIC_PARTITIONS = 10;

/**
 * The most bytes a read reply's JSON value may take: Kafka's default `max.message.bytes`
 * (1 048 588) less ample room for the record batch, Nest's reply headers and a `traceparent`. A
 * bigger reply can never be produced, so its caller would only time out; data-service cuts a page
 * to fit instead (its `nextBefore` goes on from the cut).
 */
export const READ_REPLY_MAX_VALUE_BYTES = 1_000_000;

/** Consumer groups of the Kafka read path: kept apart from CONSUMER_GROUPS, which every lab runs. */
export const READ_GROUPS = {
  /** data-service's responders, beside (not in) its pipeline group: reads never queue behind a backlog. */
  responders: 'jeeves-data-service-reads',
  /** The gateway's reply consumers: each instance must own at least one partition of every reply topic. */
  replies: 'jeeves-gateway-replies',
} as const;

export type ReadGroup = (typeof READ_GROUPS)[keyof typeof READ_GROUPS];

/** Scopes a read to the messages one OAuth client created (as data-service's HTTP read API does). */
const clientIdSchema = z.string().min(1).max(128);

/** `jeeves.reads.message.v1`: one message of the reading client's. */
export const messageReadSchema = z.object({ id: z.uuid('must be a UUID'), clientId: clientIdSchema }).strict();
export type MessageRead = z.infer<typeof messageReadSchema>;

/** `jeeves.reads.user-messages.v1`: one page of a user's messages, newest first. */
export const userMessagesReadSchema = z
  .object({
    user: userSchema,
    clientId: clientIdSchema,
    limit: z.number().int().min(1).max(100),
    before: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional(),
  })
  .strict();
export type UserMessagesRead = z.infer<typeof userMessagesReadSchema>;

export const messagePageViewSchema = z
  .object({ items: z.array(messageViewSchema), nextBefore: z.string().nullable() })
  .strict();

/** Outcomes both read topics share: the query was refused (a 400), or the store failed (a 503). */
const failedReadSchemas = [
  z.object({ outcome: z.literal('rejected'), detail: z.string() }).strict(),
  z.object({ outcome: z.literal('unavailable'), detail: z.string() }).strict(),
] as const;

/**
 * The reply to a message read. Every expected outcome is a value, never a thrown error: Nest's
 * error header (`kafka_nest-err`) carries only `JSON.stringify(error)`, class and code lost.
 */
export const messageReadReplySchema = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('found'), message: messageViewSchema }).strict(),
  z.object({ outcome: z.literal('not-found') }).strict(),
  ...failedReadSchemas,
]);
export type MessageReadReply = z.infer<typeof messageReadReplySchema>;

/** The reply to a user-messages read. */
export const userMessagesReadReplySchema = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('page'), page: messagePageViewSchema }).strict(),
  ...failedReadSchemas,
]);
export type UserMessagesReadReply = z.infer<typeof userMessagesReadReplySchema>;

/** How the gateway reads data-service (`GATEWAY_READS`): its HTTP API (ADR 0040) or Kafka request-reply (ADR 0042). */
export const GATEWAY_READS_MODES = ['http', 'kafka'] as const;
export type GatewayReads = (typeof GATEWAY_READS_MODES)[number];
