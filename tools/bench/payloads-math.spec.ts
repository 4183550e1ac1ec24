import { CONTENT_TYPES, PAYLOAD_FORMATS, PAYLOAD_SCHEMAS } from '#libs/contracts';
import { decodeEnvelope, encodeEnvelope } from '#libs/kafka';
import { pipelineEnvelopes, publisherHeaders } from './payloads-codec';
import {
  formatSwitchConfirmed,
  type CodecSample,
  codecMicrosPerMessage,
  codecRows,
  microsPerRecord,
  ratioOf,
  recordHeaderBytes,
  roundOrder,
  varintBytes,
} from './payloads-math';

describe('microsPerRecord', () => {
  it('divides user + system µs by the records', () => {
    expect(microsPerRecord({ user: 1500, system: 500 }, 1000)).toBe(2);
  });
  it('refuses a count of no records', () => {
    expect(() => microsPerRecord({ user: 1, system: 0 }, 0)).toThrow(/records must be positive/);
  });
});

describe('roundOrder', () => {
  it('keeps the order in odd rounds and reverses it in even ones', () => {
    expect([1, 2, 3, 4].map((r) => roundOrder(['json', 'msgpack', 'protobuf'], r).join(' '))).toEqual([
      'json msgpack protobuf',
      'protobuf msgpack json',
      'json msgpack protobuf',
      'protobuf msgpack json',
    ]);
  });
  it('is 1-based', () => {
    expect(() => roundOrder(['a'], 0)).toThrow(/1-based/);
  });
});

describe('record header bytes (Kafka record format v2)', () => {
  it('sizes zigzag varints', () => {
    expect([0, 1, 63, 64, 8191, 8192, -1, -64, -65].map(varintBytes)).toEqual([1, 1, 1, 2, 2, 3, 1, 1, 2]);
  });
  it('counts the header count, and per header its lengths, key and value as UTF-8', () => {
    // count (1) + [len 12 (1) + "content-type" (12) + len 16 (1) + "application/json" (16)]
    expect(recordHeaderBytes({ 'content-type': 'application/json' })).toBe(31);
    // "°" is two bytes in UTF-8.
    expect(recordHeaderBytes({ t: '°' })).toBe(1 + 1 + 1 + 1 + 2);
    expect(recordHeaderBytes({})).toBe(1);
  });
});

describe('codecRows', () => {
  const sample = (format: string, round: number, encodeMicros: number, decodeMicros: number): CodecSample => ({
    format,
    eventType: 'reply: weather',
    round,
    valueBytes: format === 'json' ? 200 : 120,
    recordBytes: format === 'json' ? 300 : 220,
    encodeMicros,
    decodeMicros,
  });
  it('gives each format the median and spread over rounds, and ratios to the baseline median', () => {
    const rows = codecRows(
      [
        sample('json', 1, 2, 10),
        sample('json', 2, 4, 30),
        sample('json', 3, 3, 20),
        sample('protobuf', 1, 1, 5),
        sample('protobuf', 2, 2, 15),
        sample('protobuf', 3, 9, 10),
      ],
      ['json', 'protobuf'],
      'json',
    );
    expect(rows.map((r) => r.format)).toEqual(['json', 'protobuf']);
    expect(rows[0]).toMatchObject({ valueRatio: 1, encodeRatio: 1, decodeRatio: 1 });
    expect(rows[1]).toMatchObject({
      valueBytes: 120,
      valueRatio: 0.6,
      recordBytes: 220,
      encode: { median: 2, min: 1, max: 9, n: 3 },
      decode: { median: 10, min: 5, max: 15, n: 3 },
      encodeRatio: 2 / 3,
      decodeRatio: 0.5,
    });
    expect(rows[1].recordRatio).toBeCloseTo(220 / 300);
  });
  it('has no ratio without a baseline', () => {
    expect(ratioOf(5, undefined)).toBeNaN();
    expect(ratioOf(5, 0)).toBeNaN();
    expect(codecRows([sample('protobuf', 1, 1, 1)], ['json', 'protobuf'], 'json')[0].encodeRatio).toBeNaN();
  });
});

describe('codecMicrosPerMessage', () => {
  const row = (eventType: string, encode: number, decode: number) => ({
    format: 'json',
    eventType,
    valueBytes: 0,
    recordBytes: 0,
    valueRatio: 1,
    recordRatio: 1,
    encode: { median: encode, min: encode, max: encode, n: 1 },
    decode: { median: decode, min: decode, max: decode, n: 1 },
    encodeRatio: 1,
    decodeRatio: 1,
  });
  it('adds each record of a text, encoded once and decoded once per consumer, and averages the texts', () => {
    const rows = [row('a', 1, 10), row('r', 2, 20)];
    // Text 1: a (1 + 2 × 10) + r (2 + 1 × 20) = 43; text 2: a alone, read by two = 21.
    const records = [
      [
        { eventType: 'a', consumers: 2 },
        { eventType: 'r', consumers: 1 },
      ],
      [{ eventType: 'a', consumers: 2 }],
    ];
    expect(codecMicrosPerMessage(rows, 'json', records)).toBe(32);
    expect(codecMicrosPerMessage(rows, 'protobuf', records)).toBeNaN();
  });
});

describe('the bench fixtures', () => {
  it('are valid envelopes of every event type, given back exactly by every format', () => {
    const fixtures = pipelineEnvelopes();
    expect(new Set(fixtures.map((f) => f.envelope.type))).toEqual(new Set(Object.keys(PAYLOAD_SCHEMAS)));
    for (const format of PAYLOAD_FORMATS)
      for (const { envelope } of fixtures) {
        const value = encodeEnvelope(envelope, format);
        expect(decodeEnvelope(value, PAYLOAD_SCHEMAS, CONTENT_TYPES[format])).toEqual(envelope);
        expect(publisherHeaders(envelope, format)['content-type']).toBe(CONTENT_TYPES[format]);
      }
  });
});

describe('formatSwitchConfirmed', () => {
  const topics = ['jeeves.messages.v1', 'jeeves.replies.v1'];
  it('confirms when every topic has records and only of the one content-type', () => {
    const counts = { 'jeeves.messages.v1 application/protobuf': 40, 'jeeves.replies.v1 application/protobuf': 3 };
    expect(formatSwitchConfirmed(counts, topics, 'application/protobuf')).toEqual({ confirmed: true });
  });
  it('names a topic it read nothing from', () => {
    const counts = { 'jeeves.messages.v1 application/vnd.msgpack': 1320 };
    expect(formatSwitchConfirmed(counts, topics, 'application/vnd.msgpack')).toEqual({
      confirmed: false,
      reason: 'no records read from jeeves.replies.v1',
    });
  });
  it('names the other types a topic carries, an absent header among them', () => {
    const counts = {
      'jeeves.messages.v1 application/json': 5,
      'jeeves.replies.v1 application/json': 5,
      'jeeves.replies.v1 none': 1,
    };
    expect(formatSwitchConfirmed(counts, topics, 'application/json')).toEqual({
      confirmed: false,
      reason: 'jeeves.replies.v1 carries none besides application/json',
    });
  });
  it('does not take a topic whose name extends another for it', () => {
    const counts = { 'jeeves.messages.v1x application/json': 5, 'jeeves.replies.v1 application/json': 5 };
    expect(formatSwitchConfirmed(counts, topics, 'application/json')).toMatchObject({ confirmed: false });
  });
});
