import { readFileSync } from 'node:fs';
import { percentile } from '../../load-tests/src';
import { renderTree, spanTree, type SpanNode, type StoredSpan } from '../otlp-sink';
import { fmtMs, table } from './support';

/** Topic names carry the run's prefix (`bench…g1.jeeves.replies.v1`); the breakdown groups by the contract name. */
const unprefixed = (name: string): string => name.replace(/\b[A-Za-z0-9_-]+\.(jeeves\.)/g, '$1');

/** Drops childless spans under 0.5 ms (Fastify's per-hook spans) so the slow trace stays readable. */
function prune(nodes: SpanNode[]): SpanNode[] {
  return nodes
    .map((n) => ({ span: { ...n.span, name: unprefixed(n.span.name) }, children: prune(n.children) }))
    .filter((n) => n.children.length > 0 || ms(n.span) >= 0.5);
}

const ms = (s: StoredSpan): number => Number(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1e6;

/**
 * Where the time of a request goes, from exported spans: self time (a span's duration less its
 * children's) summed per service · span name over every complete trace, the gaps no span covers
 * (queues between hops), and the tree of a slow trace (the p99 one).
 */
export function spanBreakdown(file: string): string {
  const spans = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as StoredSpan);
  const byTrace = new Map<string, StoredSpan[]>();
  for (const s of spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
  // Complete pipeline traces only: the ones that reached the data-service with a reply.
  const traces = [...byTrace.values()].filter(
    (t) =>
      t.some((s) => s.service === 'gateway') &&
      t.some((s) => s.service === 'worker' || s.service === 'bot') &&
      t.some((s) => s.service === 'data-service'),
  );
  if (traces.length === 0) return `No complete traces among ${spans.length} spans: was tracing on?`;
  const durationOf = (t: StoredSpan[]): number => {
    const start = t.reduce(
      (m, s) => (BigInt(s.startTimeUnixNano) < m ? BigInt(s.startTimeUnixNano) : m),
      BigInt(t[0].startTimeUnixNano),
    );
    const end = t.reduce(
      (m, s) => (BigInt(s.endTimeUnixNano) > m ? BigInt(s.endTimeUnixNano) : m),
      BigInt(t[0].endTimeUnixNano),
    );
    return Number(end - start) / 1e6;
  };
  const self = new Map<string, { total: number; count: number }>();
  let gaps = 0;
  let total = 0;
  for (const t of traces) {
    // A consumer span is the child of the producer span but runs after it: only the part of a child
    // inside its parent's interval is the parent's waiting time.
    const children = new Map<string, number>();
    const byId = new Map(t.map((s) => [s.spanId, s]));
    for (const s of t) {
      const parent = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
      if (!parent) continue;
      const from = Math.max(Number(BigInt(s.startTimeUnixNano)), Number(BigInt(parent.startTimeUnixNano)));
      const to = Math.min(Number(BigInt(s.endTimeUnixNano)), Number(BigInt(parent.endTimeUnixNano)));
      if (to > from) children.set(parent.spanId, (children.get(parent.spanId) ?? 0) + (to - from) / 1e6);
    }
    let selfSum = 0;
    for (const s of t) {
      const own = Math.max(0, ms(s) - (children.get(s.spanId) ?? 0));
      selfSum += own;
      const key = `${s.service} · ${unprefixed(s.name)}`;
      const entry = self.get(key) ?? { total: 0, count: 0 };
      entry.total += own;
      entry.count += 1;
      self.set(key, entry);
    }
    const d = durationOf(t);
    total += d;
    gaps += Math.max(0, d - selfSum);
  }
  const rows = [...self.entries()]
    .sort((a, b) => b[1].total - a[1].total)
    .slice(0, 12)
    .map(([key, e]) => [
      key,
      String(e.count),
      fmtMs(e.total / traces.length),
      `${((100 * e.total) / total).toFixed(1)} %`,
    ]);
  rows.push([
    '(gaps: time in no span — queues, polling, consumer fetch waits)',
    '',
    fmtMs(gaps / traces.length),
    `${((100 * gaps) / total).toFixed(1)} %`,
  ]);
  const sorted = [...traces].sort((a, b) => durationOf(a) - durationOf(b));
  const durations = sorted.map(durationOf);
  const slow = sorted[Math.min(sorted.length - 1, Math.floor(0.99 * (sorted.length - 1)))];
  return [
    `${traces.length} complete traces; trace duration p50 ${fmtMs(percentile(durations, 50))} ms, p99 ${fmtMs(percentile(durations, 99))} ms.`,
    '',
    table(['service · span (self time)', 'spans', 'mean ms per trace', 'share of trace time'], rows),
    '',
    `The p99 trace (${fmtMs(durationOf(slow))} ms; spans under 0.5 ms without children left out):`,
    '',
    '```',
    renderTree(prune(spanTree(slow))),
    '```',
  ].join('\n');
}
