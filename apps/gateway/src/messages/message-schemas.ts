import { z } from 'zod';
import { messageAcceptedSchema, messageViewSchema, userSchema } from '#libs/contracts';
import { REQUEST_ID_PATTERN } from '#libs/platform';
import { messagePageSchema } from '../data-service/data-service.client';

/** `POST /v1/messages` body: the user/text rules of the `message.accepted` contract, nothing else. */
export const postMessageBodySchema = messageAcceptedSchema.pick({ user: true, text: true }).strict();

export const acceptedMessageSchema = z.object({ id: z.uuid(), status: z.literal('accepted') }).strict();

/** A message data-service stores, or one this gateway accepted and data-service has not stored yet. */
export const messageResultSchema = z.union([messageViewSchema, acceptedMessageSchema]);

export const messageListSchema = messagePageSchema;

export const messageIdParamsSchema = z.object({ id: z.uuid() }).strict();
export const userParamsSchema = z.object({ user: userSchema }).strict();
export const listQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20).describe('Page size, 1–100.'),
    before: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('Only messages accepted before this instant: `nextBefore` of the previous page.'),
  })
  .strict();

/** 1–255 printable ASCII characters (a UUID is a good choice). */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x20-\x7E]+$/, 'printable ASCII only');

export const requestIdSchema = z.string().regex(REQUEST_ID_PATTERN);

const fieldErrorSchema = z.object({ field: z.string(), message: z.string() }).strict();
/** RFC 9457 problem details, as `ProblemFilter` writes them. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    code: z.string(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(fieldErrorSchema).optional(),
  })
  .strict();

/**
 * The 503 of a POST whose publish was not confirmed: the message may still be published, under
 * `messageId` (also in Location). Retrying with the same Idempotency-Key republishes that id (ADR 0041).
 */
export const publishUnconfirmedProblemSchema = problemSchema.extend({
  code: z.literal('publish-unconfirmed'),
  messageId: z.uuid().describe('The id the message is published under if its send still goes through.'),
});
