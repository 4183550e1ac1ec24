import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import {
  experimentDescriptionSchema,
  experimentEventSchema,
  type ExperimentDescription,
  type ExperimentEvent,
} from '#libs/contracts';

/** How a lab CLI process ended: its exit code, or the signal that ended it. */
export interface CliExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Why it could not be started (spawn's error), when it could not. */
  readonly error?: string;
}

/** A running `lab experiment`: when it ends, and the two ways to stop it. */
export interface CliRun {
  readonly pid: number | undefined;
  readonly exited: Promise<CliExit>;
  /** SIGINT, the CLI's Ctrl-C: it stops the method and the load, rolls back and still writes the report. */
  interrupt(): void;
  /** SIGKILL: for a CLI that did not finish its rollback in time (faults expire on their own). */
  kill(): void;
}

/** What a run tells as it goes: its events (the contract's), and every other line it prints. */
export interface CliRunListener {
  event(event: ExperimentEvent): void;
  log(line: string): void;
}

/**
 * The lab's own CLI as the console drives it (ADR 0100): the one place experiments are described
 * and run, so the console never holds a second copy of the runner or of the definitions.
 */
export interface LabCli {
  /** `lab experiments --json`. Throws LabCliError when it fails or prints something else. */
  describeExperiments(): Promise<ExperimentDescription[]>;
  /** `lab experiment <name> [--short] --events`, started now. */
  runExperiment(name: string, options: { readonly short: boolean }, listener: CliRunListener): CliRun;
}

export class LabCliError extends Error {
  readonly code = 'ELABCLI';
  override readonly name = 'LabCliError';
}

export interface ProcessLabCliOptions {
  /** The built CLI, `dist/tools/lab/main.js`. */
  readonly cliPath: string;
  /** Where `results/` goes (`--results`). */
  readonly resultsRoot: string;
  /** The CLI's working directory: the repository. */
  readonly cwd: string;
  /** The CLI's whole environment (labCliEnv). */
  readonly env: NodeJS.ProcessEnv;
  /** Bound on `lab experiments --json`. */
  readonly describeTimeoutMs: number;
}

/** The repository this console was built from: the nearest directory up with a package.json. */
export function repositoryRoot(from: string = __dirname): string {
  for (let dir = resolve(from); dir !== dirname(dir); dir = dirname(dir))
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a parent of this module's own directory
    if (existsSync(join(dir, 'package.json'))) return dir;
  return process.cwd();
}

/** Variables of the console's environment that the lab CLI reads, or passes to the apps it restarts. */
const LAB_VARIABLES =
  /^(LAB_|KAFKA_|JEEVES_|OTEL_|RATE_LIMIT_|CORS_|WORKER_|PROVIDER_|TOKEN_|PROMETHEUS_|PROMTOOL$|ZIPKIN_|TOXIPROXY_|EXPERIMENT_|DATABASE_URL$)/;

/**
 * The environment of a CLI the console starts: what a shell that ran `lab up` would give it (the
 * lab's settings and the apps' pass-through variables, which the lab hands the console), the lab's
 * state dir, and nothing of the console's own (no CONSOLE_* secret, no PORT or HOST of its own).
 */
export function labCliEnv(env: NodeJS.ProcessEnv, stateDir: string | undefined): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {
    PATH: env.PATH,
    HOME: env.HOME,
    LANG: env.LANG,
    TZ: env.TZ,
    NODE_ENV: env.NODE_ENV,
  };
  for (const [key, value] of Object.entries(env)) if (LAB_VARIABLES.test(key)) out[key] = value;
  if (stateDir) out.LAB_STATE_DIR = stateDir;
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out;
}

/** Each line of a stream, as it arrives. */
function lines(child: ChildProcess, stream: 'stdout' | 'stderr', onLine: (line: string) => void): void {
  const source = child[stream];
  if (source) createInterface({ input: source, crlfDelay: Infinity }).on('line', onLine);
}

/**
 * The line of a CLI's output that says why it failed: the last `lab <verb>: …` line or error line,
 * else the last line that is not part of a stack trace; undefined when there is none.
 */
export function whyLine(output: readonly string[]): string | undefined {
  const said = output.filter((line) => line.trim() !== '');
  const noted = [...said].reverse().find((line) => /^(?:lab [a-z-]+: |\w*Error\b)/.test(line));
  return noted ?? [...said].reverse().find((line) => !/^\s+at |^Node\.js v\d/.test(line) && line.trim() !== '}');
}

/** One stdout line of `--events`: the contract's event, or undefined for anything else. */
export function parseEventLine(line: string): ExperimentEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = experimentEventSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * LabCli over child processes: `process.execPath <cli> …`, spawned without a shell (the arguments
 * are an array; the experiment's name was checked against the described list before it gets here).
 */
export class ProcessLabCli implements LabCli {
  constructor(private readonly options: ProcessLabCliOptions) {}

  async describeExperiments(): Promise<ExperimentDescription[]> {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the CLI's path, from validated config
    if (!existsSync(this.options.cliPath))
      throw new LabCliError(`the lab CLI is not built (${this.options.cliPath}): run \`sh tools/bootstrap.sh\``);
    const child = this.spawn(['experiments', '--json']);
    let stdout = '';
    const stderr: string[] = [];
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    lines(child, 'stderr', (line) => stderr.push(line));
    const timer = setTimeout(() => child.kill('SIGKILL'), this.options.describeTimeoutMs);
    const exit = await exitOf(child).finally(() => clearTimeout(timer));
    if (exit.code !== 0)
      throw new LabCliError(
        `lab experiments --json ${exit.error ? `could not start (${exit.error})` : exit.signal ? `was stopped (${exit.signal})` : `exited ${exit.code}`}: ${whyLine(stderr) ?? 'no output'}`,
      );
    let parsed;
    try {
      parsed = z.array(experimentDescriptionSchema).safeParse(JSON.parse(stdout));
    } catch (error) {
      throw new LabCliError(`lab experiments --json printed no JSON: ${(error as Error).message}`);
    }
    if (!parsed.success)
      throw new LabCliError(`lab experiments --json printed another shape: ${parsed.error.issues[0]?.message ?? ''}`);
    return parsed.data;
  }

  runExperiment(name: string, options: { readonly short: boolean }, listener: CliRunListener): CliRun {
    const child = this.spawn([
      'experiment',
      name,
      ...(options.short ? ['--short'] : []),
      '--events',
      '--results',
      this.options.resultsRoot,
    ]);
    lines(child, 'stdout', (line) => {
      const event = parseEventLine(line);
      if (event) listener.event(event);
      else if (line.trim()) listener.log(line);
    });
    lines(child, 'stderr', (line) => listener.log(line));
    return {
      pid: child.pid,
      exited: exitOf(child),
      interrupt: () => void child.kill('SIGINT'),
      kill: () => void child.kill('SIGKILL'),
    };
  }

  private spawn(args: readonly string[]): ChildProcess {
    return spawn(process.execPath, [this.options.cliPath, ...args], {
      cwd: this.options.cwd,
      env: this.options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
    });
  }
}

/** Resolves once the process has exited and its output is read (`close`), or failed to start. */
function exitOf(child: ChildProcess): Promise<CliExit> {
  return new Promise((resolveExit) => {
    child.once('error', (error) => resolveExit({ code: null, signal: null, error: error.message }));
    child.once('close', (code, signal) => resolveExit({ code, signal }));
  });
}
