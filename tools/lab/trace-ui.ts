/**
 * The lab's trace UI: Zipkin's server (Apache-2.0, one executable jar from Maven Central, run on the
 * machine's Java 17+), started by `lab up` beside the lab's own trace sink. Apps export every span
 * to both (tools/lab/traces.ts `traceEnv`). In-memory storage only, bound to 127.0.0.1, with a small
 * heap and a span bound that fits it (docs/decisions/0072-zipkin-as-the-lab-trace-ui.md).
 * `lab up --no-trace-ui` or LAB_TRACE_UI=off leaves it out.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkLabSettings, labSetting, REPO_ROOT, type LabConfig } from './config';
import type { Log } from './log';
import { mavenAvailable, runMaven } from './maven';
import { liveProcess, processFiles, startRecorded, stopRecorded, tailFile, type ProcessFiles } from './processes';
import { httpOk, waitFor } from './wait';

/** The part's one name: status row, `lab logs zipkin`, pid and log files. */
export const ZIPKIN = 'zipkin';

const POM = join(REPO_ROOT, 'tools', 'zipkin', 'pom.xml');

export class TraceUiError extends Error {
  override readonly name = 'TraceUiError';
}

/** Zipkin version pinned in tools/zipkin/pom.xml (`<zipkin.version>`): the cache directory is keyed by it. */
export function zipkinVersion(pom = readFileSync(POM, 'utf8')): string {
  const match = /<zipkin\.version>([^<]+)<\/zipkin\.version>/.exec(pom);
  if (!match) throw new TraceUiError(`No <zipkin.version> property in ${POM}.`);
  return match[1].trim();
}

/** `<cacheDir>/zipkin-<version>/zipkin-server-<version>-exec.jar`, shared by every lab on the machine. */
export function zipkinJar(config: LabConfig, version = zipkinVersion()): string {
  return join(config.cacheDir, `zipkin-${version}`, `zipkin-server-${version}-exec.jar`);
}

/**
 * Makes sure Zipkin's exec jar is in the machine-wide cache, fetching it with Maven the first time
 * (tools/zipkin/pom.xml) into a temporary sibling that is renamed when complete, so an interrupted
 * download is never taken for a whole one. Returns the jar's path; throws TraceUiError saying what
 * to install when Maven is missing or fails.
 */
export async function ensureZipkinJar(config: LabConfig, log: Log): Promise<string> {
  const version = zipkinVersion();
  const jar = zipkinJar(config, version);
  if (existsSync(jar)) return jar;
  const dir = join(config.cacheDir, `zipkin-${version}`);
  if (!mavenAvailable())
    throw new TraceUiError(
      `Zipkin ${version} is not cached in ${dir} and Maven is not on PATH. Install Maven (apt-get install maven), or run without the trace UI (--no-trace-ui).`,
    );
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  log(`${ZIPKIN}: fetching Zipkin ${version} (one jar, about 130 MB) with Maven into ${dir} (once per machine)`);
  const status = await runMaven(
    ['-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${partial}`, '-DincludeScope=runtime'],
    log,
  );
  if (status !== 0 || !readdirSync(partial).includes(`zipkin-server-${version}-exec.jar`)) {
    rmSync(partial, { recursive: true, force: true });
    throw new TraceUiError(
      `Maven could not fetch Zipkin ${version} (exit ${status}). Check network access to the Maven repository and ~/.m2/settings.xml, then retry, or run without the trace UI (--no-trace-ui).`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  log(`${ZIPKIN}: Zipkin ${version} cached`);
  return jar;
}

/** Where one lab keeps its Zipkin's pid and log (it has no data: storage is in memory). */
export type ZipkinPaths = ProcessFiles;

export function zipkinPaths(config: LabConfig): ZipkinPaths {
  return processFiles(config.stateDir, ZIPKIN);
}

/** Whether `up` starts the trace UI, its port, and why not when it does not. */
export interface TraceUiSettings {
  readonly enabled: boolean;
  /** 9411 + the lab's port offset unless ZIPKIN_PORT says otherwise (taken as meant, no offset). */
  readonly port: number;
  /** Set when disabled: the reason, for `up`'s log and `status`. */
  readonly off?: string;
}

const traceUiShape = {
  /** Case and surrounding blanks do not matter; unset or blank is `on`. */
  LAB_TRACE_UI: labSetting.onOff('on'),
  ZIPKIN_PORT: labSetting.int(1, 65535),
  /** As the lab's config reads it: `off` leaves no span for the UI to show. */
  LAB_TRACING: labSetting.onOff('on'),
};

/**
 * Reads the trace UI's settings: `--no-trace-ui` (`noTraceUiFlag`), LAB_TRACE_UI=on|off (unset: on),
 * ZIPKIN_PORT (1–65535). LAB_TRACING=off turns it off too: no span would reach it. Throws a
 * TraceUiError naming the variable and its accepted values for a bad value.
 */
export function traceUiSettings(
  config: Pick<LabConfig, 'portOffset'>,
  env: NodeJS.ProcessEnv = process.env,
  noTraceUiFlag = false,
): TraceUiSettings {
  const settings = checkLabSettings(
    traceUiShape,
    env,
    (problems) => new TraceUiError(`Bad trace UI settings:\n  - ${problems}`),
  );
  const port = settings.ZIPKIN_PORT ?? 9411 + config.portOffset;
  const off = noTraceUiFlag
    ? 'off (--no-trace-ui)'
    : settings.LAB_TRACE_UI === 'off'
      ? 'off (LAB_TRACE_UI=off)'
      : settings.LAB_TRACING === 'off'
        ? 'off (LAB_TRACING=off: no spans to show)'
        : undefined;
  return { enabled: off === undefined, port, ...(off ? { off } : {}) };
}

/**
 * Spans Zipkin keeps in memory (MEM_MAX_SPANS); when full it drops the oldest traces whole. A lab
 * span takes about 5.5 KiB of heap there. Under `lab load stress` at 20 → 60 it/s (up to 1100 spans/s) 20 000 ran
 * the 128 MiB heap out of memory; 10 000 held, its live set 75 MiB of the 85 MiB old generation
 * after a full GC; 8 000 held with 66 MiB live, leaving room for larger spans (exception events).
 * Zipkin's default, 500 000, would need gigabytes.
 */
export const ZIPKIN_MAX_SPANS = 8_000;

/**
 * JVM flags for a small, quick-starting Zipkin: a bounded heap, the serial collector (one lab, two
 * cores: no parallel GC threads to feed), C1 only (Zipkin serves a UI and a JSON API, nothing hot
 * enough to pay for C2's compile threads and code cache), and bounds on the other native pools.
 */
export const ZIPKIN_JVM_FLAGS: readonly string[] = [
  '-Xms32m',
  '-Xmx128m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Xss512k',
  '-XX:ReservedCodeCacheSize=48m',
  '-XX:MaxMetaspaceSize=128m',
  '-XX:MaxDirectMemorySize=64m',
  '-Djava.awt.headless=true',
];

/**
 * The java command line: JVM flags, the jar, then Spring properties that bind the one HTTP port to
 * 127.0.0.1 (Zipkin has no variable for the address; Armeria's port list is replaced whole, so the
 * port and protocol are restated).
 */
export function zipkinArgs(jar: string, port: number): string[] {
  return [
    ...ZIPKIN_JVM_FLAGS,
    '-jar',
    jar,
    `--armeria.ports[0].port=${port}`,
    '--armeria.ports[0].ip=127.0.0.1',
    '--armeria.ports[0].protocols[0]=http',
  ];
}

/**
 * Zipkin's environment: only what it needs, so a developer's KAFKA_BOOTSTRAP_SERVERS or
 * STORAGE_TYPE cannot switch on a collector or a storage behind the lab's back.
 */
export function zipkinEnv(env: NodeJS.ProcessEnv, port: number): NodeJS.ProcessEnv {
  return {
    PATH: env.PATH,
    HOME: env.HOME,
    ...(env.JAVA_HOME ? { JAVA_HOME: env.JAVA_HOME } : {}),
    STORAGE_TYPE: 'mem',
    MEM_MAX_SPANS: String(ZIPKIN_MAX_SPANS),
    QUERY_PORT: String(port),
    SELF_TRACING_ENABLED: 'false',
  };
}

export function zipkinUrlOf(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/** The Zipkin UI page of one trace: `<url>/zipkin/traces/<32-hex trace id>`. */
export function zipkinTraceUrl(zipkinUrl: string, traceId: string): string {
  return `${zipkinUrl}/zipkin/traces/${traceId}`;
}

/** This lab's running Zipkin (pid and URL), or undefined. */
export function runningZipkin(
  config: LabConfig,
): { readonly pid: number; readonly port: number; readonly url: string } | undefined {
  const record = liveProcess(zipkinPaths(config).pidFile);
  if (!record || record.port === undefined) return undefined;
  return { pid: record.pid, port: record.port, url: zipkinUrlOf(record.port) };
}

export interface TraceUiState {
  readonly url?: string;
  readonly pid?: number;
  /** Why there is no trace UI, when there is none. */
  readonly skipped?: string;
}

/** A Zipkin that has been spawned (pid file written) and is still starting. */
export interface LaunchedTraceUi {
  /** Resolves once `/health` answers 200, or with `skipped` when it did not start; never rejects. */
  readonly ready: Promise<TraceUiState>;
}

export interface LaunchTraceUiOptions {
  readonly log: Log;
  /** `up --no-trace-ui`. */
  readonly noTraceUi?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** Deadline for `/health` after the JVM starts (default 90 s: a busy 2-core box starting six apps). */
  readonly readyTimeoutMs?: number;
}

/**
 * Spawns this lab's Zipkin (fetching the jar once) and returns without waiting for it, so the apps
 * that start next see its pid file and export to it while it warms up; `ready` says how it went.
 * Already running: left alone (even when turned off now). Turned off, jar unobtainable, port taken or a start that fails: a
 * note, never an error: the lab runs without its trace UI, as it does without Prometheus.
 */
export async function launchTraceUi(config: LabConfig, options: LaunchTraceUiOptions): Promise<LaunchedTraceUi> {
  const { log } = options;
  const env = options.env ?? process.env;
  const settled = (state: TraceUiState): LaunchedTraceUi => ({ ready: Promise.resolve(state) });
  const settings = traceUiSettings(config, env, options.noTraceUi);
  const paths = zipkinPaths(config);
  const running = runningZipkin(config);
  if (running) {
    // `up` leaves running parts alone; the apps already export to it.
    if (!settings.enabled) log(`${ZIPKIN}: already running (pid ${running.pid}); it stays until \`lab down\``);
    return settled({ url: running.url, pid: running.pid });
  }
  if (!settings.enabled) {
    log(`${ZIPKIN}: ${settings.off}`);
    return settled({ skipped: settings.off });
  }
  const url = zipkinUrlOf(settings.port);
  let jar: string;
  try {
    checkJavaForZipkin();
    jar = await ensureZipkinJar(config, log);
  } catch (error) {
    const skipped = (error as Error).message;
    log(`${ZIPKIN}: skipped: ${skipped}`);
    return settled({ skipped });
  }
  if (await httpOk(`${url}/health`, 1000)) {
    const skipped = `port ${settings.port} already answers (not this lab's Zipkin); set ZIPKIN_PORT to another port`;
    log(`${ZIPKIN}: skipped: ${skipped}`);
    return settled({ skipped });
  }
  log(`${ZIPKIN}: starting Zipkin ${zipkinVersion()} on ${url} (in memory, ${ZIPKIN_MAX_SPANS} spans at most)`);
  const pid = startRecorded(paths, {
    command: 'java',
    args: zipkinArgs(jar, settings.port),
    cwd: config.stateDir,
    env: zipkinEnv(env, settings.port),
    marker: jar,
    port: settings.port,
  });
  const startedAt = Date.now();
  const ready = waitFor(
    () => {
      if (!liveProcess(paths.pidFile)) throw new TraceUiError(`Zipkin (pid ${pid}) exited`);
      return httpOk(`${url}/health`);
    },
    { timeoutMs: options.readyTimeoutMs ?? 90_000, intervalMs: 250, what: `Zipkin on ${url}/health` },
  ).then(
    (): TraceUiState => {
      log(`${ZIPKIN}: ready on ${url}/zipkin/ after ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
      return { url, pid };
    },
    async (error: unknown): Promise<TraceUiState> => {
      const skipped = `Zipkin did not start (${(error as Error).message}); see ${paths.log}:\n${tailFile(paths.log, 10)}`;
      log(`${ZIPKIN}: ${skipped}`);
      await stopTraceUi(config, () => undefined);
      return { skipped };
    },
  );
  return { ready };
}

/** Java 17+ on PATH (Zipkin 3 needs 17), or a TraceUiError saying what to install. */
function checkJavaForZipkin(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0)
    throw new TraceUiError('Java is not on PATH; Zipkin needs Java 17+ (apt-get install openjdk-17-jre-headless).');
  const major = Number(/version "(\d+)/.exec(result.stderr)?.[1] ?? 0);
  if (major > 0 && major < 17) throw new TraceUiError(`Java ${major} found; Zipkin 3 needs Java 17+.`);
}

/** Stops the Zipkin this lab started (and only that); its spans go with it. */
export async function stopTraceUi(config: LabConfig, log: Log): Promise<boolean> {
  const how = await stopRecorded(zipkinPaths(config).pidFile, 10_000, (pid) => log(`${ZIPKIN}: stopping (pid ${pid})`));
  return how !== undefined;
}
