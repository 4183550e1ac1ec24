import { isUtf8 } from 'node:buffer';
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
 * a field repeated, invalid UTF-8 in a string), and a payload whose oneof case is not its type's;
 * for MessagePack, a string or map key that is not well-formed UTF-8.
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
    case 'msgpack': {
      let decoded: unknown;
      try {
        decoded = msgpackDecoder.decode(value);
      } catch (error) {
        throw new PoisonMessageError('invalid-msgpack', 'value is not valid MessagePack', { cause: error });
      }
      if (!msgpackStringsAreUtf8(value))
        throw new PoisonMessageError('invalid-msgpack', 'value holds a MessagePack string that is not UTF-8');
      return decoded;
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

/**
 * True when every str (values and map keys) of `value`, one well-formed MessagePack object, is
 * well-formed UTF-8 (RFC 3629: no overlong forms, no encoded surrogates), as the MessagePack spec's
 * str type requires. @msgpack/msgpack has no strict mode: short strings it reads byte by byte
 * (0xff becomes "ÿ", an overlong "i" becomes "i"), long ones through a lenient TextDecoder (U+FFFD).
 * A linear walk of the item headers: the bytes were decoded already, so their structure is valid.
 */
function msgpackStringsAreUtf8(value: Buffer): boolean {
  let at = 0;
  // Items still to read: containers add theirs (a map two per entry), so no recursion is needed.
  let pending = 1;
  const str = (headerBytes: number, length: number): boolean => {
    const start = at + headerBytes;
    at = start + length;
    // ASCII is UTF-8: most strings end here, without a native call or a Buffer view made for it.
    for (let i = start; i < at; i++) if (value[i]! >= 0x80) return isUtf8(value.subarray(i, at));
    return true;
  };
  while (pending > 0 && at < value.length) {
    pending--;
    const type = value[at]!;
    if (type <= 0x7f || type >= 0xe0 || type === 0xc0 || type === 0xc2 || type === 0xc3) at += 1;
    else if (type <= 0x8f) {
      pending += 2 * (type & 0x0f); // fixmap
      at += 1;
    } else if (type <= 0x9f) {
      pending += type & 0x0f; // fixarray
      at += 1;
    } else if (type <= 0xbf) {
      if (!str(1, type & 0x1f)) return false; // fixstr
    } else
      switch (type) {
        case 0xd9:
          if (!str(2, value.readUInt8(at + 1))) return false;
          break;
        case 0xda:
          if (!str(3, value.readUInt16BE(at + 1))) return false;
          break;
        case 0xdb:
          if (!str(5, value.readUInt32BE(at + 1))) return false;
          break;
        case 0xc4: // bin 8/16/32
          at += 2 + value.readUInt8(at + 1);
          break;
        case 0xc5:
          at += 3 + value.readUInt16BE(at + 1);
          break;
        case 0xc6:
          at += 5 + value.readUInt32BE(at + 1);
          break;
        case 0xc7: // ext 8/16/32: length, then a type byte
          at += 3 + value.readUInt8(at + 1);
          break;
        case 0xc8:
          at += 4 + value.readUInt16BE(at + 1);
          break;
        case 0xc9:
          at += 6 + value.readUInt32BE(at + 1);
          break;
        case 0xdc: // array 16/32
          pending += value.readUInt16BE(at + 1);
          at += 3;
          break;
        case 0xdd:
          pending += value.readUInt32BE(at + 1);
          at += 5;
          break;
        case 0xde: // map 16/32
          pending += 2 * value.readUInt16BE(at + 1);
          at += 3;
          break;
        case 0xdf:
          pending += 2 * value.readUInt32BE(at + 1);
          at += 5;
          break;
        default:
          // Fixed-size numbers and fixext: the header byte and a payload of known size.
          at += 1 + (FIXED_PAYLOAD_BYTES.get(type) ?? 0);
      }
  }
  return true;
}

/** Payload sizes of MessagePack's fixed-size types: float 32/64, uint and int 8–64, fixext 1–16 (type byte included). */
const FIXED_PAYLOAD_BYTES: ReadonlyMap<number, number> = new Map([
  [0xca, 4],
  [0xcb, 8],
  [0xcc, 1],
  [0xcd, 2],
  [0xce, 4],
  [0xcf, 8],
  [0xd0, 1],
  [0xd1, 2],
  [0xd2, 4],
  [0xd3, 8],
  [0xd4, 2],
  [0xd5, 3],
  [0xd6, 5],
  [0xd7, 9],
  [0xd8, 17],
]);
