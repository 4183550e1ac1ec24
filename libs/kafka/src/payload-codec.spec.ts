import { Decoder, Encoder, encode as msgpackEncode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { CONTENT_TYPES, envelopeProtoType, EVENT_TYPES, makeEnvelope, PAYLOAD_SCHEMAS } from '#libs/contracts';
import { decodeEnvelope, encodeEnvelope } from './decode';
import { PoisonMessageError } from './errors';
import { decodeValue, payloadFormatOf } from './payload-codec';

const envelope = makeEnvelope({
  type: EVENT_TYPES.messageAccepted,
  correlationId: 'c1',
  data: { messageId: '4b1d2c1e-7a34-4b55-9d2f-0d3c8a8e1f00', user: 'alice', text: 'help', clientId: 'jeeves-demo' },
});

function reasonOf(value: Buffer | null, contentType?: string): string | undefined {
  try {
    decodeEnvelope(value, PAYLOAD_SCHEMAS, contentType);
    return undefined;
  } catch (error) {
    return error instanceof PoisonMessageError ? error.reason : `not poison: ${String(error)}`;
  }
}

const asJson = Buffer.from(JSON.stringify(envelope));
const asMsgpack = encodeEnvelope(envelope, 'msgpack');
const asProtobuf = encodeEnvelope(envelope, 'protobuf');

describe('payload codec', () => {
  it('reads a record without a content-type (written before formats, or by another tool) as JSON', () => {
    expect(decodeEnvelope(asJson, PAYLOAD_SCHEMAS)).toEqual(envelope);
    expect(decodeEnvelope(asJson, PAYLOAD_SCHEMAS, null)).toEqual(envelope);
    expect(payloadFormatOf(undefined)).toBe('json');
  });

  it('reads each format under its own type, an alias, or with parameters', () => {
    expect(decodeEnvelope(asMsgpack, PAYLOAD_SCHEMAS, 'application/vnd.msgpack')).toEqual(envelope);
    expect(decodeEnvelope(asMsgpack, PAYLOAD_SCHEMAS, 'Application/X-MsgPack')).toEqual(envelope);
    expect(decodeEnvelope(asProtobuf, PAYLOAD_SCHEMAS, 'application/x-protobuf; proto=jeeves.v1.Envelope')).toEqual(
      envelope,
    );
    expect(decodeEnvelope(asJson, PAYLOAD_SCHEMAS, 'application/json; charset=UTF-8')).toEqual(envelope);
  });

  it('writes JSON byte for byte as before formats existed', () => {
    expect(encodeEnvelope(envelope, 'json').equals(asJson)).toBe(true);
  });

  it('writes the binary formats smaller than JSON', () => {
    expect(asMsgpack.length).toBeLessThan(asJson.length);
    expect(asProtobuf.length).toBeLessThan(asMsgpack.length);
  });

  it.each([
    ['an unknown content type', asJson, 'text/plain', 'unknown-content-type'],
    ['JSON in another charset', asJson, 'application/json; charset=latin1', 'unknown-content-type'],
    ['two content types that disagree', asJson, 'application/json, application/protobuf', 'unknown-content-type'],
    ['JSON that says it is Protobuf', asJson, CONTENT_TYPES.protobuf, 'invalid-protobuf'],
    ['JSON that says it is MessagePack', asJson, CONTENT_TYPES.msgpack, 'invalid-msgpack'],
    ['MessagePack that says it is JSON', asMsgpack, CONTENT_TYPES.json, 'invalid-json'],
    ['MessagePack without a content-type', asMsgpack, undefined, 'invalid-json'],
    ['MessagePack that says it is Protobuf', asMsgpack, CONTENT_TYPES.protobuf, 'invalid-protobuf'],
    ['Protobuf that says it is JSON', asProtobuf, CONTENT_TYPES.json, 'invalid-json'],
    ['Protobuf that says it is MessagePack', asProtobuf, CONTENT_TYPES.msgpack, 'invalid-msgpack'],
    ['a MessagePack tombstone', null, CONTENT_TYPES.msgpack, 'invalid-msgpack'],
    ['a Protobuf tombstone', null, CONTENT_TYPES.protobuf, 'invalid-protobuf'],
    ['an empty Protobuf value (every field absent)', Buffer.alloc(0), CONTENT_TYPES.protobuf, 'invalid-envelope'],
    [
      'MessagePack with bytes after the value',
      Buffer.concat([asMsgpack, Buffer.from([0xc0])]),
      CONTENT_TYPES.msgpack,
      'invalid-msgpack',
    ],
    ['MessagePack holding an array', Buffer.from(msgpackEncode([1, 2])), CONTENT_TYPES.msgpack, 'invalid-envelope'],
    [
      'MessagePack holding a timestamp where a string belongs',
      Buffer.from(msgpackEncode({ ...envelope, occurredAt: new Date() })),
      CONTENT_TYPES.msgpack,
      'invalid-envelope',
    ],
  ])('dead-letters %s as poison', (_name, value, contentType, reason) => {
    expect(reasonOf(value, contentType)).toBe(reason);
  });

  describe('Protobuf values that are not what protobufjs would write', () => {
    // Field 99 (varint): unknown to jeeves.v1.Envelope.
    const unknownField = Buffer.from([0x98, 0x06, 0x01]);

    it('refuses unknown fields, which protobufjs would skip silently (zod objects are strict)', () => {
      expect(reasonOf(Buffer.concat([asProtobuf, unknownField]), CONTENT_TYPES.protobuf)).toBe('invalid-protobuf');
    });

    it('refuses a field given twice (the last would win silently)', () => {
      const type = envelopeProtoType();
      const idAgain = Buffer.from(type.encode({ id: 'other' }).finish());
      expect(reasonOf(Buffer.concat([asProtobuf, idAgain]), CONTENT_TYPES.protobuf)).toBe('invalid-protobuf');
    });

    it('refuses invalid UTF-8 in a string (it would read back as U+FFFD)', () => {
      const type = envelopeProtoType();
      const bytes = Buffer.from(type.encode({ ...envelope, data: undefined, correlationId: 'ab' }).finish());
      const at = bytes.indexOf(Buffer.from('ab'));
      bytes[at] = 0xc3;
      bytes[at + 1] = 0x28;
      expect(reasonOf(bytes, CONTENT_TYPES.protobuf)).toBe('invalid-protobuf');
    });

    it('refuses bytes that are not a message at all', () => {
      expect(reasonOf(Buffer.from([0xff, 0xff, 0xff]), CONTENT_TYPES.protobuf)).toBe('invalid-protobuf');
    });
  });

  describe('MessagePack strings that are not UTF-8', () => {
    // A fixstr of `length` bytes, as a producer that does not check its strings might write it.
    const fixstr = (bytes: number[]): Buffer => Buffer.from([0xa0 | bytes.length, ...bytes]);
    /** `envelope` as MessagePack with `correlationId`'s value (the string "c1") replaced by `raw`. */
    function withCorrelationId(raw: Buffer): Buffer {
      const bytes = encodeEnvelope(envelope, 'msgpack');
      const at = bytes.indexOf(Buffer.from([0xa2, 0x63, 0x31]));
      return Buffer.concat([bytes.subarray(0, at), raw, bytes.subarray(at + 3)]);
    }

    it.each([
      ['a byte that is never UTF-8 (0xff, not "ÿ")', [0x63, 0xff]],
      ['an overlong "1" (0xc0 0xb1)', [0x63, 0xc0, 0xb1]],
      ['a surrogate encoded as UTF-8 (CESU-8)', [0x63, 0xed, 0xa0, 0x80]],
      ['a sequence cut short', [0x63, 0xe2, 0x82]],
    ])('refuses %s in a string value, as Protobuf does, instead of reading other text', (_name, bytes) => {
      expect(reasonOf(withCorrelationId(fixstr(bytes)), CONTENT_TYPES.msgpack)).toBe('invalid-msgpack');
    });

    it('refuses a map key that is not UTF-8 (an overlong "i" would read as "id")', () => {
      const bytes = encodeEnvelope(envelope, 'msgpack');
      const at = bytes.indexOf(Buffer.from([0xa2, 0x69, 0x64]));
      const overlong = Buffer.concat([bytes.subarray(0, at), fixstr([0xc1, 0xa9, 0x64]), bytes.subarray(at + 3)]);
      expect(reasonOf(overlong, CONTENT_TYPES.msgpack)).toBe('invalid-msgpack');
    });

    it('refuses a long string that is not UTF-8 (decoded another way than short ones)', () => {
      const long = Buffer.concat([Buffer.from([0xd9, 250]), Buffer.alloc(249, 0x63), Buffer.from([0xff])]);
      expect(() => decodeValue(long, 'msgpack')).toThrow(expect.objectContaining({ reason: 'invalid-msgpack' }));
    });

    it('reads back whatever @msgpack/msgpack writes: every type of header is walked right', () => {
      // Every MessagePack type: ints and floats of each width, nil, booleans, str/bin/ext of each
      // length class, arrays and maps of each size class (16 = the first 16-bit size), nested.
      const leaf = fc.oneof(
        fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
        fc.maxSafeInteger(),
        fc.double(),
        fc.constantFrom(null, true, false),
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.date({ noInvalidDate: true }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
      );
      const tree = fc.letrec((tie) => ({
        node: fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          leaf,
          fc.array(tie('node'), { maxLength: 20 }),
          fc.dictionary(
            fc.string({ unit: 'grapheme', maxLength: 40 }).filter((key) => key !== '__proto__'),
            tie('node'),
            { maxKeys: 20 },
          ),
        ),
      })).node;
      const encoder = new Encoder({ useBigInt64: true });
      const readsBack = (value: unknown): void => {
        const bytes = Buffer.from(encoder.encode(value));
        expect(decodeValue(bytes, 'msgpack')).toEqual(new Decoder().decode(bytes));
      };
      fc.assert(fc.property(tree, readsBack), { numRuns: 100 });
      // The 32-bit size classes and the timestamp's three widths (fixext 4, fixext 8, ext 8).
      const big = 65_600;
      for (const value of [
        [Array.from({ length: big }, () => 1), 'é'.repeat(big), new Uint8Array(big)],
        Object.fromEntries(Array.from({ length: big }, (_, i) => [`k${i}`, i])),
        [new Date(1000), new Date(1500), new Date(-1), 'after'],
      ])
        expect(() => decodeValue(Buffer.from(encoder.encode(value)), 'msgpack')).not.toThrow();
    });

    it('still reads binary, timestamps and every kind of string length it is given (zod judges them)', () => {
      const text = 'ü'.repeat(40_000);
      const value = msgpackEncode({ ...envelope, correlationId: text, bin: new Uint8Array([0xff]), at: new Date(0) });
      expect(reasonOf(Buffer.from(value), CONTENT_TYPES.msgpack)).toBe('invalid-envelope');
      const ok = Buffer.from(msgpackEncode({ ...envelope, correlationId: 'ü'.repeat(60) }));
      expect(decodeEnvelope(ok, PAYLOAD_SCHEMAS, CONTENT_TYPES.msgpack).correlationId).toBe('ü'.repeat(60));
    });
  });
});
