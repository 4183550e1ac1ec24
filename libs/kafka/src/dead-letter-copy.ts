import { copyHeaders, DLQ_HEADERS, type HeaderBytes, type RecordHeaders } from '#libs/contracts';

/**
 * Kafka's default `max.message.bytes` (broker `message.max.bytes`): 1 MiB plus the 12-byte log
 * overhead. The largest record batch a topic accepts unless configured otherwise.
 */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** A v2 record batch's header, log overhead included (Kafka's `DefaultRecordBatch.RECORD_BATCH_OVERHEAD`). */
export const RECORD_BATCH_OVERHEAD_BYTES = 61;

/**
 * Room left under the limit for what may be added on the way out that we do not control (a tracing
 * hook's `traceparent`/`tracestate`): far more than those need, a thousandth of the default limit.
 */
export const DEAD_LETTER_HEADROOM_BYTES = 1024;

/** A record as bytes: what is consumed, and what a dead-letter copy sends. */
export interface RawRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: HeaderBytes;
}

/**
 * `whole`: the original key, value and headers, plus ours. `value-truncated`: the value cut to a
 * prefix of the original's, key and headers whole. `pointer`: no value, no original headers (the
 * key when it fits): where the original is (topic, partition, offset), its sizes, and why.
 */
export type DeadLetterCopyKind = 'whole' | 'value-truncated' | 'pointer';

export interface DeadLetterCopy {
  kind: DeadLetterCopyKind;
  record: RawRecord;
  /** The copy's record batch size in bytes, as the broker will measure it (without headroom). */
  sizeBytes: number;
}

/** Size in bytes of `value` as a Kafka varint (zigzag-encoded, 7 bits a byte); -1 (null) is 1 byte. */
export function varintSizeBytes(value: number): number {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (zigzag >= 128) {
    zigzag = Math.floor(zigzag / 128);
    size++;
  }
  return size;
}

function bytesFieldSize(bytes: Buffer | null): number {
  return bytes === null ? varintSizeBytes(-1) : varintSizeBytes(bytes.length) + bytes.length;
}

/**
 * The size in bytes of a batch holding this one uncompressed record, as the broker compares it with
 * `max.message.bytes` (Kafka record format v2: 61-byte batch header, then the record with its
 * varint length; timestamp and offset deltas are 0, one byte each).
 */
export function recordBatchSizeBytes(record: RawRecord): number {
  let headerCount = 0;
  let headersSize = 0;
  for (const name of Object.keys(record.headers)) {
    const value = record.headers[name]!;
    const nameSize = Buffer.byteLength(name, 'utf8');
    for (const one of Array.isArray(value) ? value : [value]) {
      headerCount++;
      headersSize += varintSizeBytes(nameSize) + nameSize + bytesFieldSize(one);
    }
  }
  const body =
    1 + // attributes
    1 + // timestamp delta 0
    1 + // offset delta 0
    bytesFieldSize(record.key) +
    bytesFieldSize(record.value) +
    varintSizeBytes(headerCount) +
    headersSize;
  return RECORD_BATCH_OVERHEAD_BYTES + varintSizeBytes(body) + body;
}

/** `base` with `extra` appended: a name already present keeps its values and gets ours after them. */
export function appendHeaders(base: HeaderBytes, extra: Readonly<Record<string, string>>): HeaderBytes {
  const merged = Object.create(null) as HeaderBytes;
  for (const name of Object.keys(base)) {
    const value = base[name]!;
    merged[name] = Array.isArray(value) ? [...value] : value;
  }
  for (const [name, text] of Object.entries(extra)) {
    const bytes = Buffer.from(text, 'utf8');
    const existing = merged[name];
    if (existing === undefined) merged[name] = bytes;
    else merged[name] = [...(Array.isArray(existing) ? existing : [existing]), bytes];
  }
  return merged;
}

export interface DeadLetterCopyOptions {
  /** The DLQ topic's `max.message.bytes`. */
  maxMessageBytes: number;
  headroomBytes?: number;
  /** Plan the pointer whatever the sizes (the broker refused a larger copy as too large). */
  pointerOnly?: boolean;
}

/**
 * Plans the dead-letter copy of `original`: the whole record plus our `provenance` headers when it
 * fits under `maxMessageBytes` (less headroom); else the same with the value cut to the longest
 * prefix that fits; else a pointer. Never throws; a pointer that still does not fit is returned as
 * it is and the broker refuses it (the caller's give-up path).
 */
export function planDeadLetterCopy(
  original: { key: Buffer | null; value: Buffer | null; headers: RecordHeaders | null | undefined },
  provenance: Readonly<Record<string, string>>,
  options: DeadLetterCopyOptions,
): DeadLetterCopy {
  const budget = options.maxMessageBytes - (options.headroomBytes ?? DEAD_LETTER_HEADROOM_BYTES);
  const headers = copyHeaders(original.headers);
  const originalRecordBytes = recordBatchSizeBytes({ key: original.key, value: original.value, headers });
  const sizes = {
    [DLQ_HEADERS.originalValueBytes]: String(original.value?.length ?? 0),
    [DLQ_HEADERS.originalRecordBytes]: String(originalRecordBytes),
  };

  if (!options.pointerOnly) {
    const whole: RawRecord = { key: original.key, value: original.value, headers: appendHeaders(headers, provenance) };
    const wholeSize = recordBatchSizeBytes(whole);
    if (wholeSize <= budget) return { kind: 'whole', record: whole, sizeBytes: wholeSize };

    if (original.value !== null) {
      const cut: RawRecord = {
        key: original.key,
        value: Buffer.alloc(0),
        headers: appendHeaders(headers, { ...provenance, [DLQ_HEADERS.truncated]: 'value', ...sizes }),
      };
      // Start from the room left with an empty value; the value's and the record's varint lengths
      // grow with the prefix, so step down (a few bytes at most) until it fits.
      let length = Math.min(original.value.length - 1, budget - recordBatchSizeBytes(cut));
      for (; length > 0; length--) {
        cut.value = original.value.subarray(0, length);
        const size = recordBatchSizeBytes(cut);
        if (size <= budget) return { kind: 'value-truncated', record: cut, sizeBytes: size };
      }
    }
  }

  const pointerHeaders = appendHeaders(Object.create(null) as HeaderBytes, {
    ...provenance,
    [DLQ_HEADERS.truncated]: 'record',
    ...sizes,
  });
  const keyed: RawRecord = { key: original.key, value: null, headers: pointerHeaders };
  const keyedSize = recordBatchSizeBytes(keyed);
  if (keyedSize <= budget) return { kind: 'pointer', record: keyed, sizeBytes: keyedSize };
  const unkeyed: RawRecord = { key: null, value: null, headers: pointerHeaders };
  return { kind: 'pointer', record: unkeyed, sizeBytes: recordBatchSizeBytes(unkeyed) };
}
