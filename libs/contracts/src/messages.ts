import { z } from 'zod';

/** Intents the bot understands. `unknown` still gets a helpful reply. */
export const INTENTS = ['weather', 'time', 'help', 'echo', 'unknown'] as const;
export const intentSchema = z.enum(INTENTS);
export type Intent = z.infer<typeof intentSchema>;

const userSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only');

/** `message.accepted` on jeeves.messages.v1: the gateway took a user's message. */
export const messageAcceptedSchema = z
  .object({
    messageId: z.uuid(),
    user: userSchema,
    text: z.string().min(1).max(2000),
    clientId: z.string().min(1).max(128),
  })
  .strict();
export type MessageAccepted = z.infer<typeof messageAcceptedSchema>;

export const actionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('weather'), city: z.string().min(1).max(100) }).strict(),
  z.object({ kind: z.literal('time'), zone: z.string().min(1).max(100) }).strict(),
]);
export type Action = z.infer<typeof actionSchema>;

/** `action.requested` on jeeves.actions.v1: the bot asks a worker to run an action. */
export const actionRequestedSchema = z
  .object({
    messageId: z.uuid(),
    user: userSchema,
    intent: intentSchema,
    action: actionSchema,
  })
  .strict();
export type ActionRequested = z.infer<typeof actionRequestedSchema>;

/** `reply.produced` on jeeves.replies.v1: the final answer (or failure) for a message. */
export const replyProducedSchema = z
  .object({
    messageId: z.uuid(),
    user: userSchema,
    intent: intentSchema,
    status: z.enum(['replied', 'failed']),
    text: z.string().max(4000),
    /** Set when the answer came from a fallback (last known value, or an apology). */
    degraded: z.boolean().default(false),
    reason: z.string().max(500).optional(),
  })
  .strict();
export type ReplyProduced = z.infer<typeof replyProducedSchema>;

export const EVENT_TYPES = {
  messageAccepted: 'message.accepted',
  actionRequested: 'action.requested',
  replyProduced: 'reply.produced',
} as const;

/** The schema of each event type's payload, at version 1. */
export const PAYLOAD_SCHEMAS = {
  [EVENT_TYPES.messageAccepted]: messageAcceptedSchema,
  [EVENT_TYPES.actionRequested]: actionRequestedSchema,
  [EVENT_TYPES.replyProduced]: replyProducedSchema,
} as const;

/** An event type of the contract (`message.accepted`, …). */
export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** The payload type of an event type: `PayloadOf<'message.accepted'>` is `MessageAccepted`. */
export type PayloadOf<T extends EventType> = z.infer<(typeof PAYLOAD_SCHEMAS)[T]>;

export const MESSAGE_STATUSES = ['accepted', 'processing', 'replied', 'failed'] as const;
export const messageStatusSchema = z.enum(MESSAGE_STATUSES);
export type MessageStatus = z.infer<typeof messageStatusSchema>;

/** A message as data-service stores it and the gateway returns it. */
export const messageViewSchema = z
  .object({
    id: z.uuid(),
    user: userSchema,
    text: z.string(),
    status: messageStatusSchema,
    intent: intentSchema.nullable(),
    reply: z.string().nullable(),
    degraded: z.boolean(),
    failureReason: z.string().nullable(),
    traceId: z.string().nullable(),
    acceptedAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
  })
  .strict();
export type MessageView = z.infer<typeof messageViewSchema>;

export { userSchema };
