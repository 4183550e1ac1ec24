import protobuf from 'protobufjs';
import { z } from 'zod';
import { actionSchema, EVENT_TYPES, PAYLOAD_SCHEMAS } from './messages';
import { envelopeSchema } from './envelope';
import {
  envelopeFromProtoMessage,
  envelopeProtoType,
  envelopeToProtoObject,
  PROTO_DATA_CASES,
  ProtobufMappingError,
} from './protobuf';

/** The keys of a zod object (of every member, for a discriminated union). */
function keysOf(schema: z.ZodType): string[] {
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape).sort();
  if (schema instanceof z.ZodDiscriminatedUnion)
    return [...new Set((schema.options as z.ZodObject[]).flatMap((option) => Object.keys(option.shape)))].sort();
  throw new Error('not an object schema');
}

function fieldsOf(type: protobuf.Type): string[] {
  return Object.keys(type.fields).sort();
}

describe('the Protobuf schema and the zod contract', () => {
  const envelope = envelopeProtoType();

  it('has a payload message for every event type, and no other', () => {
    expect(Object.keys(PROTO_DATA_CASES).sort()).toEqual(Object.keys(PAYLOAD_SCHEMAS).sort());
    expect(Object.keys(PROTO_DATA_CASES).sort()).toEqual(Object.values(EVENT_TYPES).sort());
    expect(envelope.oneofs.data!.fieldsArray.map((field) => field.name).sort()).toEqual(
      Object.values(PROTO_DATA_CASES).sort(),
    );
  });

  it('gives the envelope the fields of the zod envelope (data as the oneof)', () => {
    const scalars = envelope.fieldsArray.filter((field) => field.partOf?.name !== 'data').map((field) => field.name);
    expect([...scalars, 'data'].sort()).toEqual(keysOf(envelopeSchema));
    for (const field of envelope.fieldsArray.filter((one) => one.partOf?.name !== 'data'))
      expect(field.options?.proto3_optional).toBe(true);
  });

  it.each(Object.entries(PROTO_DATA_CASES))('gives %s the fields of its zod payload', (type, dataCase) => {
    const message = envelope.fields[dataCase]!.resolvedType as protobuf.Type;
    expect(fieldsOf(message)).toEqual(keysOf(PAYLOAD_SCHEMAS[type as keyof typeof PAYLOAD_SCHEMAS]));
    for (const field of message.fieldsArray) {
      // Explicit presence everywhere: an absent field is not read back as '' or false.
      expect(field.options?.proto3_optional).toBe(true);
      if (field.resolvedType instanceof protobuf.Type)
        expect(fieldsOf(field.resolvedType)).toEqual(keysOf(actionSchema));
    }
  });

  it('refuses to write what it cannot read back as it was', () => {
    const base = { id: 'a', type: EVENT_TYPES.replyProduced, version: 1, occurredAt: 'x', correlationId: 'c' };
    const refusals: Array<[unknown, RegExp]> = [
      [{ ...base, extra: 1 }, /no field "extra"/],
      [{ ...base, id: null }, /null/],
      [{ ...base, version: 1.5 }, /safe integer/],
      [{ ...base, version: '1' }, /safe integer/],
      [{ ...base, id: 'a\uD800' }, /well-formed/],
      [{ ...base, type: 'nope', data: {} }, /no protobuf payload message/],
      [{ ...base, data: { degraded: 'no' } }, /data.degraded: expected a boolean/],
      [{ ...base, replyProduced: {} }, /no field "replyProduced"/],
      [[], /expected an object/],
    ];
    for (const [value, message] of refusals) {
      expect(() => envelopeToProtoObject(value)).toThrow(ProtobufMappingError);
      expect(() => envelopeToProtoObject(value)).toThrow(message);
    }
  });

  it('refuses a payload whose oneof case is not the one its type names', () => {
    const message = envelope.fromObject({
      id: 'a',
      type: EVENT_TYPES.messageAccepted,
      replyProduced: { text: 'not what the type says' },
    });
    expect(() => envelopeFromProtoMessage(message)).toThrow(/carries a replyProduced payload/);
  });

  it('keeps absent and empty apart, and int64 as a number', () => {
    const written = envelope.encode(
      envelopeToProtoObject({
        id: '',
        type: EVENT_TYPES.replyProduced,
        version: 2 ** 53 - 1,
        data: { text: '', degraded: false },
      }),
    );
    expect(envelopeFromProtoMessage(envelope.decode(written.finish()))).toStrictEqual({
      id: '',
      type: EVENT_TYPES.replyProduced,
      version: 2 ** 53 - 1,
      data: { text: '', degraded: false },
    });
  });
});
