import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { z } from 'zod';
import {
  type MessageReadReply,
  messageReadSchema,
  READ_REPLY_MAX_VALUE_BYTES,
  READ_TOPICS,
  type UserMessagesReadReply,
  userMessagesReadSchema,
} from '#libs/contracts';
import { REQUEST_REPLY_TRANSPORT } from '#libs/kafka';
import { ProblemError } from '#libs/platform';
import { type MessagePage, MessageQueries } from './message-queries';

type Failed = Extract<MessageReadReply, { outcome: 'rejected' | 'unavailable' }>;

/**
 * The read API over Kafka request-reply (`GATEWAY_READS=kafka`, ADR 0042): the same queries as
 * MessagesController, answered on the responder's own group. Every outcome is a reply value —
 * found / not-found / page, `rejected` (the query is invalid: the gateway's 400) or `unavailable`
 * (the store failed: its 503) — so nothing rests on Nest's error header, which loses the class.
 */
@Controller()
export class ReadsController {
  constructor(@Inject(MessageQueries) private readonly queries: MessageQueries) {}

  @MessagePattern(READ_TOPICS.message, REQUEST_REPLY_TRANSPORT)
  async message(@Payload() payload: unknown): Promise<MessageReadReply> {
    const read = messageReadSchema.safeParse(payload);
    if (!read.success) return rejected(read.error);
    try {
      return { outcome: 'found', message: await this.queries.message(read.data.id, read.data.clientId) };
    } catch (error) {
      if (error instanceof ProblemError && error.status === 404) return { outcome: 'not-found' };
      return failed(error);
    }
  }

  @MessagePattern(READ_TOPICS.userMessages, REQUEST_REPLY_TRANSPORT)
  async userMessages(@Payload() payload: unknown): Promise<UserMessagesReadReply> {
    const read = userMessagesReadSchema.safeParse(payload);
    if (!read.success) return rejected(read.error);
    const { user, limit, before, clientId } = read.data;
    try {
      const page = await this.queries.userMessages(
        user,
        limit,
        before === undefined ? undefined : Date.parse(before),
        clientId,
      );
      return fitted(page);
    } catch (error) {
      return failed(error);
    }
  }
}

/**
 * The page as one reply that fits in a Kafka record (READ_REPLY_MAX_VALUE_BYTES of JSON): whole
 * when it fits, else cut after the newest acceptance instants that do — never between two
 * messages of one instant, so `nextBefore` (the last kept instant) goes on without a gap. A reply
 * that cannot be produced would leave the gateway to time out. `unavailable` when not even the
 * newest instant fits.
 */
function fitted(page: MessagePage): UserMessagesReadReply {
  const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));
  if (bytes({ outcome: 'page', page }) <= READ_REPLY_MAX_VALUE_BYTES) return { outcome: 'page', page };
  const { items } = page;
  // The reply without items, its cursor as long as any, then each item and its comma.
  let size = bytes({ outcome: 'page', page: { items: [], nextBefore: items[0]!.acceptedAt } });
  let kept = 0;
  for (const item of items) {
    size += bytes(item) + 1;
    if (size > READ_REPLY_MAX_VALUE_BYTES) break;
    kept++;
  }
  while (kept > 0 && kept < items.length && items[kept]!.acceptedAt === items[kept - 1]!.acceptedAt) kept--;
  if (kept === 0)
    return {
      outcome: 'unavailable',
      detail: `the messages accepted at ${items[0]!.acceptedAt} take more than one Kafka reply can hold; read them over HTTP`,
    };
  return { outcome: 'page', page: { items: items.slice(0, kept), nextBefore: items[kept - 1]!.acceptedAt } };
}

function rejected(error: z.ZodError): Failed {
  const detail = error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || 'request'}: ${issue.message}`)
    .join('; ');
  return { outcome: 'rejected', detail: `invalid read: ${detail}` };
}

/** MessageQueries reports a store failure as a 503 problem; anything else is a bug, and says so. */
function failed(error: unknown): Failed {
  if (error instanceof ProblemError && error.status === 503)
    return { outcome: 'unavailable', detail: error.detail ?? 'the message store is unavailable' };
  throw error;
}
