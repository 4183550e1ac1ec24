import { RequestMethod } from '@nestjs/common';
import type { z } from 'zod';
import {
  acceptedMessageSchema,
  idempotencyKeySchema,
  requestIdSchema,
  listQuerySchema,
  messageIdParamsSchema,
  messageListSchema,
  messageResultSchema,
  postMessageBodySchema,
  userParamsSchema,
} from './messages/message-schemas';

export const SCOPES = {
  'messages:write': 'Send messages to Jeeves',
  'messages:read': 'Read messages and their replies',
} as const;
export type Scope = keyof typeof SCOPES;

/** Response headers the OpenAPI document describes; each route's responses name theirs. */
export type ResponseHeader =
  | 'Location'
  | 'Retry-After'
  | 'RateLimit'
  | 'RateLimit-Policy'
  | 'WWW-Authenticate'
  | 'Idempotent-Replayed'
  | 'X-Request-Id';

export interface ApiResponse {
  description: string;
  /** JSON body schema; absent for problem answers, which all share the Problem schema. */
  schema?: z.ZodType;
  headers?: readonly ResponseHeader[];
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
  responses: Readonly<Record<number, ApiResponse>>;
}

const LIMITED: readonly ResponseHeader[] = ['RateLimit', 'RateLimit-Policy'];
const problem = (description: string, headers: readonly ResponseHeader[] = []): ApiResponse => ({
  description,
  headers,
});
/** Answers every protected route can give, besides its own. */
const COMMON = {
  400: problem('Invalid request: the problem lists each bad field'),
  401: problem('Missing, malformed, expired or otherwise invalid access token', ['WWW-Authenticate']),
  403: problem('The access token lacks a required scope', ['WWW-Authenticate']),
  429: problem('Rate limit (`rate-limited`) or concurrency limit (`too-many-concurrent-requests`) reached', [
    'Retry-After',
    ...LIMITED,
  ]),
  503: problem('A dependency is unavailable or slow; retry after Retry-After seconds', ['Retry-After']),
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
      413: problem('Body larger than 16 KiB'),
      415: problem('Content-Type is not application/json'),
      422: problem('Idempotency-Key reused with a different body (`idempotency-key-reused`)'),
    },
  },
  getMessage: {
    operationId: 'getMessage',
    summary: 'A message, its status and its reply',
    method: RequestMethod.GET,
    path: '/v1/messages/:id',
    scopes: ['messages:read'],
    successStatus: 200,
    params: messageIdParamsSchema,
    responses: {
      200: {
        description: 'The message; `{id, status: "accepted"}` while it is not stored yet',
        schema: messageResultSchema,
        headers: LIMITED,
      },
      ...COMMON,
      404: problem('No such message'),
    },
  },
  listUserMessages: {
    operationId: 'listUserMessages',
    summary: "A user's messages, newest first",
    method: RequestMethod.GET,
    path: '/v1/users/:user/messages',
    scopes: ['messages:read'],
    successStatus: 200,
    params: userParamsSchema,
    query: listQuerySchema,
    responses: {
      200: { description: 'One page of messages', schema: messageListSchema, headers: LIMITED },
      ...COMMON,
    },
  },
} as const satisfies Record<string, ApiRoute>;
