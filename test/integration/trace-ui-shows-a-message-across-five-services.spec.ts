import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dumpUrlDom, screenshotUrl, visibleText } from '../../experiments/src';
import { REPO_ROOT, zipkinTraceUrl } from '../../tools/lab';
import type { StoredSpan } from '../../tools/otlp-sink';
import { postMessage, uniqueUser, waitForFinal } from './pipeline-helpers';
import { lab, waitFor } from './support/lab';

/**
 * The lab's trace UI: the test lab runs Zipkin beside its own trace sink and every app exports to
 * both. One message goes through the gateway; its trace is read back from Zipkin's HTTP API with
 * spans from the five services that handle a message, then its page is opened in headless
 * Chromium and kept as a screenshot under results/trace-ui/.
 */
const FIVE_SERVICES = ['gateway', 'bot', 'worker', 'provider', 'data-service'];

/** A span as Zipkin's v2 API returns it (only the fields read here). */
interface ZipkinSpan {
  readonly traceId: string;
  readonly id: string;
  readonly parentId?: string;
  readonly name?: string;
  readonly localEndpoint?: { readonly serviceName?: string };
}

async function zipkinTrace(zipkinUrl: string, traceId: string): Promise<ZipkinSpan[]> {
  const response = await fetch(`${zipkinUrl}/api/v2/trace/${traceId}`, { signal: AbortSignal.timeout(5000) });
  if (response.status === 404) return []; // not a single span of it yet
  if (!response.ok) throw new Error(`Zipkin answered ${response.status} for trace ${traceId}`);
  return (await response.json()) as ZipkinSpan[];
}

function sinkSpans(traceId?: string): StoredSpan[] {
  const file = lab().tracesFile;
  if (!file) throw new Error('the test lab runs without its trace sink (lab.json has no tracesFile)');
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '' && (traceId === undefined || line.includes(traceId)))
    .map((line) => JSON.parse(line) as StoredSpan)
    .filter((span) => traceId === undefined || span.traceId === traceId);
}

describe('trace UI: Zipkin shows a message across five services', () => {
  it('has the trace of one message with spans from gateway, bot, worker, provider and data-service, and draws it', async () => {
    const zipkinUrl = lab().zipkinUrl;
    if (!zipkinUrl)
      throw new Error('the test lab runs without Zipkin (lab.json has no zipkinUrl; is LAB_TRACE_UI=off?)');
    const { id } = await postMessage(uniqueUser('zipkin'), 'weather in Lisbon');
    const view = await waitForFinal(id);
    expect(view.status).toBe('replied');
    const traceId = view.traceId!;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    // Each app exports in its own batches: poll until the stored reply's span is in and every
    // span the sink holds for this trace is in Zipkin too (both exporters get every span).
    let latest: ZipkinSpan[] = [];
    const spans = await waitFor(
      async () => {
        latest = await zipkinTrace(zipkinUrl, traceId);
        const services = new Set(latest.map((s) => s.localEndpoint?.serviceName));
        const stored = latest.some(
          (s) =>
            s.localEndpoint?.serviceName === 'data-service' &&
            s.name === `process ${lab().topic('jeeves.replies.v1')}`.toLowerCase(),
        );
        const inZipkin = new Set(latest.map((s) => s.id));
        const allOfSink = sinkSpans(traceId).every((s) => inZipkin.has(s.spanId));
        return stored && allOfSink && FIVE_SERVICES.every((s) => services.has(s)) ? latest : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: `trace ${traceId} in Zipkin with spans from all five services` },
    ).catch((error: Error) => {
      const seen = [...new Set(latest.map((s) => s.localEndpoint?.serviceName))].join(', ') || 'none';
      throw new Error(`${error.message}; services seen in Zipkin so far: ${seen}`);
    });
    const services = new Set(spans.map((s) => s.localEndpoint?.serviceName));
    for (const service of FIVE_SERVICES) expect(services).toContain(service);
    expect(spans.every((s) => s.traceId === traceId)).toBe(true);
    // One root (the gateway's POST), every other span's parent in the trace: Zipkin has the tree whole.
    const ids = new Set(spans.map((s) => s.id));
    const roots = spans.filter((s) => !s.parentId);
    expect(roots.map((s) => `${s.localEndpoint?.serviceName} ${s.name}`)).toEqual(['gateway post /v1/messages']);
    expect(spans.filter((s) => s.parentId && !ids.has(s.parentId))).toEqual([]);

    // The exporters' own HTTP requests (to the sink and to Zipkin) make no spans of their own.
    const zipkinPort = Number(new URL(zipkinUrl).port);
    const exportSpans = sinkSpans().filter(
      (s) =>
        s.attributes['server.port'] === zipkinPort ||
        String(s.attributes['url.full'] ?? s.attributes['url.path'] ?? '').includes('/api/v2/spans'),
    );
    expect(exportSpans.map((s) => `${s.service} ${s.name}`)).toEqual([]);

    // The UI's page of this trace, drawn by a real browser.
    const page = zipkinTraceUrl(zipkinUrl, traceId);
    const dir = join(REPO_ROOT, 'results', 'trace-ui', `${new Date().toISOString().replace(/[:.]/g, '-')}-${traceId}`);
    mkdirSync(dir, { recursive: true });
    const dom = dumpUrlDom(page);
    writeFileSync(join(dir, 'zipkin-trace.html'), dom);
    const text = visibleText(dom);
    expect(text).toContain(`Trace ID ${traceId}`);
    // Spans that arrived after the poll may be on the page too, never fewer.
    expect(Number(/Total Spans (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(spans.length);
    for (const service of FIVE_SERVICES) expect(text).toContain(`${service}: `);
    const png = join(dir, 'zipkin-trace.png');
    screenshotUrl(page, png, { height: 1000 });
    // A drawn trace page is a large PNG; a blank or error page is a few KB.
    expect(statSync(png).size).toBeGreaterThan(50_000);
    process.stderr.write(`[trace-ui] screenshot of ${page}: ${png}\n`);
  }, 120_000);
});
