import { Decoder, Encoder } from '@msgpack/msgpack';
import {
  CONTENT_TYPES,
  envelopeFromProtoMessage,
  envelopeProtoType,
  envelopeToProtoObject,
  type PayloadFormat,
  payloadFormatOfContentType,
} from '#libs/contracts';
import { PoisonMessageError } from './errors';

// `ignoreUndefined`: a key whose value is undefined is left out, as JSON.stringify leaves it out
// (zod's optional fields may hold undefined; MessagePack would otherwise write nil, which zod refuses).
const msgpackEncoder = new Encoder({ ignoreUndefined: true });
// Numbers stay numbers (an int64 past 2^53 comes back inexact, and zod refuses unsafe integers anyway).
const msgpackDecoder = new Decoder();

/**
 * The payload format a `content-type` header value names; no header (undefined or null) is JSON, as
 * records written before formats existed, and by other tools, carry none. Throws
 * PoisonMessageError (`unknown-content-type`) for a value that names no format we read.
 */
export function payloadFormatOf(contentType: string | null | undefined): PayloadFormat {
  if (contentType === undefined || contentType === null || contentType === CONTENT_TYPES.json) return 'json';
  const format = payloadFormatOfContentType(contentType);
  if (format === undefined)
    throw new PoisonMessageError(
      'unknown-content-type',
      `content-type "${contentType.slice(0, 100)}" names no payload format (json, msgpack, protobuf)`,
    );
  return format;
}

/**
 * Encodes a plain object as `format`: JSON text (UTF-8), MessagePack, or the Protobuf envelope
 * message (libs/contracts protobuf.ts; throws ProtobufMappingError for an object it cannot carry).
 * Validation is the caller's: this writes what it is given.
 */
export function encodeValue(value: unknown, format: PayloadFormat): Buffer {
  switch (format) {
    case 'json':
      return Buffer.from(JSON.stringify(value), 'utf8');
    case 'msgpack': {
      const bytes = msgpackEncoder.encode(value);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    case 'protobuf': {
      const type = envelopeProtoType();
      const bytes = type.encode(envelopeToProtoObject(value)).finish();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
  }
}

/**
 * Decodes a value written as `format` into plain data, unvalidated. Throws PoisonMessageError
 * (`invalid-<format>`) when the bytes are not valid in that format: for Protobuf that includes a
 * value that is not the canonical encoding of what it decodes to (fields the schema does not know,
 * a field repeated, invalid UTF-8 in a string), and a payload whose oneof case is not its type's.
 */
export function decodeValue(value: Buffer | null, format: PayloadFormat): unknown {
  if (value === null) throw new PoisonMessageError(`invalid-${format}`, 'empty value (tombstone)');
  switch (format) {
    case 'json':
      try {
        return JSON.parse(value.toString('utf8'));
      } catch (error) {
        throw new PoisonMessageError('invalid-json', 'value is not valid JSON', { cause: error });
      }
    case 'msgpack':
      try {
        return msgpackDecoder.decode(value);
      } catch (error) {
        throw new PoisonMessageError('invalid-msgpack', 'value is not valid MessagePack', { cause: error });
      }
    case 'protobuf':
      return decodeProtobuf(value);
  }
}

function decodeProtobuf(value: Buffer): unknown {
  const type = envelopeProtoType();
  let message;
  try {
    message = type.decode(value);
  } catch (error) {
    throw new PoisonMessageError('invalid-protobuf', 'value is not a valid jeeves.v1.Envelope', { cause: error });
  }
  // What protobufjs skips or repairs silently (unknown fields, a field given twice, invalid UTF-8
  // turned into U+FFFD) changes the bytes it would write back: the contract's objects are strict.
  const canonical = type.encode(message).finish();
  if (canonical.byteLength !== value.byteLength || !value.equals(canonical))
    throw new PoisonMessageError(
      'invalid-protobuf',
      'value is not the canonical encoding of a jeeves.v1.Envelope (unknown or repeated fields, or invalid UTF-8)',
    );
  try {
    return envelopeFromProtoMessage(message);
  } catch (error) {
    throw new PoisonMessageError('invalid-protobuf', (error as Error).message, { cause: error });
  }
}
