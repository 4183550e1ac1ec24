import {
  CONTENT_TYPES,
  envelopeSchema,
  EVENT_FIXTURES,
  EVENT_TYPES,
  type EventType,
  PAYLOAD_FORMATS,
  PAYLOAD_SCHEMAS,
} from '#libs/contracts';
import { decodeEnvelope, encodeEnvelope } from './decode';
import type { Envelope } from '#libs/contracts';

/** zod's verdict on a plain envelope: its parsed form, or undefined when it refuses it. */
function zodParse(envelope: unknown): Envelope | undefined {
  const parsed = envelopeSchema.safeParse(envelope);
  if (!parsed.success) return undefined;
  const schema = PAYLOAD_SCHEMAS[parsed.data.type as EventType];
  const data = schema?.safeParse(parsed.data.data);
  return data?.success ? { ...parsed.data, data: data.data } : undefined;
}

/** The format's verdict: the decoded envelope, or undefined when writing or reading it failed. */
function throughFormat(envelope: unknown, format: (typeof PAYLOAD_FORMATS)[number]): Envelope | undefined {
  let bytes: Buffer;
  try {
    bytes = encodeEnvelope(envelope as Envelope, format);
  } catch {
    return undefined;
  }
  try {
    return decodeEnvelope(bytes, PAYLOAD_SCHEMAS, CONTENT_TYPES[format]);
  } catch {
    return undefined;
  }
}

const types = Object.values(EVENT_TYPES);

describe('every payload format agrees with the zod contract', () => {
  it('has fixtures for every event type', () => {
    expect(Object.keys(EVENT_FIXTURES).sort()).toEqual([...types].sort());
  });

  describe.each(types)('%s', (type) => {
    const { valid, invalid } = EVENT_FIXTURES[type];

    it.each(valid.flatMap((fixture) => PAYLOAD_FORMATS.map((format) => [fixture.name, format, fixture] as const)))(
      'gives back "%s" exactly through %s',
      (_name, format, fixture) => {
        // What zod makes of the object itself; a key holding undefined is no key on any wire.
        const expected = zodParse(fixture.envelope);
        expect(expected).toBeDefined();
        const decoded = throughFormat(fixture.envelope, format);
        expect(decoded).toEqual(expected);
        expect(decoded).toStrictEqual(zodParse(JSON.parse(JSON.stringify(fixture.envelope))));
      },
    );

    it.each(invalid.flatMap((fixture) => PAYLOAD_FORMATS.map((format) => [fixture.name, format, fixture] as const)))(
      'refuses "%s" through %s, as zod does',
      (_name, format, fixture) => {
        expect(zodParse(fixture.envelope)).toBeUndefined();
        expect(throughFormat(fixture.envelope, format)).toBeUndefined();
      },
    );
  });
});
