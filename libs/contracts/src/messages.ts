import { z } from 'zod';
import { isWellFormedUnicode, unicodeString, WELL_FORMED_MESSAGE } from './unicode';

/** Intents the bot understands. `unknown` still gets a helpful reply. */
export const INTENTS = ['weather', 'time', 'help', 'echo', 'unknown'] as const;
export const intentSchema = z.enum(INTENTS);
export type Intent = z.infer<typeof intentSchema>;

/**
 * A user name: 1–64 of letters, digits and `. _ @ -`, but not `.` or `..`. It is a path segment of
 * the read API (`/v1/users/{user}/messages`), and URL parsers (WHATWG URL, so `fetch`) resolve those
 * two as "this" and "parent" directory, percent-encoded (`%2E%2E`) or not: no encoding makes them
 * safe, so they are not names.
 */
const userSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only')
  .regex(/^(?!\.{1,2}$)/, 'must not be "." or ".." (they are path segments)')
  .describe('1–64 of A–Z a–z 0–9 . _ @ -, not "." or ".." (a path segment of /v1/users/{user}/messages)');

/**
 * Message text: 1–2000 characters of well-formed Unicode without U+0000, so that it is stored and
 * read back exactly as sent by either store engine (PostgreSQL `text` refuses NUL; a lone UTF-16
 * surrogate, possible through a JSON `\uD800` escape, has no UTF-8 form and would be replaced).
 */
const textSchema = z
  .string()
  .min(1)
  .max(2000)
  .refine(isWellFormedUnicode, WELL_FORMED_MESSAGE)
  .refine((text) => !text.includes('\u0000'), 'must not contain U+0000');

/** `message.accepted` on jeeves.messages.v1: the gateway took a user's message. */
export const messageAcceptedSchema = z
  .object({
    messageId: z.uuid(),
    user: userSchema,
    text: textSchema,
    clientId: unicodeString().min(1).max(128),
  })
  .strict();
export type MessageAccepted = z.infer<typeof messageAcceptedSchema>;

export const actionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('weather'), city: unicodeString().min(1).max(100) }).strict(),
  z.object({ kind: z.literal('time'), zone: unicodeString().min(1).max(100) }).strict(),
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
    text: unicodeString().max(4000),
    /** Set when the answer came from a fallback (last known value, or an apology). */
    degraded: z.boolean().default(false),
    reason: unicodeString().max(500).optional(),
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
    // As stored: a name stored before a rule was added must still read back, not fail the read.
    user: z.string().min(1).max(64),
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
