import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { createGunzip } from 'node:zlib';
import { flattenSpans, type OtlpTraceRequest } from './spans';

export interface OtlpSink {
  /** `http://127.0.0.1:<port>`: the value for OTEL_EXPORTER_OTLP_ENDPOINT (with protocol http/json). */
  readonly endpoint: string;
  spansReceived(): number;
  close(): Promise<void>;
}

/**
 * A minimal OTLP/HTTP (JSON encoding) trace receiver that appends every span as one JSON line to
 * `file`. Enough for tests and benchmarks to read real exported spans without a collector.
 */
export async function startOtlpSink(options: { file: string; port?: number; host?: string }): Promise<OtlpSink> {
  const out: WriteStream = createWriteStream(options.file, { flags: 'a' });
  let received = 0;
  const server: Server = createServer((request, response) => {
    if (request.method !== 'POST' || request.url !== '/v1/traces') {
      response.writeHead(404).end();
      return;
    }
    if (!String(request.headers['content-type'] ?? '').includes('json')) {
      response
        .writeHead(415, { 'content-type': 'application/json' })
        .end('{"message":"send OTLP/JSON (OTEL_EXPORTER_OTLP_PROTOCOL=http/json)"}');
      return;
    }
    const body = request.headers['content-encoding'] === 'gzip' ? request.pipe(createGunzip()) : request;
    const chunks: Buffer[] = [];
    body.on('data', (chunk: Buffer) => chunks.push(chunk));
    body.on('error', () => response.writeHead(400).end());
    body.on('end', () => {
      try {
        const spans = flattenSpans(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraceRequest);
        received += spans.length;
        if (spans.length > 0) out.write(spans.map((span) => JSON.stringify(span)).join('\n') + '\n');
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        response.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"invalid OTLP/JSON"}');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spansReceived: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => out.end(() => resolve()));
        server.closeAllConnections();
      }),
  };
}
