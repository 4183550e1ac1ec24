import { RequestMethod } from '@nestjs/common';
import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from '#libs/platform';
import { type ApiRoute, type ResponseHeader, SCOPES } from '../api-routes';
import { problemSchema } from '../messages/message-schemas';

export type JsonSchema = Record<string, unknown>;
export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

export interface OpenApiOptions {
  /** Where clients get tokens: the token dealer's `/oauth/token`. */
  tokenUrl: string;
  version?: string;
}

const SECURITY_SCHEME = 'jeevesOAuth2';

/** zod → JSON Schema 2020-12, OpenAPI 3.1's dialect; the per-schema `$schema` is implied by the document. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

const HEADERS: Record<ResponseHeader, { description: string; schema: JsonSchema }> = {
  Location: { description: 'Where to GET the message', schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'string', pattern: '^[0-9]+$' } },
  RateLimit: {
    description: 'draft-ietf-httpapi-ratelimit-headers: `"default";r=<remaining>;t=<seconds until the quota is whole>`',
    schema: { type: 'string', pattern: '^"default";r=[0-9]+;t=[0-9]+$' },
  },
  'RateLimit-Policy': {
    description: 'draft-ietf-httpapi-ratelimit-headers: `"default";q=<quota>;w=<window seconds>`',
    schema: { type: 'string', pattern: '^"default";q=[0-9]+;w=[0-9]+$' },
  },
  'WWW-Authenticate': { description: 'RFC 6750 Bearer challenge', schema: { type: 'string', pattern: '^Bearer ' } },
  'X-Request-Id': {
    description: "Correlation id of this request (the caller's, or a fresh one)",
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
  },
  'Idempotent-Replayed': {
    description: '`true` when this answer repeats an earlier one for the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
};

function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, '{$1}');
}

function parameters(route: ApiRoute): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const object = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      const { description, ...propertySchema } = property;
      list.push({
        name,
        in: where,
        required: where === 'path' || (object.required ?? []).includes(name),
        schema: propertySchema,
        ...(description ? { description } : {}),
      });
    }
  }
  for (const header of route.requestHeaders ?? []) {
    list.push({
      name: header.name,
      in: 'header',
      required: false,
      description: header.description,
      schema: jsonSchema(header.schema, 'input'),
    });
  }
  return list;
}

function operation(route: ApiRoute): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const isProblem = response.schema === undefined;
    responses[status] = {
      description: response.description,
      ...(response.headers?.length
        ? {
            headers: Object.fromEntries(
              response.headers.map((name) => [name, { $ref: `#/components/headers/${name}` }]),
            ),
          }
        : {}),
      content: isProblem
        ? { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } }
        : { 'application/json': { schema: jsonSchema(response.schema!, 'output') } },
    };
  }
  const params = parameters(route);
  return {
    operationId: route.operationId,
    summary: route.summary,
    security: [{ [SECURITY_SCHEME]: [...route.scopes] }],
    ...(params.length ? { parameters: params } : {}),
    ...(route.body
      ? {
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } },
        }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 description of `routes`, built from the same zod schemas the handlers parse with. */
export function buildOpenApiDocument(routes: readonly ApiRoute[], options: OpenApiOptions): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const method = route.method === RequestMethod.POST ? 'post' : 'get';
    (paths[openApiPath(route.path)] ??= {})[method] = operation(route);
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Jeeves gateway',
      version: options.version ?? '1.0.0',
      description:
        "The edge of Jeeves Lab: accepts users' messages for the bot and answers reads from the message store. Every error is RFC 9457 problem+json; every protected answer carries the RateLimit headers.",
    },
    paths,
    components: {
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'oauth2',
          description: 'RS256 access tokens from the token dealer (client_credentials).',
          flows: { clientCredentials: { tokenUrl: options.tokenUrl, scopes: { ...SCOPES } } },
        },
      },
      schemas: { Problem: jsonSchema(problemSchema, 'output') },
      headers: HEADERS,
    },
  };
}
