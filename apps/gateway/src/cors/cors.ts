import { RequestMethod } from '@nestjs/common';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { API_ROUTES, type ApiRoute } from '../api-routes';

/** The request headers a browser client of the API may send beyond the CORS-safelisted ones. */
export const CORS_ALLOWED_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'x-request-id'] as const;
/** The response headers a browser client may read beyond the safelisted ones. */
export const CORS_EXPOSED_HEADERS = [
  'location',
  'retry-after',
  'ratelimit',
  'ratelimit-policy',
  'www-authenticate',
  'idempotent-replayed',
  'x-request-id',
] as const;

export interface CorsPolicy {
  /** Exact origins (`https://app.example`), as the `Origin` header carries them; empty: no CORS at all. */
  readonly allowedOrigins: readonly string[];
  /** How long a browser may cache a preflight answer (`Access-Control-Max-Age`). */
  readonly maxAgeSeconds: number;
}

/** Methods per route path of the API (the route table), e.g. `/v1/messages` → `['POST']`. */
function methodsByPath(routes: readonly ApiRoute[]): Map<string, string[]> {
  const byPath = new Map<string, string[]>();
  for (const route of routes) byPath.set(route.path, [...(byPath.get(route.path) ?? []), RequestMethod[route.method]]);
  return byPath;
}

function addVary(reply: FastifyReply, field: string): void {
  const existing = reply.getHeader('vary');
  const fields =
    typeof existing === 'string'
      ? existing
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean)
      : [];
  if (!fields.some((f) => f.toLowerCase() === field.toLowerCase()))
    void reply.header('vary', [...fields, field].join(', '));
}

/**
 * The gateway's CORS policy (Fetch standard, "CORS protocol"), for browser apps on an allow-list of
 * origins. With an empty list nothing is registered: no OPTIONS route, no CORS header, as before.
 * Otherwise each API path answers OPTIONS with 204 and `Allow`; a preflight from an allowed origin
 * asking for one of that path's methods also gets `Access-Control-Allow-Origin` (the origin itself,
 * never `*`), `-Allow-Methods`, `-Allow-Headers` and `-Max-Age`; any other origin gets no
 * `Access-Control-*` header, so its browser refuses the call. Actual requests from an allowed origin
 * get `Access-Control-Allow-Origin` and `-Expose-Headers`. Credentials (cookies) are never allowed:
 * the API takes bearer tokens, so `Access-Control-Allow-Credentials` is never sent.
 */
export function registerCors(
  instance: FastifyInstance,
  policy: CorsPolicy,
  routes: readonly ApiRoute[] = Object.values(API_ROUTES as Record<string, ApiRoute>),
): void {
  if (policy.allowedOrigins.length === 0) return;
  const allowed = new Set(policy.allowedOrigins);
  const byPath = methodsByPath(routes);

  instance.addHook('onRequest', async (request, reply) => {
    addVary(reply, 'Origin');
    const origin = request.headers.origin;
    if (request.method === 'OPTIONS' || origin === undefined || !allowed.has(origin)) return;
    void reply
      .header('access-control-allow-origin', origin)
      .header('access-control-expose-headers', CORS_EXPOSED_HEADERS.join(', '));
  });

  for (const [path, methods] of byPath) {
    instance.options(path, async (request, reply) => {
      const origin = request.headers.origin;
      const asked = request.headers['access-control-request-method'];
      void reply.header('allow', ['OPTIONS', ...methods].join(', '));
      if (origin !== undefined && allowed.has(origin) && typeof asked === 'string' && methods.includes(asked)) {
        void reply
          .header('access-control-allow-origin', origin)
          .header('access-control-allow-methods', methods.join(', '))
          .header('access-control-allow-headers', CORS_ALLOWED_HEADERS.join(', '))
          .header('access-control-max-age', String(policy.maxAgeSeconds));
        addVary(reply, 'Access-Control-Request-Method');
        addVary(reply, 'Access-Control-Request-Headers');
      }
      return reply.code(204).send();
    });
  }
}
