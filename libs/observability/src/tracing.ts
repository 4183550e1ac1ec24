import { context, diag, DiagConsoleLogger, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { type Instrumentation, registerInstrumentations } from '@opentelemetry/instrumentation';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

export interface TracingSettings {
  enabled: boolean;
  serviceName: string;
  serviceVersion: string;
  environment: string;
  /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. */
  tracesEndpoint?: string;
  /** OTLP encoding: protobuf (the collector default) or JSON (readable by a plain HTTP sink). */
  protocol: 'http/protobuf' | 'http/json';
  sampler: Sampler;
  /** Why tracing is off, or why a setting fell back (logged once at start). */
  notes: string[];
}

/**
 * Reads the standard OTEL_* variables. Telemetry config never stops the app: a bad value is noted
 * and falls back to the default.
 */
export function tracingSettingsFromEnv(env: NodeJS.ProcessEnv, fallbackServiceName: string): TracingSettings {
  const notes: string[] = [];
  const endpointBase = env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
  const tracesEndpoint =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || (endpointBase ? `${endpointBase}/v1/traces` : undefined);
  const disabled = env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none';
  const enabled = !disabled && tracesEndpoint !== undefined;
  if (!enabled)
    notes.push(
      disabled
        ? 'tracing disabled by OTEL_SDK_DISABLED/OTEL_TRACES_EXPORTER'
        : 'tracing off: no OTEL_EXPORTER_OTLP_ENDPOINT',
    );
  return {
    enabled,
    serviceName: env.OTEL_SERVICE_NAME || fallbackServiceName,
    serviceVersion: env.SERVICE_VERSION || '0.1.0',
    environment: env.DEPLOYMENT_ENVIRONMENT || 'lab',
    tracesEndpoint,
    protocol: protocolFromEnv(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL, notes),
    sampler: samplerFromEnv(env.OTEL_TRACES_SAMPLER, env.OTEL_TRACES_SAMPLER_ARG, notes),
    notes,
  };
}

function protocolFromEnv(value: string | undefined, notes: string[]): TracingSettings['protocol'] {
  if (value === undefined || value === '' || value === 'http/protobuf') return 'http/protobuf';
  if (value === 'http/json') return 'http/json';
  notes.push(`OTLP protocol ${value} is not supported here; using http/protobuf`);
  return 'http/protobuf';
}

export function samplerFromEnv(name: string | undefined, arg: string | undefined, notes: string[] = []): Sampler {
  const ratio = arg === undefined || arg === '' ? 1 : Number(arg);
  const safeRatio = Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? ratio : 1;
  if (safeRatio !== ratio) notes.push(`OTEL_TRACES_SAMPLER_ARG=${arg} is not a ratio in [0,1]; using 1`);
  switch (name ?? 'parentbased_always_on') {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(safeRatio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(safeRatio) });
    default:
      notes.push(`OTEL_TRACES_SAMPLER=${name} is not supported; using parentbased_always_on`);
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

export interface TracingHandle {
  readonly enabled: boolean;
  /** Flushes buffered spans; call on shutdown. */
  shutdown(): Promise<void>;
}

/**
 * Registers the tracer provider, context manager, W3C propagators and instrumentations. Must run
 * before the instrumented modules are first required (hence the preload).
 */
export function startTracing(settings: TracingSettings, instrumentations: () => Instrumentation[]): TracingHandle {
  if (!settings.enabled) return { enabled: false, shutdown: async () => undefined };
  if (process.env.OTEL_LOG_LEVEL === 'debug') diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.DEBUG);

  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': settings.serviceName,
      'service.version': settings.serviceVersion,
      'deployment.environment.name': settings.environment,
      'service.instance.id': process.env.INSTANCE_ID || `${settings.serviceName}-${process.pid}`,
    }),
    sampler: settings.sampler,
    spanProcessors: [
      new BatchSpanProcessor({
        exporter:
          settings.protocol === 'http/json'
            ? new OTLPJsonTraceExporter({ url: settings.tracesEndpoint })
            : new OTLPTraceExporter({ url: settings.tracesEndpoint }),
        scheduledDelayMillis: 500,
        maxQueueSize: 8192,
        maxExportBatchSize: 512,
      }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
  registerInstrumentations({ instrumentations: instrumentations(), tracerProvider: provider });
  return { enabled: true, shutdown: () => provider.shutdown() };
}
