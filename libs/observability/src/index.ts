export { createLogger, REDACTED_PATHS } from './logger';
export type { Logger, LoggerOptions } from './logger';
export {
  createMetricsRegistry,
  renderMetrics,
  toPrometheusText,
  traceExemplar,
  HTTP_BUCKETS_SECONDS,
  HANDLER_BUCKETS_SECONDS,
  END_TO_END_BUCKETS_SECONDS,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
} from './metrics';
export type { MetricsOptions, RenderedMetrics, MetricsRegistry } from './metrics';
export {
  CLIENT_CLOSED_REQUEST_STATUS,
  createHttpMetrics,
  instrumentHttp,
  requestFacts,
  routeTemplate,
} from './http-metrics';
export type {
  FinishedRequest,
  HttpMetrics,
  HttpRequestTracker,
  InstrumentHttpOptions,
  RequestFacts,
} from './http-metrics';
export { tracingHandle } from './tracing-handle';
export type { TracingHandle } from './tracing-handle';
export { keepPropagationHeaders, restoreKeptPropagationHeaders } from './kafka-trace-headers';
