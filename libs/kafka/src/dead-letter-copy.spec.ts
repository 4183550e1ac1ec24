import fc from 'fast-check';
import { DLQ_HEADERS, type HeaderBytes, headerEntries } from '#libs/contracts';
import {
  appendHeaders,
  KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  planDeadLetterCopy,
  type RawRecord,
  recordBatchSizeBytes,
  varintSizeBytes,
} from './dead-letter-copy';
import { fixKafkajsHeaders } from './kafkajs-header-fixes';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs internals, to measure what it really sends */
type Encoded = { buffer: Buffer };
fixKafkajsHeaders();
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: object) => Encoded;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (batch: { records: Encoded[] }) => Promise<Encoded>;
};
/* eslint-enable @typescript-eslint/no-require-imports */

async function kafkajsBatchBytes(record: RawRecord): Promise<number> {
  const batch = await RecordBatch({ records: [encodeRecord({ ...record, headers: { ...record.headers } })] });
  return batch.buffer.length;
}

const bytes = (length: number, fill = 0x61): Buffer => Buffer.alloc(length, fill);
const headerBytes = fc.oneof(
  fc.constant(null),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
);
const headersArb: fc.Arbitrary<HeaderBytes> = fc
  .array(
    fc.tuple(
      fc.string({ maxLength: 20, unit: fc.constantFrom('a', 'é', '€', '𝄞', '\uD800', '\uDC00') }),
      fc.oneof(headerBytes, fc.array(headerBytes, { minLength: 2, maxLength: 3 })),
    ),
    {
      maxLength: 5,
    },
  )
  .map((entries) => {
    const headers = Object.create(null) as HeaderBytes;
    for (const [name, value] of entries) headers[name] = value;
    return headers;
  });
const recordArb: fc.Arbitrary<RawRecord> = fc.record({
  key: fc.oneof(
    fc.constant(null),
    fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  ),
  value: fc.oneof(
    fc.constant(null),
    fc.uint8Array({ maxLength: 20_000 }).map((a) => Buffer.from(a)),
  ),
  headers: headersArb,
});

describe('dead-letter copy sizing', () => {
  it('sizes varints as Kafka does (zigzag, 7 bits a byte)', () => {
    expect([0, -1, 63, -64, 64, 8191, 8192, 1_048_576].map(varintSizeBytes)).toEqual([1, 1, 1, 1, 2, 2, 3, 4]);
  });

  it('measures a record batch exactly as kafkajs encodes it, nulls and repeated headers included', async () => {
    await fc.assert(
      fc.asyncProperty(recordArb, async (record) => {
        expect(recordBatchSizeBytes(record)).toBe(await kafkajsBatchBytes(record));
      }),
      { numRuns: 200 },
    );
  });

  it('copies a record that fits whole: same key, value and headers, ours appended after them', () => {
    const key = Buffer.from([0xff, 0xfe, 0x6b, 0x80]);
    const original = {
      key,
      value: bytes(10),
      headers: { a: [Buffer.from('1'), null], [DLQ_HEADERS.reason]: 'forged' },
    };
    const copy = planDeadLetterCopy(original, { [DLQ_HEADERS.reason]: 'invalid-json' }, { maxMessageBytes: 10_000 });
    expect(copy.kind).toBe('whole');
    expect(copy.record.key).toBe(key);
    expect(copy.record.value).toBe(original.value);
    expect(headerEntries(copy.record.headers)).toEqual([
      ['a', Buffer.from('1')],
      ['a', null],
      [DLQ_HEADERS.reason, Buffer.from('forged')],
      [DLQ_HEADERS.reason, Buffer.from('invalid-json')],
    ]);
    expect(copy.sizeBytes).toBe(recordBatchSizeBytes(copy.record));
  });

  it('cuts the value of a record just under the limit to the longest prefix that fits (issue 10, case 2)', () => {
    const limit = KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
    const key = Buffer.from('alice');
    const value = bytes(limit - 100, 0x7a);
    expect(recordBatchSizeBytes({ key, value, headers: {} })).toBeLessThanOrEqual(limit);
    const copy = planDeadLetterCopy(
      { key, value, headers: { h: Buffer.from('x') } },
      { [DLQ_HEADERS.reason]: 'invalid-json' },
      {
        maxMessageBytes: limit,
        headroomBytes: 1024,
      },
    );
    expect(copy.kind).toBe('value-truncated');
    expect(copy.sizeBytes).toBeLessThanOrEqual(limit - 1024);
    expect(copy.sizeBytes).toBeGreaterThan(limit - 1024 - 5);
    expect(value.subarray(0, copy.record.value!.length).equals(copy.record.value!)).toBe(true);
    expect(copy.record.key).toBe(key);
    expect(headerEntries(copy.record.headers)).toEqual(
      expect.arrayContaining([
        ['h', Buffer.from('x')],
        [DLQ_HEADERS.truncated, Buffer.from('value')],
        [DLQ_HEADERS.originalValueBytes, Buffer.from(String(value.length))],
        [
          DLQ_HEADERS.originalRecordBytes,
          Buffer.from(String(recordBatchSizeBytes({ key, value, headers: { h: Buffer.from('x') } }))),
        ],
      ]),
    );
  });

  it('falls back to a pointer when the original headers alone are too large, or when asked to', () => {
    const huge = { key: Buffer.from('k'), value: bytes(10), headers: { big: bytes(5000) } };
    const copy = planDeadLetterCopy(
      huge,
      { [DLQ_HEADERS.sourceOffset]: '7' },
      { maxMessageBytes: 4000, headroomBytes: 0 },
    );
    expect(copy.kind).toBe('pointer');
    expect(copy.record.value).toBeNull();
    expect(copy.record.key).toEqual(Buffer.from('k'));
    expect(Object.keys(copy.record.headers)).toEqual([
      DLQ_HEADERS.sourceOffset,
      DLQ_HEADERS.truncated,
      DLQ_HEADERS.originalValueBytes,
      DLQ_HEADERS.originalRecordBytes,
    ]);
    const forced = planDeadLetterCopy({ ...huge, headers: {} }, {}, { maxMessageBytes: 1e6, pointerOnly: true });
    expect(forced.kind).toBe('pointer');
    const hugeKey = planDeadLetterCopy(
      { key: bytes(5000), value: null, headers: {} },
      {},
      { maxMessageBytes: 4000, headroomBytes: 0 },
    );
    expect(hugeKey).toMatchObject({ kind: 'pointer', record: { key: null } });
  });

  it('always plans a copy within the budget, and never changes what it keeps', () => {
    fc.assert(
      fc.property(recordArb, fc.integer({ min: 400, max: 30_000 }), (record, maxMessageBytes) => {
        const copy = planDeadLetterCopy(
          record,
          { [DLQ_HEADERS.reason]: 'invalid-json' },
          { maxMessageBytes, headroomBytes: 0 },
        );
        expect(copy.sizeBytes).toBe(recordBatchSizeBytes(copy.record));
        expect(copy.sizeBytes).toBeLessThanOrEqual(maxMessageBytes);
        if (copy.kind !== 'pointer') {
          expect(copy.record.key).toBe(record.key);
          expect(headerEntries(copy.record.headers).slice(0, headerEntries(record.headers).length)).toEqual(
            headerEntries(record.headers),
          );
          const value = copy.record.value;
          if (copy.kind === 'whole') expect(value).toBe(record.value);
          else expect(record.value!.subarray(0, value!.length).equals(value!)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('appends to a name given twice without touching the original array', () => {
    const base = { a: [Buffer.from('1')] } as HeaderBytes;
    const merged = appendHeaders(base, { a: '2' });
    expect(merged['a']).toEqual([Buffer.from('1'), Buffer.from('2')]);
    expect(base['a']).toEqual([Buffer.from('1')]);
  });
});
