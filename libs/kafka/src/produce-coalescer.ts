import { type Context, context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { IHeaders, Message, ProducerBatch, RecordMetadata } from 'kafkajs';
import { ENVELOPE_ID_HEADER, type HeaderBytes, lastHeaderText, type RecordHeaders } from '#libs/contracts';
import { restoreKeptPropagationHeaders } from '#libs/observability';
import { unsentMessages } from './sticky-partitioner';

/** The one producer call the coalescer makes: kafkajs `Producer.sendBatch`, or a fake in tests. */
export interface BatchSender {
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>;
}

/** A record as the publisher hands it over (see OutgoingRecord in publisher.ts). */
export interface CoalescedRecord {
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers?: IHeaders | HeaderBytes;
}

export interface ProduceCoalescerOptions {
  /**
   * How long a record may wait for others to share its Produce request, in milliseconds (Kafka's
   * `linger.ms`). 0: only the records enqueued in the same event-loop turn (flushed on setImmediate).
   */
  lingerMs: number;
  /** Most records in one request; a batch that reaches it is sent at once. */
  maxBatchRecords: number;
  /**
   * Most bytes (keys, values, header names and values, in UTF-8, the injected trace headers
   * included) in one request. Keep it well below the broker's `message.max.bytes` (1 MiB by
   * default), which bounds one partition's record batch: a batch over it fails as a whole. A record
   * larger than this is sent in a request of its own.
   */
  maxBatchBytes: number;
  /**
   * Requests in flight at once; 1 keeps every partition's records in enqueue order even when kafkajs
   * retries a request, and lets records pile up for the next request while one is on the wire.
   */
  maxInFlightRequests: number;
  /**
   * Most records waiting for a request (not yet in flight). A send that would go past it while
   * others wait is refused at once with ProducerQueueFullError — Kafka's `buffer.memory` with
   * `max.block.ms` 0 — so that a hung request (broker down) cannot pile up callers without bound,
   * each waiting for every request queued before its own. A send larger than it alone is taken
   * when nothing waits.
   */
  maxPendingRecords: number;
  /** Most bytes (as maxBatchBytes counts them) waiting for a request; past it, as maxPendingRecords. */
  maxPendingBytes: number;
  /** `acks` of every request (-1: all in-sync replicas, as the lab's producers use). */
  acks: number;
  /** Called with how many records a resolved `sendBatch` left out, before they are sent again (a metric). */
  onUnsent?: (records: number) => void;
}

/**
 * How many times the coalescer sends again the records a resolved `sendBatch` left out (see
 * `unsentMessages`); each resend is a new `sendBatch` with kafkajs's own retries.
 */
export const MAX_UNSENT_RESENDS = 3;

/**
 * Thrown to a caller whose records kafkajs reported written though no broker answered for their
 * partitions, and which were still left out after MAX_UNSENT_RESENDS resends (ADR 0041).
 */
export class UnsentRecordsError extends Error {
  readonly code = 'EUNSENTRECORDS';
  override readonly name = 'UnsentRecordsError';
}

/** Thrown to a caller whose record was enqueued after `close()`. */
export class ProducerClosedError extends Error {
  readonly code = 'EPRODUCERCLOSED';
  override readonly name = 'ProducerClosedError';
}

/**
 * Thrown to a caller whose records would go past the coalescer's pending bounds while requests hang
 * (the broker slow or down): nothing of the send was queued, so a retry cannot duplicate it.
 */
export class ProducerQueueFullError extends Error {
  readonly code = 'EPRODUCERQUEUEFULL';
  override readonly name = 'ProducerQueueFullError';
}

interface Entry {
  readonly topic: string;
  /** The records as sent: each with its own span's `traceparent`. */
  readonly messages: readonly Message[];
  /** One PRODUCER span per record, started when the caller enqueued it. */
  readonly spans: readonly Span[];
  readonly sizeBytes: number;
  resolve(): void;
  reject(error: unknown): void;
}

const tracer = trace.getTracer('@jeeves/kafka');

/**
 * A copy of a record's headers (the caller's object is not ours to change), keeping the symbol-keyed
 * marks on it, such as keepPropagationHeaders' snapshot (kafkajs's encoder never sends symbol keys).
 */
function copyOf(headers: IHeaders | HeaderBytes | undefined): IHeaders {
  const copy: IHeaders = { ...(headers as IHeaders | undefined) };
  if (headers)
    for (const symbol of Object.getOwnPropertySymbols(headers)) {
      const descriptor = Object.getOwnPropertyDescriptor(headers, symbol);
      if (descriptor) Object.defineProperty(copy, symbol, descriptor);
    }
  return copy;
}

/**
 * The `send <topic>` PRODUCER span the kafkajs instrumentation makes for a single send (same name and
 * messaging attributes), as a child of `parent`: the caller's span, not the flush's.
 */
function producerSpan(topic: string, record: CoalescedRecord, parent: Context): Span {
  return tracer.startSpan(
    `send ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.destination.name': topic,
        'messaging.operation.name': 'send',
        'messaging.operation.type': 'send',
        'messaging.kafka.message.key': record.key ? String(record.key) : undefined,
        'messaging.kafka.message.tombstone': record.key && record.value === null ? true : undefined,
      },
    },
    parent,
  );
}

function byteLength(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

function recordBytes(record: CoalescedRecord): number {
  let size = byteLength(record.key) + byteLength(record.value);
  if (record.headers)
    for (const [name, value] of Object.entries(record.headers)) {
      size += Buffer.byteLength(name);
      if (Array.isArray(value)) for (const item of value) size += byteLength(item as string | Buffer);
      else size += byteLength(value as string | Buffer | null | undefined);
    }
  return size;
}

/** Ends the spans of records that were not sent, with the error's type (OpenTelemetry `error.type`). */
function endWithError(spans: readonly Span[], error: unknown): void {
  const errorType = error instanceof Error ? error.constructor.name : '_OTHER';
  for (const span of spans) {
    span.setAttribute('error.type', errorType);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    span.end();
  }
}

/**
 * Combines concurrent sends into one kafkajs `sendBatch` (one Produce request) — kafkajs otherwise
 * sends one request per `send()`, and the per-request cost dominates a small record's (ADR 0007).
 * A caller's promise settles with its own request's result; records keep their enqueue order within
 * a request and, with one request in flight, across requests. Each record gets its own `send <topic>`
 * PRODUCER span, child of the span active when it was enqueued, and its `traceparent` header from
 * it — what the kafkajs instrumentation does for a single send, which it cannot do for a batch of
 * records from different requests (it would parent them all on whatever span flushes).
 */
export class ProduceCoalescer {
  private pending: Entry[] = [];
  private pendingRecords = 0;
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly producer: () => BatchSender | Promise<BatchSender>,
    private readonly options: ProduceCoalescerOptions,
  ) {}

  /** Enqueues `records` for `topic`; resolves once the broker acknowledged the request carrying them, rejects with its error. */
  send(topic: string, records: readonly CoalescedRecord[]): Promise<void> {
    if (this.closed)
      return Promise.reject(new ProducerClosedError('the Kafka producer is closed; nothing more is sent'));
    const caller = context.active();
    const spans: Span[] = [];
    const messages = records.map((record): Message => {
      const span = producerSpan(topic, record, caller);
      spans.push(span);
      const headers = copyOf(record.headers);
      propagation.inject(trace.setSpan(caller, span), headers);
      // What the instrumentation's producer hook does (libs/observability preload.ts): a dead-letter
      // copy gets the original's trace headers back, and the span names the envelope id.
      restoreKeptPropagationHeaders(headers);
      const id = lastHeaderText(headers as RecordHeaders, ENVELOPE_ID_HEADER);
      if (id !== undefined) span.setAttribute('messaging.message.id', id);
      return { key: record.key, value: record.value, headers };
    });
    // The records as sent: the injected trace headers count as much as the caller's.
    const sizeBytes = messages.reduce((sum, message) => sum + recordBytes(message as CoalescedRecord), 0);
    // Full by bytes: what waits goes first, so this entry starts the next request (alone if it is huge).
    if (this.pending.length > 0 && this.pendingBytes + sizeBytes > this.options.maxBatchBytes) this.flush();
    if (
      this.pending.length > 0 &&
      (this.pendingRecords + records.length > this.options.maxPendingRecords ||
        this.pendingBytes + sizeBytes > this.options.maxPendingBytes)
    ) {
      const error = new ProducerQueueFullError(
        `the Kafka producer has ${this.pendingRecords} records (${this.pendingBytes} bytes) waiting behind a request in flight; this send was not queued`,
      );
      endWithError(spans, error);
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ topic, messages, spans, sizeBytes, resolve, reject });
      this.pendingRecords += records.length;
      this.pendingBytes += sizeBytes;
      if (this.pendingRecords >= this.options.maxBatchRecords || this.pendingBytes >= this.options.maxBatchBytes)
        this.flush();
      else this.schedule();
    });
  }

  /** Sends what waits now and resolves when every request in flight has settled (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    while (this.inFlight.size > 0 || this.pending.length > 0) {
      await Promise.allSettled([...this.inFlight]);
      this.flush();
    }
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const fire = (): void => {
      this.timer = undefined;
      this.flush();
    };
    this.timer = this.options.lingerMs > 0 ? setTimeout(fire, this.options.lingerMs) : setImmediate(fire);
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    if (this.options.lingerMs > 0) clearTimeout(this.timer as NodeJS.Timeout);
    else clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  /** Starts a request with what waits, unless the in-flight limit is reached (then its end flushes). */
  private flush(): void {
    this.cancelTimer();
    while (this.pending.length > 0 && this.inFlight.size < this.options.maxInFlightRequests) {
      const batch = this.take();
      const request = this.sendRequest(batch).finally(() => {
        this.inFlight.delete(request);
        // What piled up meanwhile goes now: under load the next request is as full as it can be.
        if (this.pending.length > 0) this.flush();
      });
      this.inFlight.add(request);
    }
  }

  /** Takes the longest prefix of the waiting entries within the record and byte bounds (at least one). */
  private take(): Entry[] {
    let records = 0;
    let bytes = 0;
    let count = 0;
    for (const entry of this.pending) {
      if (
        count > 0 &&
        (records + entry.messages.length > this.options.maxBatchRecords ||
          bytes + entry.sizeBytes > this.options.maxBatchBytes)
      )
        break;
      records += entry.messages.length;
      bytes += entry.sizeBytes;
      count++;
    }
    const batch = this.pending.slice(0, count);
    this.pending = this.pending.slice(count);
    this.pendingRecords -= records;
    this.pendingBytes -= bytes;
    return batch;
  }

  private async sendRequest(batch: readonly Entry[]): Promise<void> {
    const topicMessages = new Map<string, Message[]>();
    for (const entry of batch) {
      const messages = topicMessages.get(entry.topic);
      if (messages) messages.push(...entry.messages);
      else topicMessages.set(entry.topic, [...entry.messages]);
    }
    const spans = batch.flatMap((entry) => entry.spans);
    let outcome: { unsent: readonly Message[]; error?: unknown };
    try {
      outcome = await this.sendChecked([...topicMessages].map(([topic, messages]) => ({ topic, messages })));
    } catch (error) {
      endWithError(spans, error);
      for (const entry of batch) entry.reject(error);
      return;
    }
    const { unsent } = outcome;
    const notWritten = new Set(unsent);
    for (const entry of batch) {
      if (entry.messages.some((message) => notWritten.has(message))) {
        // A resend that failed: its error. Else still left out after every resend.
        const error =
          'error' in outcome
            ? outcome.error
            : new UnsentRecordsError(
                `kafkajs reported ${entry.topic} written, but no broker answered for ${unsent.length} record(s) of its request after ${MAX_UNSENT_RESENDS} resends (their partitions' leader moved)`,
              );
        endWithError(entry.spans, error);
        entry.reject(error);
      } else {
        for (const span of entry.spans) span.end();
        entry.resolve();
      }
    }
  }

  /**
   * `sendBatch`, then again for the records its answer leaves out (kafkajs resolved without sending
   * them: see `unsentMessages`), at most MAX_UNSENT_RESENDS times; returns those still left out.
   * Throws what the first `sendBatch` throws. A resend that throws concerns only the records it
   * carried (the others were written): they are returned with its `error`. With acks 0 there is no
   * answer to check.
   */
  private async sendChecked(
    topicMessages: { topic: string; messages: Message[] }[],
  ): Promise<{ unsent: readonly Message[]; error?: unknown }> {
    const producer = await this.producer();
    let left = topicMessages;
    for (let resend = 0; ; resend++) {
      const batch = left;
      let written: RecordMetadata[];
      try {
        // Our spans stand for these records: the instrumentation's would be parented on the wrong span.
        written = await context.with(suppressTracing(context.active()), () =>
          producer.sendBatch({ topicMessages: batch, acks: this.options.acks }),
        );
      } catch (error) {
        if (resend === 0) throw error;
        return { unsent: batch.flatMap((t) => t.messages), error };
      }
      if (this.options.acks === 0) return { unsent: [] };
      left = unsentMessages(batch, written);
      if (left.length === 0) return { unsent: [] };
      const count = left.reduce((sum, t) => sum + t.messages.length, 0);
      if (resend === MAX_UNSENT_RESENDS) return { unsent: left.flatMap((t) => t.messages) };
      this.options.onUnsent?.(count);
    }
  }
}
