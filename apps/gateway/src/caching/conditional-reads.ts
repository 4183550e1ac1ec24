import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { selectedCoding } from '#libs/platform';
import { ifNoneMatchMatches, strongEntityTag } from './entity-tags';

/**
 * What a read says about caching: each answer belongs to one client (the token's), so only the
 * client's own cache may keep it (`private`), and must revalidate it every time (`no-cache`: the
 * message's status moves on by itself) — which costs a 304 when nothing changed.
 */
export const READ_CACHE_CONTROL = 'private, no-cache';

/**
 * Makes the 200 answers of the given GET routes (Fastify route templates) conditional: each
 * carries a strong ETag over the representation it is sent as (identity bytes and content coding,
 * ADR 0043), `Cache-Control: private, no-cache` and `Vary: accept-encoding`; a request whose
 * If-None-Match matches gets 304 with those headers and no body. Runs as an onSend hook, on the
 * serialized body and before the compression plugin's hook, so an unchanged answer is never
 * compressed and whichever read path (HTTP or Kafka) produced the body, the tag is the same.
 */
export function registerConditionalReads(instance: FastifyInstance, routes: readonly string[]): void {
  const conditional = new Set(routes);
  instance.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (reply.statusCode !== 200 || (request.method !== 'GET' && request.method !== 'HEAD')) return payload;
    if (!conditional.has(request.routeOptions.url ?? '')) return payload;
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    const coding = selectedCoding(request.headers, Buffer.byteLength(payload));
    const tag = strongEntityTag(payload, coding);
    void reply.header('etag', tag).header('cache-control', READ_CACHE_CONTROL);
    addVary(reply, 'accept-encoding');
    if (!ifNoneMatchMatches(request.headers['if-none-match'], tag)) return payload;
    // 304 (RFC 9110 §15.4.5): the headers a 200 would have had for caching, no content. HEAD's own
    // onSend (Fastify's exposeHeadRoutes) runs after this one and needs a payload it can measure.
    void reply.code(304).removeHeader('content-type').removeHeader('content-length');
    return request.method === 'HEAD' ? '' : null;
  });
}

/** Adds a field name to Vary once (lower case, as the compression plugin looks for it). */
function addVary(reply: FastifyReply, name: string): void {
  const current = reply.getHeader('vary');
  const names = (Array.isArray(current) ? current.join(',') : String(current ?? ''))
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (names.some((n) => n.toLowerCase() === name)) return;
  void reply.header('vary', [...names, name].join(', '));
}
