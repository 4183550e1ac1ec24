import {
  copyHeaders,
  headerEntries,
  headerValues,
  lastHeaderText,
  type RecordHeaders,
  soleHeaderText,
} from './record-headers';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('record headers', () => {
  it('reads a header without a value as an absent one, whatever the reader (issue 10, case 1)', () => {
    const headers: RecordHeaders = { traceparent: null, empty: [null, null] };
    expect(headerValues(headers, 'traceparent')).toEqual([]);
    expect(lastHeaderText(headers, 'traceparent')).toBeUndefined();
    expect(soleHeaderText(headers, 'traceparent')).toBeUndefined();
    expect(lastHeaderText(headers, 'empty')).toBeUndefined();
  });

  it('reads Buffers, strings and repeated names; the last value wins, a sole one must be alone', () => {
    const headers: RecordHeaders = { a: bytes('x'), b: 'y', c: [bytes('first'), null, 'second'] };
    expect(lastHeaderText(headers, 'a')).toBe('x');
    expect(lastHeaderText(headers, 'b')).toBe('y');
    expect(lastHeaderText(headers, 'c')).toBe('second');
    expect(soleHeaderText(headers, 'a')).toBe('x');
    expect(soleHeaderText(headers, 'c')).toBeUndefined();
    expect(headerValues(headers, 'c')).toEqual([bytes('first'), bytes('second')]);
  });

  it('tolerates missing headers and names inherited from Object.prototype', () => {
    expect(headerEntries(null)).toEqual([]);
    expect(headerEntries(undefined)).toEqual([]);
    expect(lastHeaderText(undefined, 'a')).toBeUndefined();
    expect(lastHeaderText({}, 'constructor')).toBeUndefined();
    expect(lastHeaderText({}, 'toString')).toBeUndefined();
  });

  it('lists every value in record order, nulls and binary bytes included', () => {
    const binary = Buffer.from([0xff, 0xfe, 0x6b, 0x80]);
    expect(headerEntries({ a: [binary, null], b: 'z' })).toEqual([
      ['a', binary],
      ['a', null],
      ['b', bytes('z')],
    ]);
  });

  it('copies headers byte for byte, with the same Buffers, nulls and repeated names', () => {
    const binary = Buffer.from([0xff, 0xfe, 0x6b, 0x80]);
    const original: RecordHeaders = { a: binary, n: null, d: [bytes('1'), null, bytes('2')], s: 'text' };
    const copy = copyHeaders(original);
    expect(copy['a']).toBe(binary);
    expect(copy['n']).toBeNull();
    expect(copy['d']).toEqual([bytes('1'), null, bytes('2')]);
    expect(copy['s']).toEqual(bytes('text'));
    expect(Object.keys(copy)).toEqual(['a', 'n', 'd', 's']);
  });

  it('keeps a header named __proto__ as a header, not a prototype', () => {
    const original = JSON.parse('{"__proto__": "evil"}') as Record<string, string>;
    const copy = copyHeaders(original);
    expect(Object.keys(copy)).toEqual(['__proto__']);
    expect(copy['__proto__']).toEqual(bytes('evil'));
    expect(Object.getPrototypeOf(copy)).toBeNull();
  });
});
