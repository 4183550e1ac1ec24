import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labTracing, REPO_ROOT, type LabConfig } from './config';
import type { Log } from './log';
import { liveProcess, startRecorded, stopRecorded, tailFile, type ProcessFiles } from './processes';
import { runningZipkin } from './trace-ui';
import { waitFor } from './wait';

/**
 * The lab's own trace sink: when the user has no collector (no OTEL_EXPORTER_OTLP_ENDPOINT), the lab
 * runs a small OTLP/JSON receiver that appends spans to `<stateDir>/traces/spans.jsonl`, so every
 * message has a trace to look at (`npm run lab -- trace <id>`). `LAB_TRACING=off` runs untraced.
 */
export interface TracePaths extends ProcessFiles {
  readonly dir: string;
  readonly spansFile: string;
}

export function tracePaths(config: LabConfig): TracePaths {
  const dir = join(config.stateDir, 'traces');
  return {
    dir,
    spansFile: join(dir, 'spans.jsonl'),
    pidFile: join(dir, 'sink.pid'),
    log: join(config.stateDir, 'logs', 'otlp-sink.log'),
  };
}

/** The sink's port: LAB_OTLP_SINK_PORT (validated in the lab's config), else 4318 + the port offset. */
export function traceSinkPort(config: Pick<LabConfig, 'otlpSinkPort' | 'portOffset'>): number {
  return config.otlpSinkPort ?? 4318 + config.portOffset;
}

/** False when the user points the lab at their own collector or turned tracing off (LAB_TRACING). */
function sinkWanted(config: LabConfig, env: NodeJS.ProcessEnv): boolean {
  return !env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT && config.tracing !== 'off';
}

export interface TraceSinkState {
  readonly endpoint?: string;
  readonly spansFile?: string;
  readonly note: string;
}

export async function startTraceSink(
  config: LabConfig,
  log: Log,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TraceSinkState> {
  if (!sinkWanted(config, env)) {
    const note =
      config.tracing === 'off'
        ? 'tracing off (LAB_TRACING=off)'
        : `exporting to ${env.OTEL_EXPORTER_OTLP_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}`;
    log(`traces: ${note}`);
    return { note };
  }
  const paths = tracePaths(config);
  const port = traceSinkPort(config);
  const endpoint = `http://127.0.0.1:${port}`;
  mkdirSync(paths.dir, { recursive: true });
  if (liveProcess(paths.pidFile)) return { endpoint, spansFile: paths.spansFile, note: 'already running' };
  const main = join(REPO_ROOT, 'dist', 'tools', 'otlp-sink', 'main.js');
  startRecorded(paths, {
    command: process.execPath,
    args: [main, '--port', String(port), '--file', paths.spansFile],
    cwd: REPO_ROOT,
    env: { PATH: env.PATH, HOME: env.HOME },
    marker: main,
    port,
  });
  await waitFor(
    async () => {
      if (!liveProcess(paths.pidFile)) throw new Error(`the trace sink exited:\n${tailFile(paths.log, 10)}`);
      // Any HTTP answer means it listens (GET / is a 404 by design).
      return fetch(`${endpoint}/`, { signal: AbortSignal.timeout(1000) }).then(
        () => true,
        () => false,
      );
    },
    { timeoutMs: 15_000, intervalMs: 100, what: `the trace sink on ${endpoint}` },
  );
  log(`traces: OTLP sink on ${endpoint}, spans in ${paths.spansFile}`);
  return { endpoint, spansFile: paths.spansFile, note: 'started' };
}

export async function stopTraceSink(config: LabConfig, log: Log): Promise<void> {
  if ((await stopRecorded(tracePaths(config).pidFile, 5000)) !== undefined) log('traces: sink stopped');
}

/**
 * OTEL_* settings an app instance gets from the running lab: OTLP/JSON to the lab's sink when it
 * runs, and spans to Zipkin too when this lab's trace UI runs (docs/observability.md). Variables the
 * user set win (they pass through in appEnv, which only fills what is unset).
 */
export function traceEnv(config: LabConfig, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (config.tracing === 'off') return {};
  const sink = liveProcess(tracePaths(config).pidFile);
  return exportEnv({ sinkPort: sink?.port, zipkinUrl: runningZipkin(config)?.url }, env);
}

/** What runs to receive spans: the sink's port and Zipkin's base URL, each absent when not running. */
export interface SpanReceivers {
  readonly sinkPort?: number;
  readonly zipkinUrl?: string;
}

/**
 * The export settings for these receivers, read by the OpenTelemetry SDK itself: the sink as the
 * OTLP endpoint (http/json); Zipkin through OTEL_TRACES_EXPORTER (`otlp,zipkin`, or `zipkin` alone
 * when no OTLP endpoint is set anywhere) and OTEL_EXPORTER_ZIPKIN_ENDPOINT (its `/api/v2/spans`).
 * LAB_TRACING=off gives nothing. Pure.
 */
export function exportEnv(receivers: SpanReceivers, env: NodeJS.ProcessEnv): Record<string, string> {
  if (labTracing(env) === 'off') return {};
  const vars: Record<string, string> = {};
  if (receivers.sinkPort !== undefined) {
    vars.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${receivers.sinkPort}`;
    vars.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
  }
  if (receivers.zipkinUrl !== undefined) {
    const otlp =
      vars.OTEL_EXPORTER_OTLP_ENDPOINT ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
    vars.OTEL_TRACES_EXPORTER = otlp ? 'otlp,zipkin' : 'zipkin';
    vars.OTEL_EXPORTER_ZIPKIN_ENDPOINT = `${receivers.zipkinUrl}/api/v2/spans`;
  }
  return vars;
}

/** Spans of one trace from the sink's file (a linear scan: the lab's file is small). */
export function readTraceSpans(spansFile: string, traceId: string): string[] {
  if (!existsSync(spansFile)) return [];
  return readFileSync(spansFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes(traceId));
}
