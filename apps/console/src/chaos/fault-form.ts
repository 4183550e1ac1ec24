import { z } from 'zod';
import { ALLOWED_TARGETS, DEFAULT_FAULT_DURATION_MS, FAULT_TYPES, faultSpecSchema } from '#libs/chaos';
import { TOPICS } from '#libs/contracts';
import type { FaultForm, FaultForms, FaultParamField } from '../api-types';

export type { FaultForm, FaultForms, FaultParamField } from '../api-types';

interface JsonProperty {
  type?: string;
  minimum?: number;
  maximum?: number;
  default?: number | string;
  enum?: string[];
  const?: string;
}
interface JsonObject {
  properties: Record<string, JsonProperty>;
  required?: string[];
}

/** Fields every type has, drawn by the form itself. */
const COMMON = new Set(['type', 'target', 'durationMs']);

/**
 * The chaos API's own fault schema (libs/chaos `faultSpecSchema`), as JSON Schema (zod's
 * `toJSONSchema`, input side), turned into forms: a new fault type or parameter shows up on the
 * page without a change here. Throws when the schema takes a shape this cannot draw, so a drift
 * fails the unit spec rather than the page.
 */
export function faultForms(): FaultForms {
  const schema = z.toJSONSchema(faultSpecSchema, { io: 'input', unrepresentable: 'any' }) as { oneOf?: JsonObject[] };
  if (!schema.oneOf) throw new Error('the fault schema is no longer a union of object types');
  const forms = schema.oneOf.map((option): FaultForm => {
    const type = option.properties.type?.const;
    if (!type || !(FAULT_TYPES as readonly string[]).includes(type))
      throw new Error(`fault schema option without a known type const: ${JSON.stringify(option.properties.type)}`);
    const duration = option.properties.durationMs ?? {};
    return {
      type,
      params: Object.entries(option.properties)
        .filter(([name]) => !COMMON.has(name))
        .map(([name, property]) => paramField(type, name, property, option.required ?? [])),
      targets: ALLOWED_TARGETS[type as keyof typeof ALLOWED_TARGETS],
      durationMs: {
        min: duration.minimum ?? 1,
        max: duration.maximum ?? DEFAULT_FAULT_DURATION_MS,
        defaultValue: DEFAULT_FAULT_DURATION_MS,
      },
    };
  });
  return { forms, topics: Object.values(TOPICS) };
}

function paramField(type: string, name: string, property: JsonProperty, required: readonly string[]): FaultParamField {
  const common = {
    name,
    required: required.includes(name),
    ...(property.default !== undefined ? { defaultValue: property.default } : {}),
  };
  if (property.enum) return { ...common, kind: 'choice', choices: property.enum };
  if (property.type === 'integer' || property.type === 'number')
    return {
      ...common,
      kind: property.type,
      ...(property.minimum !== undefined ? { min: property.minimum } : {}),
      ...(property.maximum !== undefined ? { max: property.maximum } : {}),
    };
  throw new Error(`fault ${type}: parameter ${name} has a shape the console's form cannot draw`);
}
