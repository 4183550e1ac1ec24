import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenApiDocument } from '../../apps/gateway/src/openapi/openapi-document';
import { openApiValidator } from '../../apps/gateway/src/testing/openapi-validator';
import { rawRequest, type RawAnswer } from '../../libs/platform/src/testing/raw-http';
import { lab } from './support/lab';

/**
 * What the gateway-edge specs share (issue 10's HTTP cases): requests sent byte for byte on a raw
 * socket (fetch would resolve dot segments, merge repeated headers and refuse bad bytes), every
 * answer checked against the OpenAPI document the gateway serves, and the gateway's log lines.
 */

export type Validator = ReturnType<typeof openApiValidator>;

/** The validator of the document the running gateway serves. */
export async function servedDocumentValidator(): Promise<Validator> {
  const response = await fetch(`${lab().urls.gateway}/openapi.json`, { signal: AbortSignal.timeout(10_000) });
  return openApiValidator((await response.json()) as OpenApiDocument);
}

/** An HTTP/1.1 request as bytes: `headers` may repeat a name (pairs), `Connection: close` added. */
export function httpRequest(
  method: string,
  path: string,
  headers: readonly (readonly [string, string])[] = [],
  body?: Buffer | string,
): Buffer {
  const bytes = body === undefined ? undefined : Buffer.from(body);
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: gateway', 'Connection: close'];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  if (bytes) lines.push(`Content-Length: ${bytes.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), bytes ?? Buffer.alloc(0)]);
}

/** Sends `request` to the gateway on a raw socket; the answer must match the served document. */
export async function rawToGateway(
  validator: Validator,
  method: string,
  path: string,
  headers: readonly (readonly [string, string])[] = [],
  body?: Buffer | string,
): Promise<RawAnswer> {
  const answer = await rawRequest(lab().urls.gateway, httpRequest(method, path, headers, body));
  expect(
    validator.check({ method, url: path, status: answer.status, headers: answer.headers, body: answer.body }),
  ).toEqual([]);
  if (answer.status >= 400) expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  return answer;
}

/** The gateway's JSON log lines so far (the lab writes each app's stdout to `<state>/logs/<app>.log`). */
export function gatewayLogLines(): Record<string, unknown>[] {
  const text = readFileSync(join(lab().stateDir, 'logs', 'gateway.log'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}

/** Parses a problem+json body. */
export function problemOf(answer: RawAnswer): { status: number; code: string; detail?: string } {
  return JSON.parse(answer.body) as { status: number; code: string; detail?: string };
}
