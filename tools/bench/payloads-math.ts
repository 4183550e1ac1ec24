/**
 * The payloads benchmark's arithmetic, as pure functions: CPU time per record from
 * `process.cpuUsage()` deltas, the order formats run in each round, a Kafka record's header bytes,
 * and the per-format summaries with their ratios to JSON. payloads-math.spec.ts checks them.
 */
import { spreadOf, type Spread } from './capacity-math';

/** `process.cpuUsage()` or a difference of two: user and system CPU time in microseconds. */
export interface CpuUsage {
  readonly user: number;
  readonly system: number;
}

/** CPU microseconds per record: (user + system) of a `process.cpuUsage(before)` delta ÷ the records done in it. */
export function microsPerRecord(delta: CpuUsage, records: number): number {
  if (!(records > 0)) throw new Error(`records must be positive, not ${records}`);
  return (delta.user + delta.system) / records;
}

/**
 * The order of `items` in round `round` (1-based): as given in odd rounds, reversed in even ones, so
 * what drifts within a round (a neighbour's burst, a warming JIT, a growing store) falls on every
 * format alike over two rounds.
 */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  if (!Number.isInteger(round) || round < 1) throw new Error(`round is 1-based, not ${round}`);
  return round % 2 === 1 ? [...items] : [...items].reverse();
}

/** Bytes of a zigzag varint (Kafka's record-level lengths are signed varints, as Protobuf's sint). */
export function varintBytes(n: number): number {
  if (!Number.isInteger(n)) throw new Error(`a varint holds an integer, not ${n}`);
  let zigzag = n >= 0 ? 2 * n : -2 * n - 1;
  let bytes = 1;
  while (zigzag >= 128) {
    zigzag = Math.floor(zigzag / 128);
    bytes++;
  }
  return bytes;
}

/**
 * Bytes a record's headers take in Kafka's record format v2 (KIP-82; the protocol guide's
 * "Record" layout): the header count, then per header its key length, key, value length and value
 * (lengths as varints, key and value as UTF-8).
 */
export function recordHeaderBytes(headers: Readonly<Record<string, string>>): number {
  const entries = Object.entries(headers);
  return entries.reduce((sum, [key, value]) => {
    const k = Buffer.byteLength(key, 'utf8');
    const v = Buffer.byteLength(value, 'utf8');
    return sum + varintBytes(k) + k + varintBytes(v) + v;
  }, varintBytes(entries.length));
}

/** One format's measurements of one fixture in one round. */
export interface CodecSample {
  readonly format: string;
  readonly eventType: string;
  readonly round: number;
  /** The encoded value's length. */
  readonly valueBytes: number;
  /** The value plus the record's headers as the publisher writes them (recordHeaderBytes). */
  readonly recordBytes: number;
  /** CPU µs to encode one envelope (encodeEnvelope). */
  readonly encodeMicros: number;
  /** CPU µs for a consumer to decode one value and validate it (decodeEnvelope: bytes → zod-checked envelope). */
  readonly decodeMicros: number;
}

/** A format's numbers for one event type over the rounds, each with its ratio to JSON's median. */
export interface CodecRow {
  readonly format: string;
  readonly eventType: string;
  readonly valueBytes: number;
  readonly recordBytes: number;
  readonly valueRatio: number;
  readonly recordRatio: number;
  readonly encode: Spread;
  readonly decode: Spread;
  readonly encodeRatio: number;
  readonly decodeRatio: number;
}

/**
 * Rows per event type and format (in `formats` order), over every round: bytes (the same each
 * round) and CPU as median with min–max, and each as a ratio to `baseline`'s median (value ÷ baseline;
 * NaN when the baseline has no samples).
 */
export function codecRows(samples: readonly CodecSample[], formats: readonly string[], baseline: string): CodecRow[] {
  const eventTypes = [...new Set(samples.map((s) => s.eventType))];
  const of = (format: string, eventType: string): CodecSample[] =>
    samples.filter((s) => s.format === format && s.eventType === eventType);
  return eventTypes.flatMap((eventType) => {
    const base = of(baseline, eventType);
    const baseEncode = spreadOf(base.map((s) => s.encodeMicros)).median;
    const baseDecode = spreadOf(base.map((s) => s.decodeMicros)).median;
    return formats.flatMap((format): CodecRow[] => {
      const xs = of(format, eventType);
      if (xs.length === 0) return [];
      const encode = spreadOf(xs.map((s) => s.encodeMicros));
      const decode = spreadOf(xs.map((s) => s.decodeMicros));
      return [
        {
          format,
          eventType,
          valueBytes: xs[0].valueBytes,
          recordBytes: xs[0].recordBytes,
          valueRatio: ratioOf(xs[0].valueBytes, base[0]?.valueBytes),
          recordRatio: ratioOf(xs[0].recordBytes, base[0]?.recordBytes),
          encode,
          decode,
          encodeRatio: ratioOf(encode.median, baseEncode),
          decodeRatio: ratioOf(decode.median, baseDecode),
        },
      ];
    });
  });
}

/** value ÷ baseline; NaN without a positive baseline. */
export function ratioOf(value: number, baseline: number | undefined): number {
  return baseline !== undefined && baseline > 0 ? value / baseline : NaN;
}

/**
 * What one message of the load's mixed texts costs in codec CPU, per format: every record the
 * pipeline writes for it encoded once and decoded (+ validated) once per consuming group —
 * `message.accepted` by the bot and data-service, `action.requested` by the worker and data-service,
 * `reply.produced` by data-service. `records` lists, per text, the fixture names of its records
 * with their consumer counts; the cost is averaged over the texts (µs, from each row's median).
 */
export function codecMicrosPerMessage(
  rows: readonly CodecRow[],
  format: string,
  records: ReadonlyArray<ReadonlyArray<{ readonly eventType: string; readonly consumers: number }>>,
): number {
  const row = (eventType: string): CodecRow | undefined =>
    rows.find((r) => r.format === format && r.eventType === eventType);
  const perText = records.map((rs) =>
    rs.reduce((sum, r) => {
      const x = row(r.eventType);
      return sum + (x ? x.encode.median + r.consumers * x.decode.median : NaN);
    }, 0),
  );
  return perText.length ? perText.reduce((a, b) => a + b, 0) / perText.length : NaN;
}

/**
 * Whether the records counted on the pipeline topics show every topic switched to one format:
 * `counts` is `"<topic> <content-type>" → records` (absent header: `none`, read as JSON, ADR 0090);
 * confirmed when each of `topics` has records and all of them carry `contentType`. The reason names
 * the first topic that has none, or the other types it carries.
 */
export function formatSwitchConfirmed(
  counts: Readonly<Record<string, number>>,
  topics: readonly string[],
  contentType: string,
): { confirmed: true } | { confirmed: false; reason: string } {
  for (const topic of topics) {
    const types = Object.entries(counts)
      .filter(([key, n]) => key.startsWith(`${topic} `) && n > 0)
      .map(([key]) => key.slice(topic.length + 1));
    if (types.length === 0) return { confirmed: false, reason: `no records read from ${topic}` };
    const others = types.filter((t) => t !== contentType);
    if (others.length > 0)
      return { confirmed: false, reason: `${topic} carries ${others.join(', ')} besides ${contentType}` };
  }
  return { confirmed: true };
}
