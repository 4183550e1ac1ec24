import { z } from 'zod';
import type { ToxicForm } from '../api-types';

export type { ToxicAttributeField, ToxicForm } from '../api-types';

/**
 * A proxy's or toxic's name in a path: Toxiproxy's own names are of this shape (`provider`,
 * `latency_downstream`). Never `.` or `..`: in a URL those are dot segments (RFC 3986 §5.2.4),
 * which would resolve `/proxies/../toxics/x` to another Toxiproxy endpoint.
 */
export const TOXIPROXY_NAME = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,64}$/;

const ms = (max: number) => z.number().int().min(0).max(max);
const MINUTE_MS = 60_000;

/**
 * Each toxic type's attributes, in Toxiproxy's own units (https://github.com/Shopify/toxiproxy#toxics):
 * milliseconds, except `bandwidth.rate` (KB/s), `slicer`'s sizes (bytes) and `slicer.delay`
 * (microseconds), and `limit_data.bytes`. Bounds keep a typo from freezing the lab for a day.
 */
export const TOXIC_ATTRIBUTES = {
  latency: z.object({ latency: ms(MINUTE_MS), jitter: ms(MINUTE_MS).optional() }).strict(),
  bandwidth: z.object({ rate: z.number().int().min(0).max(1_000_000) }).strict(),
  slow_close: z.object({ delay: ms(10 * MINUTE_MS) }).strict(),
  timeout: z.object({ timeout: ms(10 * MINUTE_MS) }).strict(),
  reset_peer: z.object({ timeout: ms(10 * MINUTE_MS) }).strict(),
  slicer: z
    .object({
      average_size: z.number().int().min(1).max(65_536),
      size_variation: z.number().int().min(0).max(65_536).optional(),
      delay: z.number().int().min(0).max(1_000_000).optional(),
    })
    .strict(),
  limit_data: z.object({ bytes: z.number().int().min(0).max(1_000_000_000) }).strict(),
} as const;

/** The toxic types Toxiproxy 2 has. */
export type ToxicType = keyof typeof TOXIC_ATTRIBUTES;
export const TOXIC_TYPES = Object.keys(TOXIC_ATTRIBUTES) as ToxicType[];

/** Units of the attributes, for the form's labels. */
export const ATTRIBUTE_UNITS: Readonly<Record<string, string>> = {
  'latency.latency': 'ms',
  'latency.jitter': 'ms',
  'bandwidth.rate': 'KB/s',
  'slow_close.delay': 'ms',
  'timeout.timeout': 'ms',
  'reset_peer.timeout': 'ms',
  'slicer.average_size': 'bytes',
  'slicer.size_variation': 'bytes',
  'slicer.delay': 'µs',
  'limit_data.bytes': 'bytes',
};

const common = {
  /** Unique on its proxy; Toxiproxy names it `<type>_<stream>` when absent. */
  name: z.string().regex(TOXIPROXY_NAME, 'letters, digits, _ . - (1–64)').optional(),
  /** `downstream`: upstream → client (answers); `upstream`: client → upstream (requests). */
  stream: z.enum(['upstream', 'downstream']).default('downstream'),
  /** Share of connections the toxic applies to, 0–1. */
  toxicity: z.number().min(0).max(1).default(1),
};

const toxic = <T extends ToxicType>(type: T) =>
  z.object({ type: z.literal(type), ...common, attributes: TOXIC_ATTRIBUTES[type] }).strict();

/** A toxic the page may add: type, direction, toxicity and the type's attributes, nothing else. */
export const toxicSpecSchema = z.discriminatedUnion('type', [
  toxic('latency'),
  toxic('bandwidth'),
  toxic('slow_close'),
  toxic('timeout'),
  toxic('reset_peer'),
  toxic('slicer'),
  toxic('limit_data'),
]);

/** What `toxicSpecSchema` accepts (defaults applied). */
export type ToxicSpec = z.output<typeof toxicSpecSchema>;

interface JsonNumber {
  minimum?: number;
  maximum?: number;
}

/** The toxic forms, from the schema's JSON Schema (zod's), so the page and the check never drift apart. */
export function toxicForms(): ToxicForm[] {
  return TOXIC_TYPES.map((type) => {
    const schema = z.toJSONSchema(TOXIC_ATTRIBUTES[type]) as {
      properties: Record<string, JsonNumber>;
      required?: string[];
    };
    return {
      type,
      attributes: Object.entries(schema.properties).map(([name, p]) => ({
        name,
        unit: ATTRIBUTE_UNITS[`${type}.${name}`] ?? '',
        required: (schema.required ?? []).includes(name),
        min: p.minimum ?? 0,
        max: p.maximum ?? Number.MAX_SAFE_INTEGER,
      })),
    };
  });
}
