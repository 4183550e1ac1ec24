import {
  ACCEPTED_CONTENT_TYPES,
  CONTENT_TYPE_HEADER,
  CONTENT_TYPES,
  contentTypeOf,
  PAYLOAD_FORMATS,
  payloadFormatOfContentType,
} from './payload-formats';

describe('payload formats and their content types', () => {
  it('writes the registered media type of each format, and reads it back', () => {
    expect(CONTENT_TYPES).toEqual({
      json: 'application/json',
      msgpack: 'application/vnd.msgpack',
      protobuf: 'application/protobuf',
    });
    for (const format of PAYLOAD_FORMATS) expect(payloadFormatOfContentType(CONTENT_TYPES[format])).toBe(format);
  });

  it.each(PAYLOAD_FORMATS.flatMap((format) => ACCEPTED_CONTENT_TYPES[format].map((type) => [type, format] as const)))(
    'reads %s as %s, in any case and with spaces',
    (type, format) => {
      expect(payloadFormatOfContentType(type)).toBe(format);
      expect(payloadFormatOfContentType(type.toUpperCase())).toBe(format);
      expect(payloadFormatOfContentType(`  ${type}  `)).toBe(format);
    },
  );

  it.each([
    ['application/json; charset=utf-8', 'json'],
    ['application/json;charset="UTF-8"', 'json'],
    ['Application/JSON ; Charset=utf8', 'json'],
    ['application/json; foo=bar', 'json'],
    ['application/json;', 'json'],
    ['application/protobuf; encoding=binary; version=1', 'protobuf'],
    ['application/x-protobuf; proto=jeeves.v1.Envelope', 'protobuf'],
    ['application/vnd.msgpack; charset=binary', 'msgpack'],
    // RFC 9110 §5.6.4: a quoted-string may hold `;`, `=` and `\"`; it is one parameter value.
    ['application/json; note="a;b=c"; charset=utf-8', 'json'],
    ['application/x-protobuf; proto="jeeves.v1;Envelope"', 'protobuf'],
    ['application/vnd.msgpack; note="say \\"hi;\\""', 'msgpack'],
  ])('reads the parameters of %s (%s)', (value, format) => {
    expect(payloadFormatOfContentType(value)).toBe(format);
  });

  it.each([
    ['an empty value', ''],
    ['another media type', 'text/plain'],
    ['a type without subtype', 'application'],
    ['a JSON-based type we do not read', 'application/protobuf+json'],
    ['JSON in another charset', 'application/json; charset=utf-16'],
    ['Protobuf in its JSON encoding', 'application/protobuf; encoding=json'],
    ['a Protobuf wire version that does not exist', 'application/protobuf; version=2'],
    ['a parameter without a value', 'application/json; charset'],
    ['an unterminated quoted value', 'application/json; charset="utf-8'],
    ['two media types', 'application/json, application/vnd.msgpack'],
    ['a refused charset after a quoted `;`', 'application/json; note="a;b"; charset=utf-16'],
    ['text after a quoted value', 'application/json; charset="utf-8"x'],
  ])('names no format for %s', (_name, value) => {
    expect(payloadFormatOfContentType(value)).toBeUndefined();
  });

  it('reads a huge header in one pass: long runs of spaces, quotes or escapes cost no backtracking', () => {
    const run = 500_000;
    expect(payloadFormatOfContentType(`application/json;${' '.repeat(run)}x`)).toBeUndefined();
    expect(payloadFormatOfContentType(`application/json; a${' '.repeat(run)}=b`)).toBe('json');
    expect(payloadFormatOfContentType(`application/json; a="${'\\;'.repeat(run)}"`)).toBe('json');
    expect(payloadFormatOfContentType(`application/json; a="${'\\;'.repeat(run)}`)).toBeUndefined();
    expect(payloadFormatOfContentType(`application/json; a=b${' '.repeat(run)}c`)).toBeUndefined();
  });

  describe('contentTypeOf', () => {
    it('is undefined without the header, or with a header that has no value (kcat -H content-type)', () => {
      expect(contentTypeOf(undefined)).toBeUndefined();
      expect(contentTypeOf({})).toBeUndefined();
      expect(contentTypeOf({ [CONTENT_TYPE_HEADER]: null })).toBeUndefined();
      expect(contentTypeOf({ [CONTENT_TYPE_HEADER]: [null, null] })).toBeUndefined();
    });

    it('reads bytes (kafkajs), text (Nest’s parser) and a value given once among nulls', () => {
      expect(contentTypeOf({ [CONTENT_TYPE_HEADER]: Buffer.from('application/vnd.msgpack') })).toBe(
        'application/vnd.msgpack',
      );
      expect(contentTypeOf({ [CONTENT_TYPE_HEADER]: Buffer.from('application/x-msgpack') })).toBe(
        'application/x-msgpack',
      );
      expect(contentTypeOf({ [CONTENT_TYPE_HEADER]: 'application/json' })).toBe('application/json');
      expect(contentTypeOf({ [CONTENT_TYPE_HEADER]: [null, Buffer.from('application/protobuf')] })).toBe(
        'application/protobuf',
      );
    });

    it('gives a repeated value once, and values that disagree joined (naming no format)', () => {
      const same = Buffer.from('application/json');
      expect(contentTypeOf({ [CONTENT_TYPE_HEADER]: [same, same] })).toBe('application/json');
      const mixed = contentTypeOf({
        [CONTENT_TYPE_HEADER]: [Buffer.from('application/json'), Buffer.from('application/protobuf')],
      });
      expect(mixed).toBe('application/json, application/protobuf');
      expect(payloadFormatOfContentType(mixed!)).toBeUndefined();
    });
  });
});
