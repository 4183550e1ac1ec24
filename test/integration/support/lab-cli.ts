import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../tools/lab';

/** What one run of the lab CLI did: its exit code (null when killed), its output, its wall time. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface CliOptions {
  /** The CLI's whole environment (LAB_STATE_DIR picks the lab). */
  readonly env: NodeJS.ProcessEnv;
  /** Bound on the run: past it the CLI gets `killSignal`; a run that long is a failure to look at. */
  readonly timeoutMs: number;
  /** SIGKILL by default; SIGINT lets an experiment roll back as Ctrl-C would. */
  readonly killSignal?: NodeJS.Signals;
}

/** `npm run lab -- <args>` as a user runs it: the built CLI (`node dist/tools/lab/main.js`) in its own process. */
export async function runLabCli(args: readonly string[], options: CliOptions): Promise<CliRun> {
  const started = Date.now();
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'tools', 'lab', 'main.js'), ...args], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill(options.killSignal ?? 'SIGKILL'), options.timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr, ms: Date.now() - started };
}

/** A port nothing listens on right now (the OS picks it, we let it go). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** True when nothing listens on 127.0.0.1:`port` (an exclusive bind succeeds). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A first client port for a three-broker lab (`KAFKA_PORT`, with `KAFKA_CONTROLLER_PORT` one above)
 * whose six ports — port and port+1, each +10 and +20 (the lab's broker stride) — are all free, picked
 * at random in [min, max). Throws after 50 tries.
 */
export async function freeBrokerPorts(min: number, max: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = min + 2 * Math.floor((Math.random() * (max - 21 - min)) / 2);
    const ports = [0, 1, 10, 11, 20, 21].map((step) => base + step);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
  throw new Error(`no free block of ports for three brokers between ${min} and ${max}`);
}
