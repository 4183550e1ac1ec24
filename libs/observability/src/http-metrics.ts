import type { IncomingMessage, ServerResponse } from 'node:http';
import { trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { Gauge, Histogram } from 'prom-client';
import { HTTP_BUCKETS_SECONDS, type MetricsRegistry, traceExemplar } from './metrics';

export interface HttpMetrics {
  duration: Histogram<'method' | 'route' | 'status_class' | 'status_code'>;
  inFlight: Gauge;
}

export function createHttpMetrics(registry: MetricsRegistry): HttpMetrics {
  return {
    duration: new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'HTTP server request duration by method, route template, status class and status code (499: the client closed the connection first).',
      labelNames: ['method', 'route', 'status_class', 'status_code'],
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

/**
 * The status recorded for a request whose connection closed before its answer was complete
 * (nginx's non-standard 499 "Client Closed Request"): no status was delivered, so none is claimed.
 */
export const CLIENT_CLOSED_REQUEST_STATUS = 499;

/** What the app learns about a request while serving it, kept on the raw request for its log line. */
export interface RequestFacts {
  /** The route template that took it (`/v1/messages/:id`). */
  route?: string;
  /** Fastify's `request.id`. */
  requestId?: string;
  /** The problem code it was answered with (`not-found`…). */
  problem?: string;
}

const factsKey = Symbol('jeevesRequestFacts');
const trackedKey = Symbol('jeevesTracked');
type Annotated = { [factsKey]?: RequestFacts; [trackedKey]?: true };

/** The facts of a raw request (`request.raw`), created empty on first use. */
export function requestFacts(raw: object): RequestFacts {
  return ((raw as Annotated)[factsKey] ??= {});
}

/** How one request ended, however it ended (answered, client gone, framework error, handler throw). */
export interface FinishedRequest {
  method: string;
  /** The raw request target's path, without the query. */
  path: string;
  /** The route template (`/v1/messages/:id`), or `unmatched` when no route took the request. */
  route: string;
  /** The status sent, or 499 when the connection closed before the answer was complete. */
  statusCode: number;
  durationSeconds: number;
  /** False when the connection closed before the answer was complete. */
  answered: boolean;
  requestId?: string;
  problem?: string;
}

export interface HttpRequestTracker {
  /**
   * Starts tracking a request: in flight from now, finished exactly once when its response closes
   * (sent, or the connection gone). Calling it again for the same request does nothing.
   */
  track(request: IncomingMessage, response: ServerResponse): void;
  /**
   * Counts an answer to bytes Node's HTTP parser refused (no request, so no method or route:
   * `method="_OTHER"` as OpenTelemetry names an unknown method, `route="unmatched"`, duration 0).
   */
  countUnparsed(statusCode: number): void;
}

export interface InstrumentHttpOptions {
  /** RED metrics to keep; absent, only `onFinished` runs (the overhead benchmark's baseline). */
  metrics?: HttpMetrics;
  /** Called once per request when it ends, after the metrics are recorded (the request log). */
  onFinished?: (finished: FinishedRequest) => void;
}

/** Route templates keep label cardinality bounded; a request that matched no route counts as `unmatched`. */
export function routeTemplate(url: string | undefined): string {
  return url ?? 'unmatched';
}

/**
 * RED metrics (and the caller's `onFinished`, the request log) for every request, however it ends.
 * Tracking starts at the HTTP server's `request` event, before Fastify routes anything, so requests
 * Fastify answers without running hooks (bad URLs, some 404s) count too; `app.inject()` has no
 * server, so an `onRequest` hook starts it there. It ends at the raw response's `close`, which Node
 * emits after the answer is sent *and* when the connection goes first — Fastify's `onResponse`
 * only covers the former, so a client that hung up used to leave the in-flight gauge raised.
 */
export function instrumentHttp(instance: FastifyInstance, options: InstrumentHttpOptions = {}): HttpRequestTracker {
  const { metrics, onFinished } = options;
  const observe = (labels: { method: string; route: string; statusCode: number }, seconds: number) =>
    metrics?.duration.observe({
      labels: {
        method: labels.method,
        route: labels.route,
        status_class: `${Math.floor(labels.statusCode / 100)}xx`,
        status_code: String(labels.statusCode),
      },
      value: seconds,
      exemplarLabels: traceExemplar(),
    });

  const track = (request: IncomingMessage, response: ServerResponse): void => {
    const annotated = request as IncomingMessage & Annotated;
    if (annotated[trackedKey]) return;
    annotated[trackedKey] = true;
    const startedAt = process.hrtime.bigint();
    metrics?.inFlight.inc();
    let answered = false;
    response.once('finish', () => (answered = true));
    response.once('close', () => {
      const facts = requestFacts(request);
      const finished: FinishedRequest = {
        method: request.method ?? '_OTHER',
        path: (request.url ?? '').split('?')[0] ?? '',
        route: routeTemplate(facts.route),
        statusCode: answered ? response.statusCode : CLIENT_CLOSED_REQUEST_STATUS,
        durationSeconds: Number(process.hrtime.bigint() - startedAt) / 1e9,
        answered,
        requestId: facts.requestId,
        problem: facts.problem,
      };
      metrics?.inFlight.dec();
      observe(finished, finished.durationSeconds);
      onFinished?.(finished);
    });
  };

  // Before Fastify's own listener: it may answer (and close) synchronously.
  instance.server.prependListener('request', track);
  instance.addHook('onRequest', async (request, reply) => {
    track(request.raw, reply.raw);
    const route = request.routeOptions.url;
    const facts = requestFacts(request.raw);
    facts.route = route;
    facts.requestId = request.id;
    // Names the HTTP server span by its route template (`POST /v1/messages`), as the Fastify
    // instrumentation would, without its dozen hook spans per request. No-op when tracing is off.
    const span = trace.getActiveSpan();
    if (span && route) {
      span.setAttribute('http.route', route);
      span.updateName(`${request.method} ${route}`);
    }
  });
  return {
    track,
    countUnparsed: (statusCode) => observe({ method: '_OTHER', route: 'unmatched', statusCode }, 0),
  };
}
