import { fixKafkajsHeaders } from './kafkajs-header-fixes';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs internals: the codec the fixes replace */
type Encoded = { buffer: Buffer };
type RecordEncoder = (record: object) => Encoded;
type RecordDecoder = (
  decoder: unknown,
  context: object,
) => { key: Buffer | null; value: Buffer | null; headers: Record<string, unknown> };
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => { readVarIntBytes(): Buffer };
const ENCODER = 'kafkajs/src/protocol/recordBatch/record/v0';
const DECODER = 'kafkajs/src/protocol/recordBatch/record/v0/decoder';
const shipped = <T>(path: string): T => {
  let module: T | undefined;
  // A fresh registry: kafkajs as shipped, before any fix.
  // eslint-disable-next-line security/detect-non-literal-require -- the spec's own kafkajs module constants
  jest.isolateModules(() => (module = require(path) as T));
  return module!;
};
/* eslint-enable @typescript-eslint/no-require-imports */

function roundTrip(encode: RecordEncoder, decode: RecordDecoder, record: object) {
  const decoder = new Decoder(encode(record).buffer);
  return decode(new Decoder(decoder.readVarIntBytes()), { firstOffset: '0', firstTimestamp: '0' });
}

describe('kafkajs header fixes', () => {
  const binary = Buffer.from([0x80]);
  const record = {
    key: Buffer.from([0xff, 0xfe, 0x6b, 0x80]),
    value: Buffer.from('v'),
    headers: { traceparent: null, dup: [Buffer.from('1'), null, binary], gone: undefined },
  };
  const prototypeNames = { key: null, value: null, headers: { constructor: binary, toString: Buffer.from('t') } };

  it("kafkajs as shipped cannot encode a null header value, and mangles a header named 'constructor'", () => {
    // Both still broken upstream (tulios/kafkajs#1789): the fixes are still needed.
    expect(() => shipped<RecordEncoder>(ENCODER)(record)).toThrow(/must be of type string/);
    const withoutNull = { ...record, headers: prototypeNames.headers };
    const decoded = roundTrip(shipped<RecordEncoder>(ENCODER), shipped<RecordDecoder>(DECODER), withoutNull);
    expect(decoded.headers.constructor).not.toEqual(binary);
  });

  it('round-trips null, repeated and prototype-named headers byte for byte once fixed', () => {
    fixKafkajsHeaders();
    fixKafkajsHeaders();
    /* eslint-disable @typescript-eslint/no-require-imports */
    const encode = require(ENCODER) as RecordEncoder;
    const decode = require(DECODER) as RecordDecoder;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const decoded = roundTrip(encode, decode, record);
    expect(decoded.key).toEqual(record.key);
    expect(decoded.value).toEqual(record.value);
    expect(decoded.headers).toEqual({ traceparent: null, dup: [Buffer.from('1'), null, binary] });

    const named = roundTrip(encode, decode, prototypeNames).headers;
    expect(Object.keys(named)).toEqual(['constructor', 'toString']);
    expect(named.constructor).toEqual(binary);
    const proto = roundTrip(encode, decode, { key: null, value: null, headers: JSON.parse('{"__proto__": "p"}') });
    expect(Object.keys(proto.headers)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(proto.headers, '__proto__')?.value).toEqual(Buffer.from('p'));
  });
});
