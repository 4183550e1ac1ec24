import type { z } from 'zod';
import { type Envelope, envelopeSchema, type PayloadFormat } from '#libs/contracts';
import { PoisonMessageError } from './errors';
import { decodeValue, encodeValue, payloadFormatOf } from './payload-codec';

export type PayloadSchemas = Readonly<Record<string, z.ZodType>>;

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Decodes and validates a Kafka value into an envelope whose payload matches its type's schema.
 * `contentType` is the record's `content-type` header (contracts `contentTypeOf`): absent means
 * JSON. Throws PoisonMessageError for an unknown content type, bytes that are not valid in the
 * format it names, and an envelope or payload zod refuses: whatever the format, zod decides.
 */
export function decodeEnvelope(value: Buffer | null, schemas: PayloadSchemas, contentType?: string | null): Envelope {
  const decoded = decodeValue(value, payloadFormatOf(contentType));
  const envelope = envelopeSchema.safeParse(decoded);
  if (!envelope.success) throw new PoisonMessageError('invalid-envelope', describe(envelope.error));
  const schema = schemas[envelope.data.type];
  if (!schema) throw new PoisonMessageError('unknown-type', `no handler for type "${envelope.data.type}"`);
  const data = schema.safeParse(envelope.data.data);
  if (!data.success) throw new PoisonMessageError('invalid-payload', describe(data.error));
  return { ...envelope.data, data: data.data };
}

/**
 * Encodes an envelope as `format` (JSON text, MessagePack, or the Protobuf `jeeves.v1.Envelope`);
 * write its `CONTENT_TYPES[format]` in the record's `content-type` header. Does not validate: the
 * publisher checks the envelope first (`assertValidEnvelope`). Throws ProtobufMappingError when an
 * object has no Protobuf form (only an envelope zod refuses can lack one).
 */
export function encodeEnvelope(envelope: Envelope, format: PayloadFormat): Buffer {
  return encodeValue(envelope, format);
}

/** Validates an outgoing envelope the same way consumers will: a producer never emits poison. */
export function assertValidEnvelope(envelope: Envelope, schemas: PayloadSchemas): void {
  const parsed = envelopeSchema.safeParse(envelope);
  if (!parsed.success) throw new PoisonMessageError('invalid-envelope', describe(parsed.error));
  const schema = schemas[parsed.data.type];
  if (!schema) throw new PoisonMessageError('unknown-type', `no handler for type "${parsed.data.type}"`);
  const data = schema.safeParse(parsed.data.data);
  if (!data.success) throw new PoisonMessageError('invalid-payload', describe(data.error));
}
