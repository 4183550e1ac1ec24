import { trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { Gauge, Histogram } from 'prom-client';
import { HTTP_BUCKETS_SECONDS, type MetricsRegistry, traceExemplar } from './metrics';

export interface HttpMetrics {
  duration: Histogram<'method' | 'route' | 'status_class'>;
  inFlight: Gauge;
}

export function createHttpMetrics(registry: MetricsRegistry): HttpMetrics {
  return {
    duration: new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'HTTP server request duration by method, route template and status class.',
      labelNames: ['method', 'route', 'status_class'],
      buckets: HTTP_BUCKETS_SECONDS,
      registers: [registry],
      enableExemplars: true,
    }),
    inFlight: new Gauge({
      name: 'http_server_requests_in_flight',
      help: 'HTTP requests being served right now.',
      registers: [registry],
    }),
  };
}

const startedAt = Symbol('jeevesStartedAt');
type Timed = { [startedAt]?: bigint };

/** Route templates keep label cardinality bounded; a request that matched no route counts as `unmatched`. */
export function routeTemplate(url: string | undefined): string {
  return url ?? 'unmatched';
}

export function instrumentHttp(instance: FastifyInstance, metrics: HttpMetrics): void {
  instance.addHook('onRequest', async (request) => {
    (request as unknown as Timed)[startedAt] = process.hrtime.bigint();
    metrics.inFlight.inc();
    // Names the HTTP server span by its route template (`POST /v1/messages`), as the Fastify
    // instrumentation would, without its dozen hook spans per request. No-op when tracing is off.
    const route = request.routeOptions.url;
    const span = trace.getActiveSpan();
    if (span && route) {
      span.setAttribute('http.route', route);
      span.updateName(`${request.method} ${route}`);
    }
  });
  instance.addHook('onResponse', async (request, reply) => {
    const start = (request as unknown as Timed)[startedAt];
    metrics.inFlight.dec();
    if (start === undefined) return;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    metrics.duration.observe({
      labels: {
        method: request.method,
        route: routeTemplate(request.routeOptions.url),
        status_class: `${Math.floor(reply.statusCode / 100)}xx`,
      },
      value: seconds,
      exemplarLabels: traceExemplar(),
    });
  });
}
