/**
 * Kafka record headers as they arrive. The record format (KIP-82) lets a header name repeat and a
 * header value be null; kafkajs hands a repeated name over as an array, in record order, and a
 * value sent without one (`kcat -H name`) as `null`, although its `IHeaders` type admits neither
 * null nor an array of nulls. Nest's stock parser may also turn a value into a string or parsed
 * JSON. Every read of a record's headers goes through this file, so none of these shapes can throw.
 */

/** Headers every published envelope carries: its id and type (beside `content-type`, its format; ADR 0090). */
export const ENVELOPE_ID_HEADER = 'jeeves-envelope-id';
export const ENVELOPE_TYPE_HEADER = 'jeeves-envelope-type';

/** One header value as delivered: bytes from kafkajs, text from Nest's stock parser, or null. */
export type RecordHeaderValue = Buffer | string | null;

/** A record's headers as delivered: one value, several (a repeated name), or undefined. */
export type RecordHeaders = {
  readonly [name: string]: RecordHeaderValue | readonly RecordHeaderValue[] | undefined;
};

/** Headers copied as bytes: a value is a Buffer or null; a repeated name keeps every value, in order. */
export type HeaderBytes = Record<string, Buffer | null | (Buffer | null)[]>;

/** A value as bytes; `null` stays null. Anything else a parser may have made of it is re-encoded. */
function asBytes(value: unknown): Buffer | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.from(typeof value === 'object' ? JSON.stringify(value) : String(value), 'utf8');
}

/**
 * Every header as `[name, bytes | null]`, in record order (a repeated name gives one entry per
 * value). Tolerates `null`/`undefined` headers; strings become their UTF-8 bytes.
 */
export function headerEntries(headers: RecordHeaders | null | undefined): Array<readonly [string, Buffer | null]> {
  if (headers === null || headers === undefined || typeof headers !== 'object') return [];
  const entries: Array<readonly [string, Buffer | null]> = [];
  for (const name of Object.keys(headers)) {
    const value: unknown = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const one of value as unknown[]) entries.push([name, asBytes(one)]);
    else entries.push([name, asBytes(value)]);
  }
  return entries;
}

/** Every value of `name` that has one, in record order, as bytes (a null value is an absent one). */
export function headerValues(headers: RecordHeaders | null | undefined, name: string): Buffer[] {
  if (headers === null || headers === undefined || !Object.hasOwn(headers, name)) return [];
  const value: unknown = headers[name];
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  return values.map(asBytes).filter((bytes): bytes is Buffer => bytes !== null);
}

/**
 * The last value of `name` as UTF-8 text, as Kafka's `Headers.lastHeader` picks it; undefined when
 * the header is absent or has no value (a null value is an absent header).
 */
export function lastHeaderText(headers: RecordHeaders | null | undefined, name: string): string | undefined {
  const values = headerValues(headers, name);
  return values.length === 0 ? undefined : values[values.length - 1]!.toString('utf8');
}

/**
 * The value of `name` as UTF-8 text when the record carries exactly one; undefined when it is
 * absent, null or repeated. For headers where two values are ambiguous (W3C `traceparent`: the
 * OpenTelemetry kafkajs getter joins repeated values, which no longer parse, so it starts a new trace).
 */
export function soleHeaderText(headers: RecordHeaders | null | undefined, name: string): string | undefined {
  const values = headerValues(headers, name);
  return values.length === 1 ? values[0]!.toString('utf8') : undefined;
}

/**
 * A byte-for-byte copy of a record's headers: every value a Buffer (the same one when it was
 * already bytes) or null, a repeated name as an array in record order, on an object without a
 * prototype so that a header named `__proto__` stays a header.
 */
export function copyHeaders(headers: RecordHeaders | null | undefined): HeaderBytes {
  const copy = Object.create(null) as HeaderBytes;
  for (const [name, value] of headerEntries(headers)) {
    const existing = copy[name];
    if (existing === undefined) copy[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else copy[name] = [existing, value];
  }
  return copy;
}
