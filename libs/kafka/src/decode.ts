import type { z } from 'zod';
import { type Envelope, envelopeSchema } from '#libs/contracts';
import { PoisonMessageError } from './errors';

export type PayloadSchemas = Readonly<Record<string, z.ZodType>>;

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

/** Decodes and validates a Kafka value into an envelope whose payload matches its type's schema. */
export function decodeEnvelope(value: Buffer | null, schemas: PayloadSchemas): Envelope {
  if (value === null) throw new PoisonMessageError('invalid-json', 'empty value (tombstone)');
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (error) {
    throw new PoisonMessageError('invalid-json', 'value is not valid JSON', { cause: error });
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) throw new PoisonMessageError('invalid-envelope', describe(envelope.error));
  const schema = schemas[envelope.data.type];
  if (!schema) throw new PoisonMessageError('unknown-type', `no handler for type "${envelope.data.type}"`);
  const data = schema.safeParse(envelope.data.data);
  if (!data.success) throw new PoisonMessageError('invalid-payload', describe(data.error));
  return { ...envelope.data, data: data.data };
}

/** Validates an outgoing envelope the same way consumers will: a producer never emits poison. */
export function assertValidEnvelope(envelope: Envelope, schemas: PayloadSchemas): void {
  decodeEnvelope(Buffer.from(JSON.stringify(envelope)), schemas);
}
