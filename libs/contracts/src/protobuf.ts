import { join } from 'node:path';
import protobuf from 'protobufjs';
import { EVENT_TYPES, type EventType } from './messages';
import { isWellFormedUnicode } from './unicode';

/**
 * The envelope's Protocol Buffers form (`proto/jeeves/v1/envelope.proto`, loaded once at startup;
 * docs/decisions/0090) and its mapping to and from the zod contract's plain objects. The mapping
 * is exact both ways, so zod stays the only judge of validity: an object zod accepts round-trips to
 * itself, and an object zod refuses either cannot be written (a field the schema lacks, a value of
 * the wrong kind, a `null`) or reads back as something zod refuses again.
 */

/** The .proto file, relative to this file in the sources and in dist/ alike (SWC `--copy-files` copies it). */
export const ENVELOPE_PROTO_PATH = join(__dirname, '..', 'proto', 'jeeves', 'v1', 'envelope.proto');

/** The fully qualified name of the envelope message. */
export const ENVELOPE_PROTO_MESSAGE = 'jeeves.v1.Envelope';

/** Each event type's case of the envelope's `data` oneof (its payload message), at version 1. */
export const PROTO_DATA_CASES = {
  [EVENT_TYPES.messageAccepted]: 'messageAccepted',
  [EVENT_TYPES.actionRequested]: 'actionRequested',
  [EVENT_TYPES.replyProduced]: 'replyProduced',
} as const satisfies Record<EventType, string>;

/** Why an object cannot be written as the envelope message; `path` names the field. */
export class ProtobufMappingError extends Error {
  readonly code = 'EPROTOMAPPING';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path || '(root)'}: ${message}`);
    this.name = 'ProtobufMappingError';
  }
}

let root: protobuf.Root | undefined;

/** The loaded schema (parsed on first use, then kept). */
export function envelopeProtoRoot(): protobuf.Root {
  if (root === undefined) {
    const loaded = protobuf.loadSync(ENVELOPE_PROTO_PATH);
    loaded.resolveAll();
    root = loaded;
  }
  return root;
}

let envelopeType: protobuf.Type | undefined;

/** The envelope message type (looked up once). */
export function envelopeProtoType(): protobuf.Type {
  envelopeType ??= envelopeProtoRoot().lookupType(ENVELOPE_PROTO_MESSAGE);
  return envelopeType;
}

const DATA_ONEOF = 'data';
const CASE_OF_TYPE: ReadonlyMap<string, string> = new Map(Object.entries(PROTO_DATA_CASES));
const TYPE_OF_CASE: ReadonlyMap<string, string> = new Map(
  Object.entries(PROTO_DATA_CASES).map(([type, name]) => [name, type]),
);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * `value` as the message `type` writes it: every key a field of `type` (undefined is left out, as
 * JSON.stringify leaves it out), every value of its field's kind, nested messages likewise.
 */
function toMessageObject(type: protobuf.Type, value: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new ProtobufMappingError(path, `expected an object for ${type.name}`);
  const out: Record<string, unknown> = {};
  for (const [key, fieldValue] of Object.entries(value)) {
    if (fieldValue === undefined) continue;
    const at = path ? `${path}.${key}` : key;
    const field = type.fields[key];
    // A oneof member of the envelope is written through `data`, never by its own name.
    if (field === undefined || (type.fullName === `.${ENVELOPE_PROTO_MESSAGE}` && field.partOf?.name === DATA_ONEOF))
      throw new ProtobufMappingError(at, `${type.name} has no field "${key}"`);
    out[key] = toFieldValue(field, fieldValue, at);
  }
  return out;
}

function toFieldValue(field: protobuf.Field, value: unknown, path: string): unknown {
  if (value === null) throw new ProtobufMappingError(path, 'null has no protobuf form (leave the field out)');
  if (field.resolvedType instanceof protobuf.Type) return toMessageObject(field.resolvedType, value, path);
  switch (field.type) {
    case 'string':
      if (typeof value !== 'string') throw new ProtobufMappingError(path, 'expected a string');
      // A lone UTF-16 surrogate has no UTF-8 form: it would come back as U+FFFD.
      if (!isWellFormedUnicode(value))
        throw new ProtobufMappingError(path, 'not well-formed Unicode (a lone surrogate)');
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw new ProtobufMappingError(path, 'expected a boolean');
      return value;
    case 'int64':
      if (typeof value !== 'number' || !Number.isSafeInteger(value))
        throw new ProtobufMappingError(path, 'expected a safe integer');
      return value;
    default:
      throw new ProtobufMappingError(path, `field type ${field.type} is not mapped`);
  }
}

/**
 * The envelope `envelope` (a plain object in the zod contract's shape) as the protobuf message
 * object: its `data` under the oneof case of its `type`. Throws ProtobufMappingError when it has
 * no protobuf form (a key the schema lacks, a null, a value of the wrong kind, a type without a
 * payload message while `data` is set).
 */
export function envelopeToProtoObject(envelope: unknown): Record<string, unknown> {
  if (!isPlainObject(envelope)) throw new ProtobufMappingError('', 'expected an object');
  const { data, ...head } = envelope;
  const type = envelopeProtoType();
  const message = toMessageObject(type, head, '');
  if (data === undefined) return message;
  const typeName = head.type;
  const dataCase = typeof typeName === 'string' ? CASE_OF_TYPE.get(typeName) : undefined;
  if (dataCase === undefined)
    throw new ProtobufMappingError('data', `type ${JSON.stringify(typeName)} has no protobuf payload message`);
  message[dataCase] = toFieldValue(type.fields[dataCase]!, data, 'data');
  return message;
}

/**
 * The decoded protobuf message as a plain object in the zod contract's shape (present fields only;
 * int64 as a number). Throws ProtobufMappingError when the payload's oneof case is not the one its
 * `type` names (a record that lies about its payload).
 */
export function envelopeFromProtoMessage(message: protobuf.Message): Record<string, unknown> {
  const type = envelopeProtoType();
  const object = type.toObject(message, { longs: Number, defaults: false, oneofs: false });
  const envelope: Record<string, unknown> = {};
  let dataCase: string | undefined;
  for (const [key, value] of Object.entries(object)) {
    if (TYPE_OF_CASE.has(key)) {
      dataCase = key;
      envelope.data = value;
    } else envelope[key] = value;
  }
  if (dataCase !== undefined && typeof envelope.type === 'string' && CASE_OF_TYPE.has(envelope.type)) {
    const expected = CASE_OF_TYPE.get(envelope.type);
    if (expected !== dataCase)
      throw new ProtobufMappingError('data', `type "${envelope.type}" carries a ${dataCase} payload, not ${expected}`);
  }
  return envelope;
}
