import {
  applyDecorators,
  Controller,
  HttpCode,
  Inject,
  Req,
  RequestMapping,
  Res,
  UseInterceptors,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { principalOf, RequireScopes } from '#libs/auth';
import type { MessageView } from '#libs/contracts';
import { parseOrProblem, ProblemError } from '#libs/platform';
import { type ApiRoute, API_ROUTES } from '../api-routes';
import { MESSAGE_READER, type MessagePage, type MessageReader } from '../data-service/message-reader';
import { dependencyProblem } from '../errors';
import { ClientLimitsInterceptor } from '../limits/client-limits.interceptor';
import { MessageIntake, MessageUnconfirmedError } from './message-intake';
import {
  acceptedMessageSchema,
  idempotencyKeySchema,
  listQuerySchema,
  messageIdParamsSchema,
  postMessageBodySchema,
  userParamsSchema,
} from './message-schemas';
import { RecentlyAccepted } from './recently-accepted';

/** Maps a handler from the route table: path, method, status, scopes, then the client limits. */
function Route(route: ApiRoute): MethodDecorator {
  return applyDecorators(
    RequestMapping({ path: route.path, method: route.method }),
    HttpCode(route.successStatus),
    RequireScopes(...route.scopes),
    UseInterceptors(ClientLimitsInterceptor),
  );
}

const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;

type AcceptedMessage = z.infer<typeof acceptedMessageSchema>;

@Controller()
export class MessagesController {
  constructor(
    @Inject(MessageIntake) private readonly intake: MessageIntake,
    @Inject(MESSAGE_READER) private readonly reader: MessageReader,
    @Inject(RecentlyAccepted) private readonly recent: RecentlyAccepted,
  ) {}

  @Route(API_ROUTES.acceptMessage)
  async accept(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AcceptedMessage> {
    // Fastify only parses JSON bodies here; this also refuses a POST that sent no Content-Type.
    if (!JSON_MEDIA_TYPE.test(request.headers['content-type'] ?? '')) {
      throw new ProblemError(415, 'unsupported-media-type', { detail: 'send the message as application/json' });
    }
    const body = parseOrProblem(postMessageBodySchema, request.body);
    const idempotencyKey = optionalHeader(request, 'idempotency-key', idempotencyKeySchema);
    const { clientId } = principalOf(request);
    const acceptance = await this.intake
      .accept({ clientId, user: body.user, text: body.text, correlationId: requestId(request, reply), idempotencyKey })
      .catch(rethrowAcceptProblem);
    void reply.header('location', `/v1/messages/${acceptance.id}`);
    if (acceptance.replayed) void reply.header('idempotent-replayed', 'true');
    return { id: acceptance.id, status: 'accepted' };
  }

  /** A message of the calling client's; another client's is a 404 like a missing one (OWASP API1:2023). */
  @Route(API_ROUTES.getMessage)
  async get(@Req() request: FastifyRequest): Promise<MessageView | AcceptedMessage> {
    const { id } = parseOrProblem(messageIdParamsSchema, request.params, 'path');
    const { clientId } = principalOf(request);
    const view = await this.reader.getMessage(id, { clientId }).catch(rethrowAsProblem);
    if (view) return view;
    // Accepted here a moment ago, not stored by data-service yet: it exists, it is just early.
    if (this.recent.has(id, clientId)) return { id, status: 'accepted' };
    throw new ProblemError(404, 'not-found', { detail: `no message ${id}` });
  }

  /** A user's messages that the calling client created. */
  @Route(API_ROUTES.listUserMessages)
  async list(@Req() request: FastifyRequest): Promise<MessagePage> {
    const { user } = parseOrProblem(userParamsSchema, request.params, 'path');
    const query = parseOrProblem(listQuerySchema, request.query, 'query');
    const { clientId } = principalOf(request);
    return this.reader
      .listUserMessages(user, { clientId, limit: query.limit, before: query.before })
      .catch(rethrowAsProblem);
  }
}

function rethrowAsProblem(error: unknown): never {
  throw dependencyProblem(error) ?? error;
}

/** How soon a client may retry a POST whose publish was not confirmed. */
const UNCONFIRMED_RETRY_AFTER_SECONDS = 1;

/**
 * A POST whose publish was not confirmed is a 503 that names the message (ADR 0041): it may still be
 * published, so the client gets its id and Location to look it up, and learns that only a retry
 * with the same Idempotency-Key is safe.
 */
function rethrowAcceptProblem(error: unknown): never {
  if (error instanceof MessageUnconfirmedError) {
    throw new ProblemError(503, 'publish-unconfirmed', {
      detail: `the message bus did not confirm message ${error.messageId} in time; it may still be published (GET its Location). Retry with the same Idempotency-Key: that publishes this same message, never a second one`,
      retryAfterSeconds: UNCONFIRMED_RETRY_AFTER_SECONDS,
      headers: { location: `/v1/messages/${error.messageId}` },
      extensions: { messageId: error.messageId },
      cause: error,
    });
  }
  return rethrowAsProblem(error);
}

function optionalHeader(request: FastifyRequest, name: string, schema: z.ZodType<string>): string | undefined {
  const value = request.headers[name];
  if (value === undefined) return undefined;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ProblemError(400, 'validation-failed', {
      detail: `invalid ${name} header`,
      errors: [{ field: name, message: parsed.error.issues[0]?.message ?? 'invalid' }],
    });
  }
  return parsed.data;
}

/**
 * The caller's X-Request-Id when it is sane, else a fresh one (the platform's `request.id`, also in
 * the request log line); echoed, and used as correlation id.
 */
function requestId(request: FastifyRequest, reply: FastifyReply): string {
  void reply.header('x-request-id', request.id);
  return request.id;
}
