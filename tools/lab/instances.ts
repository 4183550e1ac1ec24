import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { APPS, appPort, instanceId, parseInstanceId, type AppName } from './apps';
import { appUrlHost, labVariable, REPO_ROOT, type LabConfig } from './config';
import { traceEnv } from './traces';
import { killProcess, liveProcess, processFiles, startRecorded, stopRecorded, tailFile } from './processes';
import { httpOk, waitFor, WaitTimeoutError } from './wait';
import type { Log } from './log';

/** One running (or expected) process of an app. */
export interface AppInstance {
  readonly app: AppName;
  /** 1-based; instance 1 is the one `up` starts. */
  readonly instance: number;
  /** `worker`, `worker-2`: names the pid file, the log file and the INSTANCE_ID. */
  readonly id: string;
  readonly port: number;
  readonly url: string;
}

export class AppStartError extends Error {
  override readonly name = 'AppStartError';
}

export function describeInstance(config: LabConfig, app: AppName, instance = 1): AppInstance {
  const port = appPort(app, instance, config.portOffset);
  return { app, instance, id: instanceId(app, instance), port, url: `http://${appUrlHost(config.bindHost)}:${port}` };
}

export function appPidFile(config: LabConfig, id: string): string {
  return processFiles(config.stateDir, id).pidFile;
}

export function appLogFile(config: LabConfig, id: string): string {
  return processFiles(config.stateDir, id).log;
}

/**
 * Compiled entry of an app in the checkout at `root` (this one by default). `template` (with
 * `{app}`; default LAB_APP_MAIN, validated, when no `root` is given: callers with a LabConfig pass its
 * `appMainTemplate`) points this checkout's lab at other code, e.g. a stub; an explicit `root` is taken as meant.
 */
export function appMain(
  app: AppName,
  root?: string,
  template: string | undefined = root === undefined ? labVariable('LAB_APP_MAIN') : undefined,
): string {
  template ??= join(root ?? REPO_ROOT, 'dist', 'apps', '{app}', 'src', 'main.js');
  return template.replaceAll('{app}', app);
}

/** The tracing preload of the checkout at `root`: each build starts its apps with its own. */
function preloadOf(root: string): string {
  return join(root, 'dist', 'libs', 'observability', 'src', 'preload.js');
}

/** Settings every app instance receives; the other apps' URLs always point at instance 1. */
export interface AppEnvInput {
  readonly brokers: string;
}

/** The variables of the lab's environment that reach every app it starts (see appEnv). */
export const APP_SETTING_VARIABLES =
  /^(OTEL_|JEEVES_|DATABASE_URL$|RATE_LIMIT_|CORS_|WORKER_|PROVIDER_|TOKEN_|KAFKA_FETCH_|KAFKA_PRODUCER_ACKS$)/;

export function appEnv(config: LabConfig, target: AppInstance, input: AppEnvInput): NodeJS.ProcessEnv {
  const url = (app: AppName): string => describeInstance(config, app, 1).url;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: process.env.LANG,
    TZ: process.env.TZ,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    PORT: String(target.port),
    HOST: config.bindHost,
    // LAB_APP_KAFKA_BROKERS / LAB_PROVIDER_URL route apps through Toxiproxy (tools/toxiproxy/server.ts).
    KAFKA_BROKERS: config.appKafkaBrokers ?? input.brokers,
    JEEVES_TOPIC_PREFIX: config.topicPrefix,
    KAFKA_TRANSPORT: config.kafkaTransport,
    GATEWAY_READS: config.gatewayReads,
    TOKEN_DEALER_URL: url('token-dealer'),
    DATA_SERVICE_URL: url('data-service'),
    PROVIDER_URL: config.appProviderUrl ?? url('provider'),
    GATEWAY_URL: url('gateway'),
    DATA_DIR: join(config.stateDir, 'data'),
    LOG_LEVEL: config.logLevel,
    INSTANCE_ID: target.id,
    // kafkajs 2.2.4 warns about its partitioner change on every producer; the lab knows.
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
  };
  // Telemetry and app-specific settings pass through (OTEL_*, DATABASE_URL, JEEVES_*), the
  // gateway's rate limits, which load runs raise (docs/load-testing.md), the worker's own
  // settings (WORKER_*, PROVIDER_* such as a breaker switch), which experiments change per run,
  // the token-dealer's (TOKEN_*: clients, secret cache, failed-attempt limits), and the consumers'
  // fetch settings (KAFKA_FETCH_*), which the capacity benchmark compares, and the producers' acks
  // (KAFKA_PRODUCER_ACKS), set to 1 to see what a broker loss then costs; and the gateway's CORS
  // allow-list (CORS_*), for a browser app on another origin.
  for (const [key, value] of Object.entries(process.env)) {
    if (APP_SETTING_VARIABLES.test(key) && !(key in env)) env[key] = value;
  }
  // The lab's own trace sink, when it runs and the user set no exporter of their own.
  for (const [key, value] of Object.entries(traceEnv(config))) if (!(key in env)) env[key] = value;
  return env;
}

/** True when nothing listens on the port: an exclusive bind on `host` (the apps' LAB_HOST, default loopback) succeeds. */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolvePort(true)));
  });
}

export interface StartedInstance extends AppInstance {
  readonly pid: number;
  /** False when it was already running and left alone. */
  readonly started: boolean;
}

export interface StartInstanceOptions {
  /**
   * Another built checkout to run the app from (its dist/ main and preload, and it as the working
   * directory), e.g. an older revision a benchmark compares against; default this checkout.
   */
  readonly root?: string;
}

/** Starts one instance in the background unless it is already running; does not wait for ready. */
export async function startInstance(
  config: LabConfig,
  target: AppInstance,
  input: AppEnvInput,
  options: StartInstanceOptions = {},
): Promise<StartedInstance> {
  const pidFile = appPidFile(config, target.id);
  const running = liveProcess(pidFile);
  if (running) return { ...target, pid: running.pid, started: false };
  const root = options.root ?? REPO_ROOT;
  const main = appMain(target.app, options.root, options.root === undefined ? config.appMainTemplate : undefined);
  if (!existsSync(main)) {
    throw new AppStartError(
      `${target.id}: ${main} does not exist. Build ${root} first (npm run build), or check that apps/${target.app}/src/main.ts exists there.`,
    );
  }
  if (!(await portFree(target.port, config.bindHost))) {
    throw new AppStartError(
      `${target.id}: port ${target.port} is already in use by another process. Stop it, or shift the lab's ports with LAB_PORT_OFFSET.`,
    );
  }
  // The preload starts OpenTelemetry before Nest loads; without it the app still runs, untraced.
  // kafkajs 2.2.4 computes some timers from stale timestamps; Node 24 warns on every negative
  // timeout (it treats them as 1 ms, which is what kafkajs meant). Keep app logs readable.
  const node = ['--disable-warning=TimeoutNegativeWarning'];
  const preload = preloadOf(root);
  const args = existsSync(preload) ? [...node, '--require', preload, main] : [...node, main];
  const pid = startRecorded(processFiles(config.stateDir, target.id), {
    command: process.execPath,
    args,
    cwd: root,
    env: appEnv(config, target, input),
    marker: main,
    port: target.port,
  });
  return { ...target, pid, started: true };
}

export function readyUrl(target: AppInstance): string {
  return `${target.url}/health/ready`;
}

/** Is this instance's process alive and answering ready? */
export async function instanceReady(target: AppInstance): Promise<boolean> {
  return httpOk(readyUrl(target), 1500);
}

export interface WaitReadyOptions {
  readonly timeoutMs: number;
  /** Pause between polls; 500 ms by default (a start-up benchmark polls faster to time readiness). */
  readonly intervalMs?: number;
  readonly log?: Log;
}

/**
 * Polls every instance's `/health/ready` until all answer 200. Fails early, with the tail of its log,
 * when an instance's process exits; on timeout names the ones still pending.
 */
export async function waitInstancesReady(
  config: LabConfig,
  targets: readonly AppInstance[],
  options: WaitReadyOptions,
): Promise<void> {
  const pending = new Set(targets.map((t) => t.id));
  let lastReport = 0;
  try {
    await waitFor(
      async () => {
        await Promise.all(
          targets
            .filter((t) => pending.has(t.id))
            .map(async (t) => {
              if (!liveProcess(appPidFile(config, t.id))) {
                throw new AppStartError(
                  `${t.id} exited before it was ready.\n--- last lines of ${appLogFile(config, t.id)} ---\n${tailFile(appLogFile(config, t.id), 30)}`,
                );
              }
              if (await instanceReady(t)) pending.delete(t.id);
            }),
        );
        return pending.size === 0;
      },
      {
        timeoutMs: options.timeoutMs,
        intervalMs: options.intervalMs ?? 500,
        what: 'apps to answer /health/ready',
        onPending: (elapsedMs, lastError) => {
          // A crashed app is final: stop polling and report it.
          if (lastError instanceof AppStartError) throw lastError;
          if (options.log && elapsedMs - lastReport >= 5000) {
            lastReport = elapsedMs;
            options.log(`apps: waiting for ${[...pending].join(', ')} (${Math.round(elapsedMs / 1000)} s)`);
          }
        },
      },
    );
  } catch (error) {
    if (error instanceof AppStartError) throw error;
    if (error instanceof WaitTimeoutError) {
      const tails = [...pending]
        .map((id) => `--- last lines of ${appLogFile(config, id)} ---\n${tailFile(appLogFile(config, id), 20)}`)
        .join('\n');
      throw new AppStartError(`Not ready after ${options.timeoutMs} ms: ${[...pending].join(', ')}.\n${tails}`);
    }
    throw error;
  }
}

/** SIGTERM with a grace period. Returns false when the instance was not running. */
export async function stopInstance(config: LabConfig, id: string, graceMs = 10_000): Promise<boolean> {
  return (await stopRecorded(appPidFile(config, id), graceMs)) !== undefined;
}

/** SIGKILL, no grace: the crash a chaos experiment wants. The pid file stays so `status` shows it down. */
export async function killInstance(config: LabConfig, id: string): Promise<boolean> {
  const running = liveProcess(appPidFile(config, id));
  if (!running) return false;
  await killProcess(running.pid);
  return true;
}

/** Every instance that has a pid file in this lab (running or not), in table order. */
export function knownInstances(config: LabConfig): AppInstance[] {
  const dir = join(config.stateDir, 'pids');
  const ids = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.pid'))
        .map((f) => f.slice(0, -4))
    : [];
  const found = ids.map(parseInstanceId).filter((p): p is NonNullable<typeof p> => p !== undefined);
  const order = APPS.map((a) => a.name);
  return found
    .sort((a, b) => order.indexOf(a.app) - order.indexOf(b.app) || a.instance - b.instance)
    .map((p) => describeInstance(config, p.app, p.instance));
}

/** Instances whose process is alive now. */
export function runningInstances(config: LabConfig): Array<AppInstance & { pid: number }> {
  return knownInstances(config).flatMap((t) => {
    const record = liveProcess(appPidFile(config, t.id));
    return record ? [{ ...t, pid: record.pid }] : [];
  });
}
