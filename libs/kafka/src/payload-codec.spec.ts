import { encode as msgpackEncode } from '@msgpack/msgpack';
import { CONTENT_TYPES, envelopeProtoType, EVENT_TYPES, makeEnvelope, PAYLOAD_SCHEMAS } from '#libs/contracts';
import { decodeEnvelope, encodeEnvelope } from './decode';
import { PoisonMessageError } from './errors';
import { payloadFormatOf } from './payload-codec';

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
});
