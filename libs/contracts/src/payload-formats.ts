import { headerValues, type RecordHeaders } from './record-headers';

/**
 * How a Kafka value of the pipeline is encoded, named by the record's `content-type` header
 * (docs/decisions/0090). A producer writes one format (its JEEVES_PAYLOAD_FORMAT); every consumer
 * reads all three, so a rolling change of format loses nothing.
 */
export type PayloadFormat = 'json' | 'msgpack' | 'protobuf';

/** Every payload format, the default (`json`) first: JEEVES_PAYLOAD_FORMAT's accepted values. */
export const PAYLOAD_FORMATS = ['json', 'msgpack', 'protobuf'] as const satisfies readonly PayloadFormat[];

/** The record header that names the value's format, spelt as in HTTP (header names here are lower case). */
export const CONTENT_TYPE_HEADER = 'content-type';

/**
 * The media type a producer writes for each format, each the registered one:
 * `application/json` (RFC 8259 §11), `application/vnd.msgpack` (IANA, registered 2024-05-13),
 * `application/protobuf` (RFC 9996, the binary wire format).
 */
export const CONTENT_TYPES = {
  json: 'application/json',
  msgpack: 'application/vnd.msgpack',
  protobuf: 'application/protobuf',
} as const satisfies Record<PayloadFormat, string>;

/**
 * Every media type a consumer accepts for each format: the registered one first, then aliases.
 * MessagePack: `application/msgpack` and `application/x-msgpack` (what libraries and HTTP frameworks
 * used before the registration) and `application/x+msgpack` (the registration's deprecated alias).
 * Protobuf: RFC 9996's deprecated aliases `application/x-protobuf` and `application/x-protobuffer`.
 */
export const ACCEPTED_CONTENT_TYPES = {
  json: [CONTENT_TYPES.json],
  msgpack: [CONTENT_TYPES.msgpack, 'application/msgpack', 'application/x-msgpack', 'application/x+msgpack'],
  protobuf: [CONTENT_TYPES.protobuf, 'application/x-protobuf', 'application/x-protobuffer'],
} as const satisfies Record<PayloadFormat, readonly string[]>;

const FORMAT_OF_MEDIA_TYPE: ReadonlyMap<string, PayloadFormat> = new Map(
  PAYLOAD_FORMATS.flatMap((format) => ACCEPTED_CONTENT_TYPES[format].map((type) => [type, format] as const)),
);

/** RFC 9110 §5.6.2 `token`. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The parameters a format allows, and the values it allows for each (compared case-insensitively);
 * a parameter not listed is ignored (say, a `proto=` naming the message).
 * JSON is UTF-8 (RFC 8259 §8.1): a `charset` other than utf-8 is refused. For Protobuf, RFC 9996's
 * `encoding` (only `binary` is the binary wire format) and `version` (only 1 exists) are checked.
 */
const PARAMETER_RULES: Readonly<Record<PayloadFormat, Readonly<Record<string, readonly string[]>>>> = {
  json: { charset: ['utf-8', 'utf8'] },
  msgpack: {},
  protobuf: { encoding: ['binary'], version: ['1'] },
};

/**
 * RFC 9110 §5.6.6 parameters after the media type, `;`-separated, each `name=value` where the value
 * is a token or a quoted-string (which may hold `;`, `=` and backslash-escaped characters): their
 * lower-cased names and unquoted values, empty parameters skipped. Undefined when malformed.
 */
/** `text` without trailing spaces and tabs (a loop: `/[ \t]+$/` backtracks quadratically on long runs). */
function withoutTrailingWhitespace(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.slice(0, end);
}

function parametersOf(text: string): Array<readonly [string, string]> | undefined {
  const parameters: Array<readonly [string, string]> = [];
  let at = 0;
  // A hand scan, linear in the header's length (it is the sender's to choose).
  const skipWhitespace = (): void => {
    while (at < text.length && (text[at] === ' ' || text[at] === '\t')) at++;
  };
  for (;;) {
    skipWhitespace();
    if (at >= text.length) return parameters;
    if (text[at] === ';') {
      at++;
      continue;
    }
    const nameStart = at;
    while (at < text.length && text[at] !== '=' && text[at] !== ';') at++;
    if (text[at] !== '=') return undefined;
    const name = withoutTrailingWhitespace(text.slice(nameStart, at));
    at++;
    skipWhitespace();
    let value = '';
    if (text[at] === '"') {
      let closed = false;
      for (at++; at < text.length && !closed;) {
        const char = text[at]!;
        if (char === '\\') {
          if (at + 1 >= text.length) return undefined;
          value += text[at + 1];
          at += 2;
        } else {
          at++;
          if (char === '"') closed = true;
          else value += char;
        }
      }
      if (!closed) return undefined;
    } else {
      const valueStart = at;
      while (at < text.length && text[at] !== ';') at++;
      value = withoutTrailingWhitespace(text.slice(valueStart, at));
      if (!TOKEN.test(value)) return undefined;
    }
    if (!TOKEN.test(name)) return undefined;
    skipWhitespace();
    if (at < text.length && text[at] !== ';') return undefined;
    parameters.push([name.toLowerCase(), value]);
  }
}

/**
 * The payload format a `content-type` header value names, or undefined when it names none we
 * read (an unknown media type, a malformed value, or a parameter that changes the encoding, like
 * `charset=utf-16` on JSON). The media type is case-insensitive and may carry parameters
 * (`application/json; charset=utf-8`), per RFC 9110 §8.3.1.
 */
export function payloadFormatOfContentType(value: string): PayloadFormat | undefined {
  const semicolon = value.indexOf(';');
  const mediaType = semicolon === -1 ? value : value.slice(0, semicolon);
  const format = FORMAT_OF_MEDIA_TYPE.get(mediaType.trim().toLowerCase());
  if (format === undefined) return undefined;
  if (semicolon === -1) return format;
  const parameters = parametersOf(value.slice(semicolon + 1));
  if (parameters === undefined) return undefined;
  const rules = PARAMETER_RULES[format];
  for (const [name, parameterValue] of parameters) {
    const allowed = rules[name];
    if (allowed !== undefined && !allowed.includes(parameterValue.toLowerCase())) return undefined;
  }
  return format;
}

const CANONICAL_BYTES: ReadonlyArray<readonly [Buffer, string]> = PAYLOAD_FORMATS.map((format) => [
  Buffer.from(CONTENT_TYPES[format], 'latin1'),
  CONTENT_TYPES[format],
]);

/**
 * A record's `content-type` header as text, or undefined when it has none (absent, or a value of
 * null, as kcat's `-H content-type` sends it). The value a producer of ours writes is recognised by
 * a byte compare, without decoding it. Repeated values that differ come back joined (`a, b`), which
 * names no format: two values that disagree cannot say how to read the record.
 */
export function contentTypeOf(headers: RecordHeaders | null | undefined): string | undefined {
  const value = headers?.[CONTENT_TYPE_HEADER];
  if (value === undefined || value === null) return undefined;
  if (Buffer.isBuffer(value)) {
    for (const [bytes, text] of CANONICAL_BYTES) if (value.equals(bytes)) return text;
    return value.toString('utf8');
  }
  if (typeof value === 'string') return value;
  const texts = [...new Set(headerValues(headers, CONTENT_TYPE_HEADER).map((bytes) => bytes.toString('utf8')))];
  return texts.length === 0 ? undefined : texts.join(', ');
}
