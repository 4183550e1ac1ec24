import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemError } from './problem';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body's bytes as text, refusing anything that is not UTF-8 (RFC 8259 §8.1 for JSON; forms are
 * percent-encoded ASCII) with a 400 — decoding leniently would turn each bad byte into U+FFFD, so
 * two different bodies would read, compare and be stored as the same text. A leading BOM is dropped.
 */
export function decodeUtf8Body(body: Buffer, code: 'malformed-json' | 'malformed-form'): string {
  try {
    return strictUtf8.decode(body);
  } catch (error) {
    throw new ProblemError(400, code, {
      detail: 'the body is not valid UTF-8 (RFC 8259 §8.1, RFC 3629)',
      cause: error,
    });
  }
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

/**
 * Refuses a body we would have to decode before reading it: a content coding (gzip…) we do not
 * undo, or a charset other than UTF-8. Both are 415 (RFC 9110 §15.5.16), with `Accept-Encoding:
 * identity` when the coding was the problem (RFC 9110 §12.5.3).
 */
export function assertPlainUtf8Representation(request: Pick<FastifyRequest, 'headers'>): void {
  const coding = String(request.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  if (coding !== '' && coding !== 'identity') {
    throw new ProblemError(415, 'unsupported-media-type', {
      detail: `Content-Encoding "${coding.slice(0, 40)}" is not accepted; send the body unencoded`,
      headers: { 'accept-encoding': 'identity' },
    });
  }
  const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new ProblemError(415, 'unsupported-media-type', {
      detail: `charset "${charset.slice(0, 40)}" is not accepted; send UTF-8`,
    });
  }
}

/**
 * `application/x-www-form-urlencoded` (WHATWG URL §5.1) into an object; a repeated name becomes an
 * array, so the handler can refuse it. Percent-escapes must decode to UTF-8, or it is a 400.
 */
export function parseFormBody(text: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const [rawName, rawValue] = equals === -1 ? [pair, ''] : [pair.slice(0, equals), pair.slice(equals + 1)];
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    } catch (error) {
      throw new ProblemError(400, 'malformed-form', {
        detail: 'a form field is not valid percent-encoded UTF-8',
        cause: error,
      });
    }
    const previous = fields[name];
    fields[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return fields;
}

/**
 * The only body parsers a service has: JSON and forms, both read as bytes and decoded strictly
 * (above), JSON then parsed by Fastify's own parser (which refuses `__proto__`/`constructor`
 * poisoning). Any other media type is a 415. Replaces Fastify's defaults (lenient JSON, text/plain)
 * and the ones Nest would register (its application must be created with `bodyParser: false`).
 */
export function registerBodyParsers(instance: FastifyInstance, bodyLimitBytes: number): void {
  instance.removeAllContentTypeParsers();
  const parseJson = instance.getDefaultJsonParser('error', 'error');
  instance.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: bodyLimitBytes },
    (req, body, done) => {
      let text: string;
      try {
        assertPlainUtf8Representation(req);
        text = decodeUtf8Body(body as Buffer, 'malformed-json');
      } catch (error) {
        done(error as Error, undefined);
        return;
      }
      void parseJson(req, text, done);
    },
  );
  instance.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer', bodyLimit: bodyLimitBytes },
    (req, body, done) => {
      try {
        assertPlainUtf8Representation(req);
        done(null, parseFormBody(decodeUtf8Body(body as Buffer, 'malformed-form')));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
}
