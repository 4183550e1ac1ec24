import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { z } from 'zod';
import { type MessageView, userSchema } from '#libs/contracts';
import { parseOrProblem } from '#libs/platform';
import type { StatusCounts } from '../store/message.repository';
import { type EventHistory, type Ledger, type MessagePage, MessageQueries } from './message-queries';

const idParams = z.object({ id: z.uuid('must be a UUID') });
const userParams = z.object({ user: userSchema });
/** Scopes a read to the messages one OAuth client created (the gateway always sends it). */
const clientIdQuery = z.string().min(1).max(128).optional();
const messageQuery = z.object({ clientId: clientIdQuery });
const pageQuery = z.object({
  limit: z.coerce.number('must be a number').int().min(1).max(100).default(20),
  before: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional(),
  clientId: clientIdQuery,
});
const ledgerQuery = z.object({
  since: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional(),
});

/** The read API the gateway and the experiments use. */
@Controller('v1')
export class MessagesController {
  constructor(@Inject(MessageQueries) private readonly queries: MessageQueries) {}

  @Get('messages/:id')
  async message(@Param() params: unknown, @Query() query: unknown): Promise<MessageView> {
    const { id } = parseOrProblem(idParams, params, 'path');
    const { clientId } = parseOrProblem(messageQuery, query, 'query');
    return this.queries.message(id, clientId);
  }

  /** Every envelope applied to a message, with how many redeliveries of each were suppressed. */
  @Get('messages/:id/events')
  async events(@Param() params: unknown): Promise<EventHistory> {
    const { id } = parseOrProblem(idParams, params, 'path');
    return this.queries.events(id);
  }

  @Get('users/:user/messages')
  async userMessages(@Param() params: unknown, @Query() query: unknown): Promise<MessagePage> {
    const { user } = parseOrProblem(userParams, params, 'path');
    const { limit, before, clientId } = parseOrProblem(pageQuery, query, 'query');
    return this.queries.userMessages(user, limit, before === undefined ? undefined : Date.parse(before), clientId);
  }

  /** Messages by current status. */
  @Get('stats')
  async stats(): Promise<StatusCounts> {
    return this.queries.stats();
  }

  /**
   * Messages accepted since `since` (default: ever): how many, how many replied, failed, still in
   * flight (`processing`: accepted or processing), failures by reason, and suppressed redeliveries.
   */
  @Get('ledger')
  async ledger(@Query() query: unknown): Promise<Ledger> {
    const { since } = parseOrProblem(ledgerQuery, query, 'query');
    return this.queries.ledger(since === undefined ? 0 : Date.parse(since));
  }
}
