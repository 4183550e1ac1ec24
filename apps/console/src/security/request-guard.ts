import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemError } from '#libs/platform';
import type { ConsoleConfig } from '../console.config';

/** The header every state-changing call of the page carries (OWASP CSRF cheat sheet, "custom request headers"). */
export const CSRF_HEADER = 'x-console-request';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Content-Security-Policy of every answer: the page loads only its own scripts, styles and API;
 * nobody frames it. React sets styles through the CSSOM, which `style-src 'self'` allows.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');

/** The Host values the console answers to: loopback names on its port, plus CONSOLE_ALLOWED_HOSTS. */
export function allowedHosts(config: Pick<ConsoleConfig, 'PORT' | 'CONSOLE_ALLOWED_HOSTS'>): Set<string> {
  return new Set(
    [
      `127.0.0.1:${config.PORT}`,
      `localhost:${config.PORT}`,
      `[::1]:${config.PORT}`,
      ...config.CONSOLE_ALLOWED_HOSTS,
    ].map((h) => h.toLowerCase()),
  );
}

/**
 * Why a request is refused, or undefined when it may proceed. Every request: a Host the console
 * answers to (a DNS-rebinding page carries its own name). State-changing requests also need, as
 * OWASP's CSRF cheat sheet recommends for an API without cookies: the custom header (a cross-site
 * form cannot send it, a cross-site fetch with it needs a preflight the console never answers),
 * `Sec-Fetch-Site: same-origin` when the browser sends Fetch Metadata, and an `Origin`, when sent,
 * equal to the console's own: `http://` or `https://` and the request's (allowed) Host.
 */
export function refusal(
  request: Pick<FastifyRequest, 'method' | 'url' | 'headers'>,
  hosts: ReadonlySet<string>,
): string | undefined {
  const host = (request.headers.host ?? '').toLowerCase();
  if (!hosts.has(host)) return `the console answers to ${[...hosts].join(', ')}, not to Host "${host.slice(0, 100)}"`;
  if (SAFE_METHODS.has(request.method)) return undefined;
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin')
    return `cross-site request refused (Sec-Fetch-Site: ${String(site).slice(0, 30)})`;
  const origin = request.headers.origin?.toLowerCase();
  // Either scheme: behind a TLS-terminating proxy the page's origin is https://<the Host it sends>.
  if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`)
    return 'cross-origin request refused (Origin)';
  if (request.headers[CSRF_HEADER] !== '1') return `state-changing calls need the ${CSRF_HEADER}: 1 header`;
  return undefined;
}

/**
 * Installs the console's request guard (see `refusal`) and its security headers. No CORS: the
 * console answers no preflight and sends no Access-Control-* header (ADR 0100).
 */
export function guardConsoleRequests(instance: FastifyInstance, config: ConsoleConfig): void {
  const hosts = allowedHosts(config);
  instance.addHook('onRequest', async (request, reply) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', 'same-origin');
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    const why = refusal(request, hosts);
    if (why) throw new ProblemError(403, 'forbidden', { detail: why });
  });
}
