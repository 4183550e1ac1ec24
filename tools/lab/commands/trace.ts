import { renderTree, spanTree, type StoredSpan } from '../../otlp-sink';
import { booleanFlag, type LabCommand, UsageError } from '../command';
import {
  describeInstance,
  openLab,
  requireRunning,
  runningZipkin,
  zipkinTraceUrl,
  readTraceSpans,
  tracePaths,
} from '..';

const TRACE_ID = /^[0-9a-f]{32}$/;

/** A message id is looked up in data-service (the store keeps each message's trace id). */
async function traceIdOf(id: string, dataServiceUrl: string): Promise<string> {
  const response = await fetch(`${dataServiceUrl}/v1/messages/${encodeURIComponent(id)}`, {
    signal: AbortSignal.timeout(5000),
  });
  if (response.status === 404) throw new Error(`data-service knows no message ${id}`);
  if (!response.ok) throw new Error(`data-service answered ${response.status} for message ${id}`);
  const view = (await response.json()) as { traceId?: string | null };
  if (!view.traceId) throw new Error(`message ${id} has no trace id (was the lab started with tracing off?)`);
  return view.traceId;
}

export const command: LabCommand = {
  name: 'trace',
  usage: '<messageId|traceId> [--json]',
  summary: "print a message's trace as a span tree, from the lab's own trace sink, and its Zipkin link",
  flags: { json: booleanFlag('the spans as JSON instead of a tree') },
  async run({ positional, flags }, io) {
    const [id] = positional;
    if (!id)
      throw new UsageError('Which message? e.g. `npm run lab -- trace 3f2c…` (a message id or a 32-hex trace id)');
    const config = openLab(io.env);
    // A trace id is read from the sink's file, up or down; a message id is looked up in data-service.
    if (!TRACE_ID.test(id)) await requireRunning(config, ['data-service']);
    const traceId = TRACE_ID.test(id) ? id : await traceIdOf(id, describeInstance(config, 'data-service').url);
    const zipkin = runningZipkin(config);
    const link = zipkin ? zipkinTraceUrl(zipkin.url, traceId) : undefined;
    const spans = readTraceSpans(tracePaths(config).spansFile, traceId)
      .map((line) => JSON.parse(line) as StoredSpan)
      .filter((span) => span.traceId === traceId);
    if (spans.length === 0) {
      throw new Error(
        `No spans of trace ${traceId} in ${tracePaths(config).spansFile}. Spans arrive within a second of the work; if the lab exports to your own collector, look there.${link ? ` Zipkin may have it: ${link}` : ''}`,
      );
    }
    if (flags.has('json')) {
      io.out(JSON.stringify(spans, null, 2));
      // stdout stays pure JSON; the link goes with the progress lines.
      if (link) io.log(`zipkin: ${link}`);
    } else
      io.out(
        `trace ${traceId} (${spans.length} spans)\n${renderTree(spanTree(spans))}${link ? `\nzipkin: ${link}` : ''}`,
      );
  },
};
