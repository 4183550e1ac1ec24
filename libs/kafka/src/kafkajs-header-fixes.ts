/*
 * Two kafkajs 2.2.4 bugs that change or refuse record headers, corrected where kafkajs loads its
 * record codec from. kafkajs is no longer released; each correction is the smallest that fixes
 * its bug, and this file goes when kafkajs does. See docs/decisions/0006.
 *
 * 1. Encoding: a header whose value is null cannot be produced. The encoder measures every value
 *    with `Buffer.byteLength(value)` before it checks for null, so the send throws a TypeError
 *    (tulios/kafkajs#1789; the fix, #1786, is not merged). Kafka allows null header values (KIP-82),
 *    and a dead-letter copy must carry the original's headers unchanged.
 * 2. Decoding: headers are gathered with `obj[key] === undefined`, so a header named after an
 *    Object.prototype member (`constructor`, `toString`, `__proto__`) finds the inherited member and
 *    comes out as `[<that member>, value]`. Own properties only, defined (not assigned), fix it.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs internals have no typed entry point */
import { Module } from 'node:module';

interface KafkajsEncoder {
  writeVarInt(value: number): KafkajsEncoder;
  writeInt8(value: number): KafkajsEncoder;
  writeVarLong(value: unknown): KafkajsEncoder;
  writeVarIntBytes(value: unknown): KafkajsEncoder;
  writeVarIntArray(values: readonly unknown[]): KafkajsEncoder;
}

interface KafkajsEncoderClass {
  new (): KafkajsEncoder;
  sizeOfVarInt(value: number): number;
  sizeOfVarLong(value: unknown): number;
  sizeOfVarIntBytes(value: unknown): number;
}

interface LongValue {
  add(other: unknown): LongValue;
  toString(): string;
}

interface KafkajsDecoder {
  readInt8(): number;
  readVarLong(): unknown;
  readVarInt(): number;
  readVarIntBytes(): Buffer | null;
  readVarIntArray<T>(decode: (decoder: KafkajsDecoder) => T): T[];
}

interface BatchContext {
  firstOffset?: unknown;
  firstTimestamp?: unknown;
  magicByte?: number;
  isControlBatch?: boolean;
  timestampType?: number;
  maxTimestamp?: unknown;
}

type HeaderEncoder = (header: { key: string; value: unknown }) => KafkajsEncoder;
type HeaderDecoder = (decoder: KafkajsDecoder) => { key: string; value: Buffer | null };

interface RecordInput {
  offsetDelta?: number;
  timestampDelta?: unknown;
  key: unknown;
  value: unknown;
  headers?: Record<string, unknown>;
}

const KAFKAJS = 'kafkajs/src/protocol';
const RECORD_ENCODER = `${KAFKAJS}/recordBatch/record/v0`;
const RECORD_DECODER = `${KAFKAJS}/recordBatch/record/v0/decoder`;
/** The modules that capture the codec when they load: the produce request (v4–v7 reuse v3's) and the batch decoder. */
const ENCODER_USER = `${KAFKAJS}/requests/produce/v3/request`;
const DECODER_USER = `${KAFKAJS}/recordBatch/v0/decoder`;

const Encoder = require(`${KAFKAJS}/encoder`) as KafkajsEncoderClass;
const Long = require('kafkajs/src/utils/long') as { fromValue(value: unknown): LongValue };
const TimestampTypes = require(`${KAFKAJS}/timestampTypes`) as { LOG_APPEND_TIME: number };
const encodeHeader = require(`${KAFKAJS}/recordBatch/header/v0`) as HeaderEncoder;
const decodeHeader = require(`${KAFKAJS}/recordBatch/header/v0/decoder`) as HeaderDecoder;

/** kafkajs's record v0 encoder, with a null header value sized as the -1 it is written as. */
function encodeRecord({ offsetDelta = 0, timestampDelta = 0, key, value, headers = {} }: RecordInput): KafkajsEncoder {
  const headerList = Object.keys(headers).flatMap((name) => {
    const values = headers[name];
    // An undefined value is no header (kafkajs's IHeaders type allows it; kafkajs#1500).
    return (Array.isArray(values) ? (values as unknown[]) : [values])
      .filter((one) => one !== undefined)
      .map((one) => ({ key: name, value: one }));
  });
  let headersSize = Encoder.sizeOfVarInt(headerList.length);
  for (const header of headerList) {
    const nameSize = Buffer.byteLength(header.key);
    headersSize += Encoder.sizeOfVarInt(nameSize) + nameSize + Encoder.sizeOfVarIntBytes(header.value);
  }
  const bodySize =
    1 +
    Encoder.sizeOfVarLong(timestampDelta) +
    Encoder.sizeOfVarInt(offsetDelta) +
    Encoder.sizeOfVarIntBytes(key) +
    Encoder.sizeOfVarIntBytes(value) +
    headersSize;
  return new Encoder()
    .writeVarInt(bodySize)
    .writeInt8(0)
    .writeVarLong(timestampDelta)
    .writeVarInt(offsetDelta)
    .writeVarIntBytes(key)
    .writeVarIntBytes(value)
    .writeVarIntArray(headerList.map(encodeHeader));
}

/** kafkajs's record v0 decoder, gathering headers as own properties (a repeated name becomes an array). */
function decodeRecord(decoder: KafkajsDecoder, batchContext: BatchContext = {}) {
  const { firstOffset, firstTimestamp, magicByte, isControlBatch = false, timestampType, maxTimestamp } = batchContext;
  const attributes = decoder.readInt8();
  const timestampDelta = decoder.readVarLong();
  const timestamp =
    timestampType === TimestampTypes.LOG_APPEND_TIME && maxTimestamp
      ? maxTimestamp
      : Long.fromValue(firstTimestamp).add(timestampDelta).toString();
  const offset = Long.fromValue(firstOffset).add(decoder.readVarInt()).toString();
  const key = decoder.readVarIntBytes();
  const value = decoder.readVarIntBytes();
  const headers: Record<string, Buffer | null | (Buffer | null)[]> = {};
  for (const header of decoder.readVarIntArray(decodeHeader)) {
    const previous = Object.hasOwn(headers, header.key) ? headers[header.key] : undefined;
    const next =
      previous === undefined ? header.value : [...(Array.isArray(previous) ? previous : [previous]), header.value];
    Object.defineProperty(headers, header.key, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return {
    magicByte,
    attributes,
    timestamp,
    offset,
    key,
    value,
    headers,
    isControlRecord: isControlBatch,
    batchContext,
  };
}

/**
 * Puts `replacement` where kafkajs loads `path` from. Under Node it is registered in the require
 * cache without loading kafkajs's own module at all: a require hook (OpenTelemetry's) keeps its own
 * copy of the exports of every module of a package it instruments once it has seen it load, and
 * would hand kafkajs's original to the produce request whatever the cache said. Under a test
 * runner with its own module registry (jest, whose `require.cache` takes no new entries), the
 * module is loaded and its exports replaced. Either way it is checked.
 */
function replace(path: string, user: string, replacement: unknown): void {
  const resolved = require.resolve(path);
  if (require.cache[resolved]?.exports === replacement) return;
  if (require.cache[require.resolve(user)])
    throw new Error(
      `kafkajs loaded ${user} before fixKafkajsHeaders() ran: call it (or construct KafkaConnection) before the first send or fetch`,
    );
  if (!require.cache[resolved]) {
    const module = new Module(resolved);
    module.filename = resolved;
    module.loaded = true;
    module.exports = replacement;
    require.cache[resolved] = module;
  }
  // eslint-disable-next-line security/detect-non-literal-require -- `path` is one of the two kafkajs module constants below
  if (!require.cache[resolved]) require(path);
  const entry = require.cache[resolved];
  if (!entry) throw new Error(`kafkajs module not found at ${resolved}`);
  entry.exports = replacement;
  // eslint-disable-next-line security/detect-non-literal-require -- the same kafkajs module constant
  if (require(path) !== replacement)
    throw new Error(`could not replace kafkajs's ${path}: something loaded it before fixKafkajsHeaders() ran`);
}

/**
 * Installs both corrections (idempotent). Call it before the process's first produce and first
 * fetch: kafkajs loads the modules that capture its record codec on first use. Throws when that has
 * already happened with kafkajs's own codec.
 */
export function fixKafkajsHeaders(): void {
  replace(RECORD_ENCODER, ENCODER_USER, encodeRecord);
  replace(RECORD_DECODER, DECODER_USER, decodeRecord);
}
