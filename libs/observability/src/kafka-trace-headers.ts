/**
 * The kafkajs instrumentation writes its own `traceparent` (and `tracestate`, `baggage`) into every
 * record it sends, over any the record carried. A dead-letter copy must carry the original's headers
 * unchanged, so the DLQ sender marks its headers with what they held, and the instrumentation's
 * producer hook (preload.ts), which runs after the injection, puts that back.
 */

/** The headers OpenTelemetry's default propagators (W3C Trace Context and Baggage) write. */
const PROPAGATION_HEADERS = ['traceparent', 'tracestate', 'baggage'] as const;

/** Where the snapshot rides: a symbol key, which kafkajs's encoder (Object.keys) never sends. */
const KEPT = Symbol.for('jeeves.kafka.kept-propagation-headers');

type Snapshot = ReadonlyArray<readonly [string, unknown]>;
type Marked = Record<string, unknown> & { [KEPT]?: Snapshot };

/**
 * Marks outgoing Kafka headers so the tracing hook leaves their propagation headers as they are now
 * (present with these values, or absent). Returns the same object.
 */
export function keepPropagationHeaders<T extends object>(headers: T): T {
  const marked = headers as unknown as Marked;
  const snapshot = PROPAGATION_HEADERS.map(
    (name) => [name, Object.hasOwn(marked, name) ? marked[name] : undefined] as const,
  );
  Object.defineProperty(marked, KEPT, { value: snapshot, enumerable: false, configurable: true });
  return headers;
}

/** Puts back what `keepPropagationHeaders` recorded, if it marked these headers; the tracing hook calls it. */
export function restoreKeptPropagationHeaders(headers: object | undefined): void {
  const marked = headers as Marked | undefined;
  const snapshot = marked?.[KEPT];
  if (!marked || !snapshot) return;
  for (const [name, value] of snapshot) {
    if (value === undefined) delete marked[name];
    else marked[name] = value;
  }
}
