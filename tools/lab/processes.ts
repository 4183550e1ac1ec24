import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { waitFor } from './wait';

/**
 * What the lab remembers about a process it started. The command marker lets `down` check that a
 * pid still belongs to our process and not to an unrelated one that reused the number.
 */
export interface PidRecord {
  readonly pid: number;
  /** A string that must appear in /proc/<pid>/cmdline for the pid to still be ours. */
  readonly marker: string;
  readonly startedAt: string;
  readonly port?: number;
}

export function writePidFile(path: string, record: PidRecord): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(record) + '\n');
}

export function readPidFile(path: string): PidRecord | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<PidRecord>;
    if (typeof parsed.pid !== 'number' || typeof parsed.marker !== 'string') return undefined;
    return parsed as PidRecord;
  } catch {
    return undefined; // a torn or hand-edited file: treat as "not running"
  }
}

export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch (error) {
    // EPERM: exists but not ours to signal; still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** The process behind a pid file, if it is still alive and still the one we started. */
export function liveProcess(pidFile: string): PidRecord | undefined {
  const record = readPidFile(pidFile);
  if (!record || !isAlive(record.pid)) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    if (!cmdline.includes(record.marker)) return undefined;
  } catch {
    // No /proc (macOS): trust the pid.
  }
  return record;
}

export interface SpawnDetachedOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  readonly logFile: string;
}

/** Starts a process that outlives the CLI: own process group, output to a file, no handle kept. */
export function spawnDetached(options: SpawnDetachedOptions): number {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, 'a');
  try {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`Could not start ${options.command}: is it installed and on PATH?`);
    // Without an 'error' listener a spawn failure would crash the CLI instead of showing in the log.
    child.on('error', (error) => writeFileSync(options.logFile, `spawn error: ${error.message}\n`, { flag: 'a' }));
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Where the lab keeps a process it runs: the pid file that records it and the file its output goes to. */
export interface ProcessFiles {
  readonly pidFile: string;
  /** stdout and stderr, appended. */
  readonly log: string;
}

/**
 * The files of the process the lab calls `name` (an app instance id such as `worker-2`, `kafka`,
 * `prometheus`, `zipkin`): `<stateDir>/pids/<name>.pid` and `<stateDir>/logs/<name>.log`.
 */
export function processFiles(stateDir: string, name: string): ProcessFiles {
  return { pidFile: join(stateDir, 'pids', `${name}.pid`), log: join(stateDir, 'logs', `${name}.log`) };
}

/** A part of the lab with a directory of its own (`<stateDir>/<name>`), the files `K` in it, and its pid file and log. */
export type ComponentPaths<K extends string = never> = ProcessFiles & { readonly dir: string } & {
  readonly [key in K]: string;
};

/** The paths of the part `name`: processFiles, its directory `<stateDir>/<name>`, and each of `inDir` joined to that directory. */
export function componentPaths<K extends string>(
  stateDir: string,
  name: string,
  inDir: Readonly<Record<K, string>>,
): ComponentPaths<K> {
  const dir = join(stateDir, name);
  const files = Object.fromEntries(Object.entries<string>(inDir).map(([key, file]) => [key, join(dir, file)]));
  return { ...processFiles(stateDir, name), dir, ...(files as Record<K, string>) };
}

/** How to start a process the lab records: what to run, and what its pid record says. */
export interface RecordedStart extends Omit<SpawnDetachedOptions, 'logFile'> {
  /** A string of its command line (its main file, jar or config) that proves a pid is still ours. */
  readonly marker: string;
  /** The port it listens on, when it does. */
  readonly port?: number;
}

/** Starts a detached process with its output appended to `files.log` and records it in `files.pidFile`; returns its pid. */
export function startRecorded(files: ProcessFiles, start: RecordedStart): number {
  const { marker, port, ...spawnOptions } = start;
  const pid = spawnDetached({ ...spawnOptions, logFile: files.log });
  writePidFile(files.pidFile, { pid, marker, startedAt: new Date().toISOString(), port });
  return pid;
}

/**
 * Stops the process `pidFile` records if it is still ours (stopProcess: SIGTERM, SIGKILL after
 * `graceMs`; `stopping(pid)` is called first) and removes the pid file. Resolves to how it stopped,
 * or undefined when no process of ours was running.
 */
export async function stopRecorded(
  pidFile: string,
  graceMs: number,
  stopping?: (pid: number) => void,
): Promise<'terminated' | 'killed' | 'absent' | undefined> {
  const running = liveProcess(pidFile);
  let how: 'terminated' | 'killed' | 'absent' | undefined;
  if (running) {
    stopping?.(running.pid);
    how = await stopProcess(running.pid, graceMs);
  }
  removePidFile(pidFile);
  return how;
}

/**
 * SIGTERM, wait up to `graceMs` for exit, then SIGKILL and wait again. Signals the process group
 * (detached children lead their own) so a wrapper's children go too.
 */
export async function stopProcess(pid: number, graceMs = 10_000): Promise<'terminated' | 'killed' | 'absent'> {
  if (!isAlive(pid)) return 'absent';
  signal(pid, 'SIGTERM');
  try {
    await waitFor(() => !isAlive(pid), { timeoutMs: graceMs, intervalMs: 100, what: `pid ${pid} to exit` });
    return 'terminated';
  } catch {
    signal(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), { timeoutMs: 5000, intervalMs: 100, what: `pid ${pid} to die after SIGKILL` });
    return 'killed';
  }
}

export async function killProcess(pid: number): Promise<void> {
  if (!isAlive(pid)) return;
  signal(pid, 'SIGKILL');
  await waitFor(() => !isAlive(pid), { timeoutMs: 5000, intervalMs: 50, what: `pid ${pid} to die after SIGKILL` });
}

/**
 * Freezes a process (and its group) with SIGSTOP for `durationMs`, then resumes it with SIGCONT,
 * whatever happens meanwhile: a hang that lets every connection stay open, unlike a crash.
 */
export async function freezeProcess(pid: number, durationMs: number): Promise<void> {
  if (!isAlive(pid)) throw new Error(`pid ${pid} is not running`);
  signal(pid, 'SIGSTOP');
  try {
    await new Promise((resolve) => setTimeout(resolve, durationMs));
  } finally {
    signal(pid, 'SIGCONT');
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** Last `lines` lines of a log file ('' when absent). Reads only the file's end: logs grow large under load. */
export function tailFile(path: string, lines = 40): string {
  if (!existsSync(path)) return '';
  const size = statSync(path).size;
  const length = Math.min(size, 256 * 1024);
  const buffer = Buffer.alloc(length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  return buffer
    .toString('utf8')
    .split('\n')
    .slice(-lines - 1)
    .join('\n')
    .trimEnd();
}
