import { RequestMethod } from '@nestjs/common';
import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from '#libs/platform';
import { type ApiResponse, type ApiRoute, type ResponseHeader, SCOPES } from '../api-routes';
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
  Allow: {
    description: 'The methods this path serves (RFC 9110 §10.2.1)',
    schema: { type: 'string', pattern: '^[A-Z]+(, [A-Z]+)*$' },
  },
  'Accept-Encoding': {
    description: 'The content codings a request body may have: `identity` only (RFC 9110 §12.5.3)',
    schema: { type: 'string', enum: ['identity'] },
  },
  Location: {
    description:
      'Where to GET the message (on a 503 `publish-unconfirmed`: where it appears if its send still goes through)',
    schema: { type: 'string' },
  },
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
  ETag: {
    description:
      'Strong validator of this representation (RFC 9110 §8.8.3): a hash of the JSON body, suffixed `.br`/`.gzip` when sent with that content coding; changes whenever the body (a status, a reply) or the coding does. Send it back in If-None-Match.',
    schema: { type: 'string', pattern: '^"[0-9a-f]{32}(\\.(br|gzip))?"$' },
  },
  'Cache-Control': {
    description:
      '`private, no-cache`: the answer is for this client only (no shared cache may store it) and must be revalidated (If-None-Match) before each reuse',
    schema: { type: 'string', enum: ['private, no-cache'] },
  },
  Vary: {
    description: 'The representation depends on Accept-Encoding (its content coding and so its ETag)',
    schema: { type: 'string', pattern: '(^|, ?)accept-encoding(,|$)' },
  },
  'Content-Encoding': {
    description:
      '`br` or `gzip` when the request accepted one and the body is 1024 bytes or more (RFC 9110 §8.4); absent otherwise',
    schema: { type: 'string', enum: ['br', 'gzip'] },
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

function responseObject(response: ApiResponse): JsonSchema {
  const problems = Object.keys(response.problems ?? {});
  const problemContent =
    problems.length === 0
      ? { $ref: '#/components/schemas/Problem' }
      : {
          anyOf: [
            { $ref: '#/components/schemas/Problem' },
            ...problems.map((name) => ({ $ref: `#/components/schemas/${name}` })),
          ],
        };
  return {
    description: response.description,
    ...(response.headers?.length
      ? {
          headers: Object.fromEntries(response.headers.map((name) => [name, { $ref: `#/components/headers/${name}` }])),
        }
      : {}),
    ...(response.noContent
      ? {}
      : {
          content:
            response.schema === undefined
              ? { [PROBLEM_CONTENT_TYPE]: { schema: problemContent } }
              : { 'application/json': { schema: jsonSchema(response.schema, 'output') } },
        }),
  };
}

/**
 * Answers given before any operation runs, for any path: the request matched no operation, or was
 * not HTTP at all. Keyed by status in `components.responses`; the root's
 * `x-answers-before-routing` maps each status to its entry, so tests check them like operations.
 */
const BEFORE_ROUTING: Record<string, { name: string; response: ApiResponse }> = {
  400: {
    name: 'MalformedRequest',
    response: {
      description:
        'The path is not valid percent-encoded UTF-8 (`malformed-url`), or the bytes are not an HTTP/1.1 request (`malformed-request`, connection closed)',
    },
  },
  404: { name: 'NotFound', response: { description: 'No such path (`not-found`)' } },
  405: {
    name: 'MethodNotAllowed',
    response: {
      description:
        'The path exists but not with this method (`method-not-allowed`); `Allow` lists its methods (RFC 9110 §15.5.6)',
      headers: ['Allow'],
    },
  },
  408: {
    name: 'RequestTimeout',
    response: { description: 'The request did not arrive in time (`request-timeout`, connection closed)' },
  },
  414: { name: 'UriTooLong', response: { description: 'A path segment is too long (`uri-too-long`)' } },
  431: {
    name: 'RequestHeaderFieldsTooLarge',
    response: {
      description: 'The request line and headers are too large (`header-fields-too-large`, connection closed)',
    },
  },
};

function operation(route: ApiRoute): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, response] of Object.entries(route.responses)) responses[status] = responseObject(response);
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
        "The edge of Jeeves Lab: accepts users' messages for the bot and answers reads from the message store. Each client reads only the messages it sent (another client's are 404). Every error is RFC 9457 problem+json, including those given before any operation runs (`components.responses`, by status in `x-answers-before-routing`: a malformed URL or request, an unknown path, a method the path does not serve with `Allow`); every protected answer carries the RateLimit headers.",
    },
    paths,
    'x-answers-before-routing': Object.fromEntries(
      Object.entries(BEFORE_ROUTING).map(([status, { name }]) => [status, { $ref: `#/components/responses/${name}` }]),
    ),
    components: {
      responses: Object.fromEntries(
        Object.values(BEFORE_ROUTING).map(({ name, response }) => [name, responseObject(response)]),
      ),
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'oauth2',
          description: 'RS256 access tokens from the token dealer (client_credentials).',
          flows: { clientCredentials: { tokenUrl: options.tokenUrl, scopes: { ...SCOPES } } },
        },
      },
      schemas: {
        Problem: jsonSchema(problemSchema, 'output'),
        ...Object.fromEntries(
          routes.flatMap((route) =>
            (Object.values(route.responses) as ApiResponse[]).flatMap((response) =>
              Object.entries(response.problems ?? {}).map(([name, schema]) => [name, jsonSchema(schema, 'output')]),
            ),
          ),
        ),
      },
      headers: HEADERS,
    },
  };
}
