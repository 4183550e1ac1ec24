import { trace } from '@opentelemetry/api';
import { collectDefaultMetrics, Registry, type RegistryContentType } from 'prom-client';

/** The process registry; metrics take it by injection, never the global one. */
export type MetricsRegistry = Registry<RegistryContentType>;

export const OPENMETRICS_CONTENT_TYPE = Registry.OPENMETRICS_CONTENT_TYPE;
export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Latency buckets (seconds) for HTTP handlers: 1 ms … 10 s. */
export const HTTP_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Kafka handlers may retry with backoff: up to 30 s. */
export const HANDLER_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/**
 * Message end to end, POST to reply stored: 5 ms … 60 s, finer from 50 ms to 500 ms so that a p99
 * near the pipeline's 250 ms SLO is read from a bucket 50 ms wide, not one from 100 to 250 ms
 * (histogram_quantile interpolates linearly inside a bucket; ADR 0061).
 */
export const END_TO_END_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60,
];

export interface MetricsOptions {
  service: string;
  /** Collect prom-client's process and Node runtime metrics (event-loop lag included). */
  defaultMetrics?: boolean;
}

/**
 * One registry per process, in OpenMetrics mode so histograms can carry exemplars. Scrapes that do
 * not ask for OpenMetrics get the classic text format from `renderMetrics`.
 */
export function createMetricsRegistry(options: MetricsOptions): MetricsRegistry {
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  registry.setDefaultLabels({ service: options.service });
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
    // Gauges named like counters (promtool rejects them); the same counts stay available per type
    // in nodejs_active_handles / nodejs_active_requests / nodejs_active_resources.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      registry.removeSingleMetric(name);
    }
  }
  return registry;
}

export interface RenderedMetrics {
  contentType: string;
  body: string;
}

/** Serves OpenMetrics (with exemplars) when the scraper accepts it, else Prometheus text 0.0.4. */
export async function renderMetrics(registry: MetricsRegistry, accept: string | undefined): Promise<RenderedMetrics> {
  const openMetrics = await registry.metrics();
  if (accept?.includes('application/openmetrics-text')) {
    return { contentType: OPENMETRICS_CONTENT_TYPE, body: openMetrics };
  }
  return { contentType: PROMETHEUS_CONTENT_TYPE, body: toPrometheusText(openMetrics) };
}

const EXEMPLAR_SUFFIX = / # \{[^}]*\} \S+ \S+$/;

/**
 * OpenMetrics → Prometheus text: counters are named with `_total` in HELP/TYPE, exemplars and the
 * `# EOF` marker are dropped. prom-client renders one format per registry, so we convert rather
 * than keep two registries of the same metrics.
 */
export function toPrometheusText(openMetrics: string): string {
  const counters = new Set<string>();
  for (const match of openMetrics.matchAll(/^# TYPE (\S+) counter$/gm)) counters.add(match[1]!);
  const out: string[] = [];
  for (const line of openMetrics.split('\n')) {
    if (line === '# EOF' || line === '') continue;
    // eslint-disable-next-line security/detect-unsafe-regex -- anchored, one optional tail after a run of non-spaces: linear; and it reads our own registry's output
    const meta = /^# (HELP|TYPE) (\S+)( .*)?$/.exec(line);
    if (meta) {
      const name = counters.has(meta[2]!) ? `${meta[2]}_total` : meta[2];
      out.push(`# ${meta[1]} ${name}${meta[3] ?? ''}`);
      continue;
    }
    out.push(line.replace(EXEMPLAR_SUFFIX, ''));
  }
  return `${out.join('\n')}\n`;
}

/** Exemplar labels linking a latency sample to the active trace, when one is recorded. */
export function traceExemplar(): Record<string, string> | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || (spanContext.traceFlags & 1) === 0) return undefined;
  return { trace_id: spanContext.traceId };
}
