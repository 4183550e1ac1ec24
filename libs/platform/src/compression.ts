import fastifyCompress from '@fastify/compress';
import { negotiate } from '@fastify/accept-negotiator';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';

/**
 * The content codings responses may get, in the server's order of preference when a client
 * weighs several equally (RFC 9110 §12.5.3). Brotli at the plugin's quality 4 is both smaller and
 * cheaper than gzip -6 on JSON; gzip is what every client decodes. Not deflate (zlib vs raw
 * DEFLATE is ambiguous in the wild) nor zstd (few HTTP clients ask for it yet).
 */
export const RESPONSE_CODINGS = ['br', 'gzip', 'identity'] as const;
export type ResponseCoding = (typeof RESPONSE_CODINGS)[number];

/**
 * Smallest body (bytes, identity) worth compressing. Below about 1 KiB a body already fits in
 * the first TCP segment together with the response headers (about 450 bytes on the gateway, MSS
 * 1460), so compressing saves no round trip and no packet, only CPU; a few hundred bytes of JSON
 * also shrink least (gzip adds 18 bytes of framing). The plugin's default, kept on purpose.
 */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

/**
 * Paths never compressed: health checks are a few bytes, and /metrics is scraped by Prometheus
 * over the local network every few seconds, where compressing would add CPU to the very process
 * whose CPU the lab measures.
 */
const NEVER_COMPRESSED = /^\/(metrics|health\/)/;

/**
 * Registers @fastify/compress on `app` the Nest way (`app.register`, before `app.init()` maps the
 * routes): `br`/`gzip` for responses of at least COMPRESSION_THRESHOLD_BYTES whose media type is
 * compressible (JSON, problem+json, text), when the request's Accept-Encoding allows one. Request
 * bodies are not decompressed: the body parsers refuse any Content-Encoding with 415.
 */
export async function registerCompression(app: NestFastifyApplication): Promise<void> {
  const instance = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  // Runs before the plugin's own onRoute hook, which reads `compress: false` per route.
  instance.addHook('onRoute', (route) => {
    if (NEVER_COMPRESSED.test(route.url)) route.compress = false;
  });
  await app.register(fastifyCompress, {
    global: true,
    globalDecompression: false,
    encodings: [...RESPONSE_CODINGS],
    threshold: COMPRESSION_THRESHOLD_BYTES,
  });
}

/**
 * The content coding the compression plugin will give a compressible response body of
 * `bodyBytes` bytes for a request with these headers (the same negotiation: its gzip aliases, its
 * coding order, its threshold, its `x-no-compression` opt-out). Used to name the representation
 * (ETag) before the body is compressed; a unit spec holds it to the plugin's real choice.
 */
export function selectedCoding(
  headers: { 'accept-encoding'?: string | string[]; 'x-no-compression'?: string | string[] },
  bodyBytes: number,
): ResponseCoding {
  const accept = headers['accept-encoding'];
  if (typeof accept !== 'string' || headers['x-no-compression'] !== undefined) return 'identity';
  if (bodyBytes < COMPRESSION_THRESHOLD_BYTES) return 'identity';
  // The plugin reads `*` ("no preference", RFC 9110 §12.5.3) and `x-gzip` as gzip.
  const coding = negotiate(accept.toLowerCase().replace(/\*|x-gzip/g, 'gzip'), [...RESPONSE_CODINGS]);
  return (coding as ResponseCoding | null) ?? 'identity';
}
