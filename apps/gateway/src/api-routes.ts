import { RequestMethod } from '@nestjs/common';
import { z } from 'zod';
import {
  acceptedMessageSchema,
  idempotencyKeySchema,
  requestIdSchema,
  listQuerySchema,
  messageIdParamsSchema,
  messageListSchema,
  messageResultSchema,
  postMessageBodySchema,
  publishUnconfirmedProblemSchema,
  userParamsSchema,
} from './messages/message-schemas';

export const SCOPES = {
  'messages:write': 'Send messages to Jeeves',
  'messages:read': 'Read messages and their replies',
} as const;
export type Scope = keyof typeof SCOPES;

/** Response headers the OpenAPI document describes; each route's responses name theirs. */
export type ResponseHeader =
  | 'Allow'
  | 'Accept-Encoding'
  | 'Location'
  | 'Retry-After'
  | 'RateLimit'
  | 'RateLimit-Policy'
  | 'WWW-Authenticate'
  | 'Idempotent-Replayed'
  | 'X-Request-Id'
  | 'ETag'
  | 'Cache-Control'
  | 'Vary'
  | 'Content-Encoding';

export interface ApiResponse {
  description: string;
  /** JSON body schema; absent for problem answers, which all share the Problem schema. */
  schema?: z.ZodType;
  /**
   * Problem bodies with extension members (RFC 9457 §3.2) this answer may carry instead of the
   * plain Problem, by their component name in the document.
   */
  problems?: Readonly<Record<string, z.ZodType>>;
  headers?: readonly ResponseHeader[];
  /** An answer without content (304). */
  noContent?: true;
}

export interface ApiRoute {
  operationId: string;
  summary: string;
  method: RequestMethod.GET | RequestMethod.POST;
  /** Nest/Fastify path (`:id`); the document turns it into `{id}`. */
  path: string;
  scopes: readonly Scope[];
  successStatus: number;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  requestHeaders?: readonly { name: string; schema: z.ZodType; description: string }[];
  /**
   * A conditional read (registerConditionalReads): its 200 carries a strong ETag, `Cache-Control:
   * private, no-cache` and `Vary: accept-encoding`, and a matching If-None-Match gets 304.
   */
  conditional?: true;
  responses: Readonly<Record<number, ApiResponse>>;
}

const LIMITED: readonly ResponseHeader[] = ['RateLimit', 'RateLimit-Policy'];
/** The headers of a conditional read's 200 (besides the limits) and of its 304. */
const VALIDATED: readonly ResponseHeader[] = ['ETag', 'Cache-Control', 'Vary'];
const IF_NONE_MATCH = {
  name: 'If-None-Match',
  schema: z.string().max(8192),
  description:
    'ETags of representations the client holds (RFC 9110 §13.1.2: a list, `*`, weak comparison so `W/` is ignored); when one matches the current representation the answer is 304 with no body. Send the ETag of the last 200 to poll cheaply.',
};
/** 200 and 304 of a conditional read. */
const conditionalAnswers = (description: string, schema: z.ZodType) =>
  ({
    200: { description, schema, headers: [...LIMITED, ...VALIDATED, 'Content-Encoding'] },
    304: {
      description:
        'Not modified: the If-None-Match named the current representation (same body, same content coding); no body',
      headers: [...LIMITED, ...VALIDATED],
      noContent: true,
    },
  }) as const satisfies Record<number, ApiResponse>;
const problem = (description: string, headers: readonly ResponseHeader[] = []): ApiResponse => ({
  description,
  headers,
});
/** Answers every protected route can give, besides its own. */
const COMMON = {
  400: problem(
    'Invalid request: `validation-failed` (lists each bad field), `malformed-url` (the path is not valid percent-encoded UTF-8), `malformed-json` (not JSON, or not UTF-8: RFC 8259 §8.1), or `invalid-request` (ambiguous or malformed credentials: two Authorization headers, a token in the URI, a malformed Bearer value; RFC 6750 §3.1)',
    ['WWW-Authenticate'],
  ),
  401: problem(
    'No access token, another scheme than Bearer, or a token that is expired, badly signed or otherwise invalid',
    ['WWW-Authenticate'],
  ),
  403: problem('The access token lacks a required scope', ['WWW-Authenticate']),
  429: problem('Rate limit (`rate-limited`) or concurrency limit (`too-many-concurrent-requests`) reached', [
    'Retry-After',
    ...LIMITED,
  ]),
  500: problem('An error of ours (`internal`); its details are in our log, not in the answer'),
  503: problem(
    'A dependency is unavailable or slow, or the gateway is shutting down (`not-ready`); retry after Retry-After seconds',
    ['Retry-After'],
  ),
} as const;
/** Routes with a path parameter: one longer than the router takes (256 characters) is refused before validation. */
const WITH_PATH_PARAMS = {
  414: problem('A path segment is longer than the gateway accepts (`uri-too-long`)'),
} as const;

/**
 * The gateway's public API, once: the controller is mapped from this table and the OpenAPI
 * document is generated from it, so the two cannot drift.
 */
export const API_ROUTES = {
  acceptMessage: {
    operationId: 'acceptMessage',
    summary: 'Send a message to Jeeves',
    method: RequestMethod.POST,
    path: '/v1/messages',
    scopes: ['messages:write'],
    successStatus: 202,
    body: postMessageBodySchema,
    requestHeaders: [
      {
        name: 'X-Request-Id',
        schema: requestIdSchema,
        description:
          'Becomes the correlation id of the published event; a fresh one is made when absent or malformed, and echoed.',
      },
      {
        name: 'Idempotency-Key',
        schema: idempotencyKeySchema,
        description:
          'Retries with the same key (same client, within 24 h) return the first answer and produce one message; the same key with another body is refused with 422.',
      },
    ],
    responses: {
      202: {
        description: 'Accepted; processing continues asynchronously',
        schema: acceptedMessageSchema,
        headers: ['Location', 'Idempotent-Replayed', 'X-Request-Id', ...LIMITED],
      },
      ...COMMON,
      409: problem('Another request with this Idempotency-Key keeps failing (`conflict`); retry later', [
        'Retry-After',
      ]),
      413: problem('Body larger than 16 KiB'),
      415: problem(
        'Content-Type is not application/json, its charset is not UTF-8, or the body has a Content-Encoding (only identity is accepted)',
        ['Accept-Encoding'],
      ),
      422: problem('Idempotency-Key reused with a different body (`idempotency-key-reused`)'),
      503: {
        description:
          'Not confirmed (`publish-unconfirmed`): the message bus did not confirm the message in time, and a send in flight cannot be recalled, so the message MAY STILL BE PUBLISHED under `messageId` (also in Location; GET it to see). Retry with the same Idempotency-Key: the retry publishes that same id, never a second message. Without a key, a retry is a new message. Or another dependency is unavailable (`dependency-unavailable`, no `messageId`): nothing was published.',
        headers: ['Retry-After', 'Location'],
        problems: { PublishUnconfirmedProblem: publishUnconfirmedProblemSchema },
      },
    },
  },
  getMessage: {
    operationId: 'getMessage',
    summary: 'A message the calling client sent, its status and its reply',
    method: RequestMethod.GET,
    path: '/v1/messages/:id',
    scopes: ['messages:read'],
    successStatus: 200,
    params: messageIdParamsSchema,
    requestHeaders: [IF_NONE_MATCH],
    conditional: true,
    responses: {
      ...conditionalAnswers(
        'The message; `{id, status: "accepted"}` while it is not stored yet. Its ETag changes whenever the body does (a new status, a reply).',
        messageResultSchema,
      ),
      ...COMMON,
      ...WITH_PATH_PARAMS,
      404: problem('No such message, or one another client created (each client reads only its own messages)'),
    },
  },
  listUserMessages: {
    operationId: 'listUserMessages',
    summary: "A user's messages that the calling client sent, newest first",
    method: RequestMethod.GET,
    path: '/v1/users/:user/messages',
    scopes: ['messages:read'],
    successStatus: 200,
    params: userParamsSchema,
    query: listQuerySchema,
    requestHeaders: [IF_NONE_MATCH],
    conditional: true,
    responses: {
      ...conditionalAnswers(
        'One page of messages. Its ETag changes whenever the page does (a new message, a new status).',
        messageListSchema,
      ),
      ...COMMON,
      ...WITH_PATH_PARAMS,
    },
  },
} as const satisfies Record<string, ApiRoute>;
