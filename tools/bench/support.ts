import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { percentile } from '../../load-tests/src';
import { writePerformanceSection } from './performance-doc';

/** A benchmark as `npm run bench -- <name> [options]` runs it: resolves to the exit code. */
export interface Bench {
  readonly summary: string;
  run(args: readonly string[], log: (line: string) => void): Promise<number>;
}

/** A benchmark's options once parsed, typed from its `parseArgs` option table. */
export type BenchValues<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O }>
>['values'];

/** What a benchmark with a section of docs/performance.md gives back: the section and the command that reproduces it. */
export interface PerformanceSection {
  readonly markdown: string;
  readonly reproduce: string;
}

/** What `defineBench` takes: the one-line summary, the options (`node:util` `parseArgs`) and the run. */
export type BenchSpec<O extends ParseArgsOptionsConfig> =
  | {
      readonly summary: string;
      /** The bench's section of docs/performance.md: the bench takes `--no-doc`, and writes the section without it. */
      readonly section: string;
      readonly options: O;
      /** Resolves to the section to write, or to an exit code when there is nothing to write (bad options: 2). */
      run(values: BenchValues<O>, log: (line: string) => void): Promise<PerformanceSection | number>;
    }
  | {
      readonly summary: string;
      readonly section?: undefined;
      readonly options: O;
      run(values: BenchValues<O>, log: (line: string) => void): Promise<number>;
    };

/**
 * A benchmark from its option table and run: parses the arguments (strict: an unknown option throws
 * a TypeError naming it) and, for a bench with a `section`, adds `--no-doc` and writes the section
 * the run returns into docs/performance.md unless `--no-doc` was given.
 */
export function defineBench<O extends ParseArgsOptionsConfig>(spec: BenchSpec<O>): Bench {
  return {
    summary: spec.summary,
    async run(args, log) {
      const noDoc = { 'no-doc': { type: 'boolean', default: false } } as const;
      const options = spec.section === undefined ? spec.options : { ...spec.options, ...noDoc };
      const { values } = parseArgs({ args: [...args], options, strict: true });
      const outcome = await spec.run(values as BenchValues<O>, log);
      if (typeof outcome === 'number') return outcome;
      if (spec.section !== undefined && (values as { 'no-doc'?: boolean })['no-doc'] !== true)
        log(`wrote ${writePerformanceSection(spec.section, outcome.markdown, outcome.reproduce)}`);
      return 0;
    },
  };
}

/** Progress to stderr, with the elapsed time: benchmarks run for minutes and must say what they do. */
export function progress(startedAtMs: number): (line: string) => void {
  return (line) =>
    process.stderr.write(`[bench ${((Date.now() - startedAtMs) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
}

export interface Child {
  readonly process: ChildProcess;
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts `node <args>` and waits for it to print `LISTENING <port>` (or a line `listening` matches,
 * its first group the port); the load generator and the thing under load then run in separate
 * processes, as they would against a real service. Rejects if it exits first or takes over `timeoutMs`.
 */
export async function startChild(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 30_000,
  listening = /LISTENING (\d+)/,
): Promise<Child> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`child ${args.join(' ')} did not listen within ${timeoutMs} ms`)),
      timeoutMs,
    );
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const m = listening.exec(buffer);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child ${args.join(' ')} exited (${code}) before listening`));
    });
  });
  return {
    process: child,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const exited = once(child, 'exit');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface LatencyStats {
  readonly count: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export function stats(valuesMs: readonly number[]): LatencyStats {
  const sorted = Float64Array.from(valuesMs).sort();
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

/** Median over rounds (NaN when empty): one round hit by a neighbour's burst must not decide the ratio. */
export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export const fmtMs = (v: number): string => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : '-');
/** a ÷ b: three decimals, or three significant digits for small ratios (the lab against the broker is ~0.001). */
export const ratio = (a: number, b: number): string => {
  if (!(b > 0) || !Number.isFinite(a)) return '-';
  const r = a / b;
  return r !== 0 && Math.abs(r) < 0.1 ? r.toPrecision(3) : r.toFixed(3);
};

/** A Markdown table from a header row and rows. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}
