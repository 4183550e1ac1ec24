/**
 * Finds or builds the pinned Prometheus and promtool (tools/prometheus/VERSION; docs/decisions/0012).
 * Order, for each tool: the explicit override (PROMETHEUS_BIN / PROMTOOL, used as given) → the lab
 * cache `<cacheDir>/prometheus-<version>/` → the one on PATH, only if its `--version` is the pin →
 * a one-time `go install` of both into the cache. Nothing here downloads a binary.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { REPO_ROOT } from './config';
import type { Log } from './log';

export const PROMETHEUS_VERSION_FILE = join(REPO_ROOT, 'tools', 'prometheus', 'VERSION');
export const PROMETHEUS_MODULE = 'github.com/prometheus/prometheus';
export const PROMETHEUS_TOOLS = ['prometheus', 'promtool'] as const;
export type PrometheusTool = (typeof PROMETHEUS_TOOLS)[number];

/** The environment variable that names each tool's binary explicitly. */
export const OVERRIDE_VARIABLE: Readonly<Record<PrometheusTool, string>> = {
  prometheus: 'PROMETHEUS_BIN',
  promtool: 'PROMTOOL',
};

/**
 * Build tags: `remove_all_sd` drops every service discovery but file and http (the module's
 * plugins/*.go), which is all the lab uses (file_sd and static targets).
 */
export const BUILD_TAGS = ['remove_all_sd'] as const;

/** Measured on this project's 2-core machine with Go's module cache warm (docs/decisions/0012). */
export const EXPECTED_BUILD_MINUTES = 3;
/** The same with Go's module cache empty as well: it first downloads about 1.1 GB of modules. */
export const EXPECTED_FRESH_BUILD_MINUTES = 4;

export type PrometheusProblemCode = 'no-go' | 'build-failed' | 'override-unusable';

/** Why no usable binary was found or made; `manualStep` is what the user can do about it. */
export class PrometheusInstallError extends Error {
  override readonly name = 'PrometheusInstallError';
  constructor(
    readonly code: PrometheusProblemCode,
    message: string,
    readonly manualStep: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} ${manualStep}`, options);
  }
}

/** The pinned version, e.g. `3.16.0`: the first line of tools/prometheus/VERSION that is not a comment. */
export function pinnedPrometheusVersion(file = PROMETHEUS_VERSION_FILE): string {
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  if (!line || !/^\d+\.\d+\.\d+$/.test(line))
    throw new Error(`${file} must hold a version like 3.16.0 (found "${line ?? ''}").`);
  return line;
}

/**
 * The Go module version that carries a Prometheus release: 3.M.P is tagged v0.(300+M).P (the module
 * keeps a v0 major so Go does not ask for a /v3 import path; Prometheus' RELEASE.md).
 * Throws for releases before 3.0, which used another scheme.
 */
export function goModuleVersion(version: string): string {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match || Number(match[1]) < 3)
    throw new Error(`No Go module version is known for Prometheus ${version} (3.0.0 or later).`);
  return `v0.${Number(match[1]) * 100 + Number(match[2])}.${Number(match[3])}`;
}

/** `<cacheDir>/prometheus-<version>`: holds both binaries once a build completed. */
export function prometheusCacheDir(cacheDir: string, version: string): string {
  return join(cacheDir, `prometheus-${version}`);
}

/**
 * The version a binary's `--version` reports (`prometheus, version 3.16.0 (branch: ...`), '' when
 * it reports none (a plain `go install` build), undefined when it does not run or does not exit
 * within `timeoutMs` (then it is killed).
 */
export function reportedVersion(
  bin: string,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 10_000,
): string | undefined {
  // SIGKILL: a hung binary (or a wrapper script) that ignores SIGTERM would otherwise hold `lab up` for good.
  const probe = spawnSync(bin, ['--version'], { encoding: 'utf8', env, timeout: timeoutMs, killSignal: 'SIGKILL' });
  if (probe.error || probe.status !== 0) return undefined;
  const match = /\bversion (\S*)/.exec(`${probe.stdout}${probe.stderr}`);
  return match ? match[1] : '';
}

/** The first executable named `name` in the PATH list, as an absolute path. */
export function findOnPath(name: string, pathList: string | undefined): string | undefined {
  for (const dir of (pathList ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export interface ResolveOptions {
  /** The lab's machine-wide cache (LabConfig.cacheDir). */
  readonly cacheDir: string;
  /** PATH, PROMETHEUS_BIN, PROMTOOL and Go's own variables come from here. */
  readonly env: NodeJS.ProcessEnv;
  /** Progress and warnings, one line each. */
  readonly log: Log;
  /** Defaults to the pin in tools/prometheus/VERSION. */
  readonly version?: string;
}

export type ToolSource = 'override' | 'cache' | 'path' | 'built';

export interface ResolvedTool {
  readonly tool: PrometheusTool;
  /** What to spawn: absolute, or the override exactly as given. */
  readonly path: string;
  readonly source: ToolSource;
  /** What its `--version` reported ('' for none). */
  readonly version: string;
}

/**
 * Looks for `tool` without building: override, cache, then PATH (pinned version only). Returns
 * undefined when none fits. Throws PrometheusInstallError when the override does not run.
 */
export function findPrometheusTool(tool: PrometheusTool, options: ResolveOptions): ResolvedTool | undefined {
  const { env, log } = options;
  const pin = options.version ?? pinnedPrometheusVersion();
  const variable = OVERRIDE_VARIABLE[tool];
  const override = env[variable];
  if (override) {
    const version = reportedVersion(override, env);
    if (version === undefined)
      throw new PrometheusInstallError(
        'override-unusable',
        `${variable}=${override} does not run (\`${override} --version\` failed).`,
        `Point ${variable} at a Prometheus ${pin} ${tool} binary, or unset it and the lab builds one.`,
      );
    if (version !== pin)
      log(
        `${tool}: warning: ${variable}=${override} reports version ${version || '(none)'}, not the pinned ${pin}; using it as given`,
      );
    return { tool, path: override, source: 'override', version };
  }
  const cached = join(prometheusCacheDir(options.cacheDir, pin), tool);
  if (existsSync(cached)) {
    const version = reportedVersion(cached, env);
    if (version === pin) return { tool, path: cached, source: 'cache', version };
    log(`${tool}: ignoring ${cached}: it reports version ${version ?? '(does not run)'}, not ${pin}`);
  }
  const onPath = findOnPath(tool, env.PATH);
  if (onPath) {
    const version = reportedVersion(onPath, env);
    if (version === pin) return { tool, path: onPath, source: 'path', version };
    log(`${tool}: not using ${onPath} on PATH: it reports version ${version || '(none)'}, the lab pins ${pin}`);
  }
  return undefined;
}

/**
 * Finds `tool` or builds both tools once into the cache (see buildPrometheus), then returns it.
 * Throws PrometheusInstallError (with the manual step) when neither works.
 */
export async function resolvePrometheusTool(tool: PrometheusTool, options: ResolveOptions): Promise<ResolvedTool> {
  const found = findPrometheusTool(tool, options);
  if (found) return found;
  const version = options.version ?? pinnedPrometheusVersion();
  const dir = await buildPrometheus({ ...options, version });
  return { tool, path: join(dir, tool), source: 'built', version };
}

/** The step a user can take by hand when the lab cannot build Prometheus itself. */
export function manualStep(version: string): string {
  return (
    `Install Go (https://go.dev/dl/; a release at least as new as the \`go\` line of Prometheus ${version}'s go.mod) ` +
    'and rerun `npm run lab -- up`, which builds Prometheus and promtool once; ' +
    `or set PROMETHEUS_BIN and PROMTOOL to Prometheus ${version}'s binaries.`
  );
}

/** The arguments of the one `go install` that builds both tools (`-ldflags` makes `--version` report the pin). */
export function goInstallArgs(version: string, buildDate: Date = new Date()): string[] {
  const moduleVersion = goModuleVersion(version);
  const stamp = buildDate.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const setVersion = (name: string, value: string): string =>
    `-X github.com/prometheus/common/version.${name}=${value}`;
  const ldflags = [
    '-s',
    '-w',
    setVersion('Version', version),
    setVersion('Branch', moduleVersion),
    setVersion('BuildUser', 'jeeves-lab'),
    setVersion('BuildDate', stamp),
  ].join(' ');
  return [
    'install',
    '-v',
    '-trimpath',
    `-tags=${BUILD_TAGS.join(',')}`,
    `-ldflags=${ldflags}`,
    ...PROMETHEUS_TOOLS.map((t) => `${PROMETHEUS_MODULE}/cmd/${t}@${moduleVersion}`),
  ];
}

/** A line `go install -v` prints per package compiled: an import path, nothing else. */
const PACKAGE_LINE = /^[\w.~-]+(\/[\w.~+-]+)*$/;
/** How often a silent build says it is still working. */
const HEARTBEAT_MS = 20_000;

/**
 * Builds prometheus and promtool with `go install` into a temporary sibling of the cache directory
 * (GOBIN) and renames it into place when both exist, so an interrupted build is never taken for a
 * complete one. Go's downloads and errors are relayed line by line; compiling is summarised every
 * 20 s. Returns the cache directory. Throws PrometheusInstallError when Go is missing or fails.
 */
export async function buildPrometheus(options: ResolveOptions & { readonly version: string }): Promise<string> {
  const { cacheDir, env, log, version } = options;
  const dir = prometheusCacheDir(cacheDir, version);
  const goCheck = spawnSync('go', ['version'], { encoding: 'utf8', env });
  if (goCheck.error || goCheck.status !== 0)
    throw new PrometheusInstallError(
      'no-go',
      `Prometheus ${version} is not in ${dir}, no ${OVERRIDE_VARIABLE.prometheus}/${OVERRIDE_VARIABLE.promtool} is set, no ${version} is on PATH, and Go is not installed to build it.`,
      manualStep(version),
    );
  mkdirSync(cacheDir, { recursive: true });
  removeAbandonedPartials(dir);
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const args = goInstallArgs(version);
  log(
    `prometheus: building Prometheus ${version} and promtool with ${goCheck.stdout.trim()} into ${dir}: ` +
      `a one-time build of about ${EXPECTED_BUILD_MINUTES} min on 2 cores (${EXPECTED_FRESH_BUILD_MINUTES} when Go must first download the module's dependencies, about 1.1 GB); every lab on this machine reuses it`,
  );
  log(`prometheus: go ${args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}`);
  const startedAt = Date.now();
  const tail: string[] = [];
  let packages = 0;
  const status = await new Promise<number>((resolveExit, reject) => {
    // cwd outside any Go module: `go install pkg@version` ignores it anyway, but a go.work would not.
    const go = spawn('go', args, {
      cwd: cacheDir,
      env: { ...env, GOBIN: partial, CGO_ENABLED: '0', GOWORK: 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const heartbeat = setInterval(
      () => log(`  go: ${packages} packages compiled, ${Math.round((Date.now() - startedAt) / 1000)} s so far`),
      HEARTBEAT_MS,
    );
    let buffered = '';
    const relay = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        if (PACKAGE_LINE.test(line.trim())) packages += 1;
        else log(`  go: ${line.replace(/^go: /, '')}`);
      }
    };
    go.stdout.on('data', relay);
    go.stderr.on('data', relay);
    go.on('error', (error) => {
      clearInterval(heartbeat);
      reject(error);
    });
    go.on('close', (code) => {
      clearInterval(heartbeat);
      resolveExit(code ?? 1);
    });
  }).catch((error: unknown) => {
    rmSync(partial, { recursive: true, force: true });
    throw new PrometheusInstallError(
      'build-failed',
      `\`go install\` did not start (${String(error)}).`,
      manualStep(version),
      {
        cause: error,
      },
    );
  });
  const missing = PROMETHEUS_TOOLS.filter((t) => !isExecutableFile(join(partial, t)));
  if (status !== 0 || missing.length > 0) {
    rmSync(partial, { recursive: true, force: true });
    throw new PrometheusInstallError(
      'build-failed',
      `\`go install\` of Prometheus ${version} failed (exit ${status}${missing.length > 0 ? `, missing ${missing.join(', ')}` : ''}); its last lines:\n    ${tail.join('\n    ')}\n`,
      manualStep(version),
    );
  }
  const built = reportedVersion(join(partial, 'prometheus'), env);
  if (built !== version) {
    rmSync(partial, { recursive: true, force: true });
    throw new PrometheusInstallError(
      'build-failed',
      `The freshly built prometheus reports version ${built || '(none)'}, not ${version}.`,
      manualStep(version),
    );
  }
  // Another lab may have finished the same build meanwhile: keep the first complete one.
  if (PROMETHEUS_TOOLS.every((t) => isExecutableFile(join(dir, t)))) rmSync(partial, { recursive: true, force: true });
  else {
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  }
  const sizes = PROMETHEUS_TOOLS.map((t) => `${t} ${Math.round(statSync(join(dir, t)).size / 1e6)} MB`).join(', ');
  log(`prometheus: built in ${Math.round((Date.now() - startedAt) / 1000)} s (${packages} packages; ${sizes})`);
  return dir;
}

/** Partial build directories whose builder process is gone (an interrupted `lab up`). */
function removeAbandonedPartials(dir: string): void {
  const prefix = `${dir.slice(dirname(dir).length + 1)}.partial-`;
  for (const entry of readdirSync(dirname(dir))) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length));
    if (Number.isInteger(pid) && pid !== process.pid && !processExists(pid))
      rmSync(join(dirname(dir), entry), { recursive: true, force: true });
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
