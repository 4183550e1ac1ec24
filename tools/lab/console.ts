import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONSOLE_APP } from '#libs/contracts';
import { DEFAULT_TOXIPROXY_URL } from '../common';
import { APPS } from './apps';
import { REPO_ROOT, type LabConfig } from './config';
import { APP_SETTING_VARIABLES, describeInstance, portFree } from './instances';
import type { Log } from './log';
import { liveProcess, processFiles, startRecorded, stopRecorded, tailFile } from './processes';
import { prometheusUrl } from './prometheus';
import { traceEnv } from './traces';
import { httpOk, waitFor } from './wait';

/**
 * The lab console (apps/console, ADR 0100): the lab's web page, started by `up` once the apps are
 * starting, stopped by `down`, listed by `status`. Not an app of the services table: one process,
 * always on loopback (it acts with the operator's client), its port CONSOLE_APP's plus the offset.
 */
export const CONSOLE = CONSOLE_APP.name;

/** Where this lab's console listens, and its pid file and log. */
export function consolePaths(config: LabConfig) {
  const port = CONSOLE_APP.defaultPort + config.portOffset;
  return { ...processFiles(config.stateDir, CONSOLE), port, url: `http://127.0.0.1:${port}` };
}

/** The console's compiled entry in this checkout. */
export function consoleMain(): string {
  return join(REPO_ROOT, 'dist', 'apps', CONSOLE, 'src', 'main.js');
}

/**
 * The console's environment: loopback, this lab's service URLs, trace UI, Prometheus (which may not
 * be running: the page says so) and Toxiproxy (started by `chaos network up`, at its fixed port),
 * telemetry as the apps get it; CONSOLE_* (client ids and secrets, allowed hosts) and OTEL_* pass
 * through. For its Experiments page, which runs `lab experiment` on this lab: the lab's state dir
 * and results root, and what a shell running the CLI would hand on (the apps' settings, LAB_* and
 * KAFKA_*), so an app an experiment restarts gets the settings the lab started it with.
 */
export function consoleEnv(config: LabConfig, zipkinUrl: string | undefined): NodeJS.ProcessEnv {
  const { port } = consolePaths(config);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: process.env.LANG,
    TZ: process.env.TZ,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: config.logLevel,
    INSTANCE_ID: CONSOLE,
    CONSOLE_SERVICE_URLS: APPS.map((a) => `${a.name}=${describeInstance(config, a.name, 1).url}`).join(','),
    CONSOLE_TRACE_UI_URL: zipkinUrl ?? '',
    CONSOLE_LAB_STATE_DIR: config.stateDir,
    CONSOLE_RESULTS_ROOT: resolve(process.env.EXPERIMENT_RESULTS_ROOT?.trim() || REPO_ROOT),
    CONSOLE_PROMETHEUS_URL: prometheusUrl(config),
    CONSOLE_TOXIPROXY_URL: DEFAULT_TOXIPROXY_URL,
  };
  for (const [key, value] of Object.entries(process.env))
    if (
      (/^(OTEL_|CONSOLE_|LAB_|KAFKA_)/.test(key) || APP_SETTING_VARIABLES.test(key)) &&
      key !== 'LAB_STATE_DIR' &&
      !(key in env)
    )
      env[key] = value;
  for (const [key, value] of Object.entries(traceEnv(config))) if (!(key in env)) env[key] = value;
  return env;
}

/** The console's state after `startConsole`: its URL once ready, or why it is not running. */
export interface ConsoleState {
  readonly url?: string;
  readonly problem?: string;
}

/**
 * Starts the console unless it runs, and waits for its /health/ready. A console that cannot start
 * does not fail `up` (the lab works without its page): the answer says why, with its log's tail.
 */
export async function startConsole(
  config: LabConfig,
  options: { log: Log; zipkinUrl?: string; readyTimeoutMs?: number },
): Promise<ConsoleState> {
  const paths = consolePaths(config);
  const ready = () => httpOk(`${paths.url}/health/ready`);
  if (!liveProcess(paths.pidFile)) {
    const main = consoleMain();
    if (!existsSync(main)) return { problem: `${main} does not exist: build with \`npm run build\`` };
    if (!(await portFree(paths.port)))
      return { problem: `port ${paths.port} is in use by another process; shift the lab's ports with LAB_PORT_OFFSET` };
    const preload = join(REPO_ROOT, 'dist', 'libs', 'observability', 'src', 'preload.js');
    const pid = startRecorded(paths, {
      command: process.execPath,
      args: existsSync(preload) ? ['--require', preload, main] : [main],
      cwd: REPO_ROOT,
      env: consoleEnv(config, options.zipkinUrl),
      marker: main,
      port: paths.port,
    });
    options.log(`console: started (pid ${pid}, port ${paths.port})`);
  }
  try {
    await waitFor(ready, { timeoutMs: options.readyTimeoutMs ?? 60_000, intervalMs: 250, what: 'the console' });
  } catch {
    return { problem: `not ready at ${paths.url}; its log ends:\n${tailFile(paths.log, 15)}` };
  }
  return { url: paths.url };
}

/** Stops this lab's console if it runs. */
export async function stopConsole(config: LabConfig, log: Log): Promise<void> {
  if (await stopRecorded(consolePaths(config).pidFile, 10_000)) log('console: stopped');
}

/** The console's `status` row. */
export async function consoleStatus(config: LabConfig) {
  const paths = consolePaths(config);
  const pid = liveProcess(paths.pidFile)?.pid ?? null;
  return {
    name: CONSOLE,
    pid,
    port: paths.port,
    ready: pid !== null && (await httpOk(`${paths.url}/health/ready`)),
    url: paths.url,
  };
}
