import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { unicodeString } from './unicode';

/** Every Kafka value: a versioned envelope around a typed payload. The key is the user id. */
export const envelopeSchema = z
  .object({
    id: unicodeString().min(1).max(128),
    type: unicodeString().min(1).max(64),
    version: z.number().int().positive(),
    occurredAt: z.iso.datetime({ offset: true }),
    correlationId: unicodeString().min(1).max(128),
    data: z.unknown(),
  })
  .strict();

export type Envelope<T = unknown> = Omit<z.infer<typeof envelopeSchema>, 'data'> & { data: T };

export interface NewEnvelope<T> {
  type: string;
  version?: number;
  data: T;
  correlationId: string;
  /** Defaults to a fresh UUID; set it to make a re-publish idempotent downstream. */
  id?: string;
  occurredAt?: Date;
}

export function makeEnvelope<T>(input: NewEnvelope<T>): Envelope<T> {
  return {
    id: input.id ?? randomUUID(),
    type: input.type,
    version: input.version ?? 1,
    occurredAt: (input.occurredAt ?? new Date()).toISOString(),
    correlationId: input.correlationId,
    data: input.data,
  };
}
