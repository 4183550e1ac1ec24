import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { percentile } from '../../load-tests/src';

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
 * Starts `node <args>` and waits for it to print `LISTENING <port>`; the load generator and the
 * thing under load then run in separate processes, as they would against a real service.
 */
export async function startChild(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 30_000,
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
      const m = /LISTENING (\d+)/.exec(buffer);
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
