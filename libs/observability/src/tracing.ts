/*
 * Tracing through the OpenTelemetry Node SDK (docs/decisions/0005). The SDK reads the exporter,
 * sampler, propagator and resource settings from the standard OTEL_* variables itself; this module
 * only decides whether to start it at all, adds the lab's resource and batching defaults, and turns
 * OTel metrics and logs off (prom-client and stdout are the lab's paths for those).
 */
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { TRACING_OFF, type TracingHandle } from './tracing-handle';

/** The instrumentations NodeSDK registers, as its `instrumentations` option takes them. */
export type SdkInstrumentations = NodeSDKConfiguration['instrumentations'];

/**
 * Why tracing is off in this environment, or undefined when it is on. Off means the SDK is never
 * loaded: OTEL_SDK_DISABLED=true, OTEL_TRACES_EXPORTER=none (both read the way the SDK reads them),
 * or no exporter it names (otlp when unset) has an endpoint set: OTLP needs
 * OTEL_EXPORTER_OTLP_ENDPOINT or _TRACES_ENDPOINT, zipkin OTEL_EXPORTER_ZIPKIN_ENDPOINT; console
 * needs none. The SDK's own defaults (localhost:4318, localhost:9411) are never assumed.
 */
export function tracingOffReason(env: NodeJS.ProcessEnv): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return 'tracing disabled by OTEL_SDK_DISABLED=true';
  const named = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '' && name !== 'null');
  if (named[0] === 'none') return 'tracing disabled by OTEL_TRACES_EXPORTER=none';
  // As in the SDK: nothing named, or none beside another exporter, means otlp.
  const exporters = named.length === 0 || named.includes('none') ? ['otlp'] : named;
  const hasEndpoint = (exporter: string): boolean => {
    if (exporter === 'otlp')
      return !!(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
    if (exporter === 'zipkin') return !!env.OTEL_EXPORTER_ZIPKIN_ENDPOINT?.trim();
    return exporter === 'console';
  };
  if (!exporters.some(hasEndpoint))
    return exporters.includes('zipkin')
      ? 'tracing off: no OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_ZIPKIN_ENDPOINT'
      : 'tracing off: no OTEL_EXPORTER_OTLP_ENDPOINT';
  return undefined;
}

/** Batch span processor tuning, used where the OTEL_BSP_* variable is unset: export every 500 ms, queue 8192. */
const BATCH_SPAN_PROCESSOR_DEFAULTS: Readonly<Record<string, string>> = {
  OTEL_BSP_SCHEDULE_DELAY: '500',
  OTEL_BSP_MAX_QUEUE_SIZE: '8192',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512',
};

/**
 * The variables the preload sets before the SDK reads them. The lab's resource attributes go in
 * front of OTEL_RESOURCE_ATTRIBUTES (the SDK keeps the last of a repeated key, so the user's own
 * attributes win, and OTEL_SERVICE_NAME wins over both); the batch tuning fills unset OTEL_BSP_*;
 * OTEL_METRICS_EXPORTER and OTEL_LOGS_EXPORTER are always `none` (the SDK defaults both to otlp, and
 * prom-client and stdout are the lab's paths for metrics and logs). `appName` is the service name
 * when OTEL_SERVICE_NAME is unset.
 */
export function sdkEnv(env: NodeJS.ProcessEnv, appName: string, pid: number): Record<string, string> {
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || appName;
  const lab = {
    'service.name': appName,
    'service.version': env.SERVICE_VERSION || '0.1.0',
    'deployment.environment.name': env.DEPLOYMENT_ENVIRONMENT || 'lab',
    'service.instance.id': env.INSTANCE_ID || `${serviceName}-${pid}`,
  };
  const ours = Object.entries(lab)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join(',');
  const theirs = env.OTEL_RESOURCE_ATTRIBUTES?.trim();
  const vars: Record<string, string> = {
    OTEL_RESOURCE_ATTRIBUTES: theirs ? `${ours},${theirs}` : ours,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
  };
  for (const [key, value] of Object.entries(BATCH_SPAN_PROCESSOR_DEFAULTS)) if (!env[key]?.trim()) vars[key] = value;
  return vars;
}

/**
 * Starts the OpenTelemetry Node SDK with these instrumentations, or does nothing at all when
 * tracing is off (the SDK and the instrumentations are then never required). Must run before the
 * instrumented modules are first required (hence the preload). Never throws: a bad setting is
 * warned about on stderr and falls back (the SDK's own rule), and an SDK that fails to start leaves
 * the app running untraced.
 */
export function startNodeSdk(appName: string, instrumentations: () => SdkInstrumentations): TracingHandle {
  const env = process.env;
  const off = tracingOffReason(env);
  if (off !== undefined) {
    if (env.LOG_LEVEL === 'debug') writeLine('debug', off);
    return TRACING_OFF;
  }
  Object.assign(env, sdkEnv(env, appName, process.pid));
  // The SDK warns through `diag` while it reads its settings; without OTEL_LOG_LEVEL nobody would
  // see those warnings. Export errors at run time stay quiet as before, unless OTEL_LOG_LEVEL asks.
  const ownLogger = !env.OTEL_LOG_LEVEL?.trim();
  if (ownLogger) diag.setLogger(stderrDiagLogger(), DiagLogLevel.WARN);
  try {
    // Required here, not imported: a lab with tracing off never loads the SDK.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
    // Everything else (exporter, sampler, propagators, resource, batching) the SDK takes from OTEL_*.
    const sdk = new NodeSDK({ instrumentations: instrumentations() });
    sdk.start();
    return { enabled: true, shutdown: () => sdk.shutdown() };
  } catch (error) {
    writeLine('warn', `tracing off: the OpenTelemetry SDK failed to start: ${String(error)}`);
    return TRACING_OFF;
  } finally {
    if (ownLogger) diag.disable();
  }
}

/** One JSON line on stderr, shaped like the apps' pino lines. */
function writeLine(level: string, msg: string): void {
  process.stderr.write(`${JSON.stringify({ level, time: new Date().toISOString(), msg })}\n`);
}

function stderrDiagLogger(): DiagLogger {
  const log =
    (level: string) =>
    (message: string, ...args: unknown[]): void =>
      writeLine(level, ['opentelemetry:', message, ...args.map(String)].join(' '));
  return { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug'), verbose: log('trace') };
}
