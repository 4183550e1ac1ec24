import type { FastifyInstance } from 'fastify';
import { ProblemError } from './problem';

/** Methods in the order RFC 9110 §9.3 defines them, then any other, for a stable `Allow` header. */
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

/**
 * Whether a concrete request path (no query) matches a Fastify route template: literal segments
 * compare exactly (Fastify's default: case-sensitive, no trailing-slash folding), `:name` takes one
 * non-empty segment, a trailing `*` takes the rest.
 */
export function matchesRouteTemplate(template: string, path: string): boolean {
  const want = template.split('/');
  const got = path.split('/');
  for (let i = 0; i < want.length; i++) {
    const segment = want[i]!;
    if (segment === '*' && i === want.length - 1) return true;
    const actual = got[i];
    if (actual === undefined) return false;
    if (segment.startsWith(':')) {
      if (actual === '') return false;
    } else if (segment !== actual) {
      return false;
    }
  }
  return got.length === want.length;
}

/**
 * Every route an app registered (fed by Fastify's `onRoute` hook), so that a request for a known
 * path with a method it does not serve is answered 405 with `Allow` (RFC 9110 §15.5.6), not 404.
 */
export class RouteTable {
  private readonly methodsByTemplate = new Map<string, Set<string>>();

  add(template: string, method: string | readonly string[]): void {
    const methods = this.methodsByTemplate.get(template) ?? new Set<string>();
    for (const one of typeof method === 'string' ? [method] : method) methods.add(one.toUpperCase());
    this.methodsByTemplate.set(template, methods);
  }

  /** Methods served at `path` (any matching template), RFC 9110 order; empty for an unknown path. */
  allowedMethods(path: string): string[] {
    const allowed = new Set<string>();
    for (const [template, methods] of this.methodsByTemplate) {
      if (matchesRouteTemplate(template, path)) for (const method of methods) allowed.add(method);
    }
    return [...allowed].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  }
}

function rank(method: string): number {
  const index = METHOD_ORDER.indexOf(method);
  return index === -1 ? METHOD_ORDER.length : index;
}

/**
 * The answer to a request no route takes: 400 when its path is not valid percent-encoded UTF-8
 * (RFC 3986 §2.1), 405 with `Allow` (RFC 9110 §15.5.6) when the path is served with other
 * methods, else 404.
 */
export function unroutedProblem(routes: RouteTable, method: string, url: string): ProblemError {
  const path = url.split('?')[0] ?? url;
  try {
    decodeURIComponent(path);
  } catch {
    return new ProblemError(400, 'malformed-url', {
      detail: 'the path is not valid percent-encoded UTF-8 (RFC 3986 §2.1)',
    });
  }
  const allowed = routes.allowedMethods(path);
  if (allowed.length > 0 && !allowed.includes(method)) {
    return new ProblemError(405, 'method-not-allowed', {
      detail: `${method} is not served here; use ${allowed.join(', ')}`,
      headers: { allow: allowed.join(', ') },
    });
  }
  return new ProblemError(404, 'not-found', { detail: `nothing at ${method} ${path}` });
}

/**
 * Answers a request no route takes (`unroutedProblem`) before its body is read, so that a bad body
 * cannot turn a 404 or 405 into a 400, 413 or 415. `routes` must hold every route: feed it from the
 * `onRoute` hook. (Fastify skips hooks for a bad URL with a method no route has; `ProblemFilter`
 * gives the same answer there.)
 */
export function refuseUnroutedRequests(instance: FastifyInstance, routes: RouteTable): void {
  instance.addHook('onRequest', async (request) => {
    if (request.is404) throw unroutedProblem(routes, request.method, request.url);
  });
}
