import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { messageAcceptedSchema, type MessageView } from '#libs/contracts';
import { parseOrProblem, SERVICE_CONTEXT, type ServiceContext } from '#libs/platform';
import type { ChatMessage } from '../api-types';
import type { ConsoleConfig } from '../console.config';
import { LabServices, upstreamProblem } from '../upstream/lab-services';

export type { ChatMessage } from '../api-types';

const sendBodySchema = messageAcceptedSchema.pick({ user: true, text: true }).strict();
const idSchema = z.object({ id: z.uuid() }).strict();
const TRACE_ID = /^[0-9a-f]{32}$/;

/** The chat page's API: post as a user and follow the message, through the gateway with the demo client's token. */
@Controller('api/chat/messages')
export class ChatController {
  private readonly traceUiUrl: string | undefined;

  constructor(
    @Inject(LabServices) private readonly services: LabServices,
    @Inject(SERVICE_CONTEXT) context: ServiceContext<ConsoleConfig>,
  ) {
    this.traceUiUrl = context.config.CONSOLE_TRACE_UI_URL;
  }

  @Post()
  @HttpCode(202)
  async send(@Body() body: unknown): Promise<ChatMessage> {
    const message = parseOrProblem(sendBodySchema, body ?? {}, 'message');
    const answer = await this.services.asDemo('gateway', 'POST', '/v1/messages', message);
    if (answer.status !== 202 && answer.status !== 201) throw upstreamProblem('gateway', answer);
    const accepted = answer.body as { id: string; status: string };
    return { id: accepted.id, status: accepted.status };
  }

  @Get(':id')
  async read(@Param() params: unknown): Promise<ChatMessage> {
    const { id } = parseOrProblem(idSchema, params, 'message id');
    const answer = await this.services.asDemo('gateway', 'GET', `/v1/messages/${id}`);
    if (answer.status !== 200) throw upstreamProblem('gateway', answer);
    const view = answer.body as Partial<MessageView> & { id: string; status: string };
    if (view.status === 'accepted' && view.text === undefined) return { id: view.id, status: view.status };
    const traceId = view.traceId ?? null;
    return {
      id: view.id,
      status: view.status,
      text: view.text,
      reply: view.reply ?? null,
      degraded: view.degraded ?? false,
      failureReason: view.failureReason ?? null,
      traceId,
      ...(this.traceUiUrl && traceId && TRACE_ID.test(traceId)
        ? { traceUrl: `${this.traceUiUrl}/zipkin/traces/${traceId}` }
        : {}),
    };
  }
}
