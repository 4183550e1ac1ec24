/**
 * `npm run bench -- gateway-accept`: the gateway's POST path with the consumers stopped, builds side
 * by side. Each variant is a built checkout (`--variant name=<root>`, default: this one); every
 * round starts each variant's gateway in turn (own process, the running lab's Kafka and
 * token-dealer, the lab gateway's settings), warms it up, then measures
 *   - CPU ms per accepted POST at a fixed open-model rate (`--rate`), from /proc/<pid>/stat deltas;
 *   - the accept rate at saturation (`--flood` offered/s, `--flood-vus` in flight).
 * The bare Nest+Fastify handler (bare-nest.ts) is measured in every round too, so the accept rate
 * is read as a ratio of it. Variants alternate (A B, B A, …) so drift on a shared machine hits both.
 * Needs a running lab (`npm run lab -- up`) whose gateway it copies settings from (`--lab-gateway-pid`).
 * A variant root holds a revision's `dist/` and this `package.json` (for `#libs/*`), inside this
 * checkout so `node_modules` resolves. Results: docs/performance.md, "Gateway accept path".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  constantRateScenario,
  DEFAULT_CLIENTS,
  runScenario,
  type RunResult,
  type Scenario,
} from '../../load-tests/src';
import { constantRateGet } from './constant-rate';
import { fmtMs, median, startChild, table } from './support';
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const TICKS_PER_SECOND = 100;

/** utime + stime of `pid`, in milliseconds (/proc/<pid>/stat fields 14 and 15, in clock ticks). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function environOf(pid: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const at = entry.indexOf('=');
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return env;
}

interface Gateway {
  readonly pid: number;
  readonly url: string;
  stop(): Promise<void>;
}

async function startGateway(
  root: string,
  env: NodeJS.ProcessEnv,
  port: number,
  extraNodeArgs: string[],
): Promise<Gateway> {
  const preload = join(root, 'dist', 'libs', 'observability', 'src', 'preload.js');
  const main = join(root, 'dist', 'apps', 'gateway', 'src', 'main.js');
  const child = spawn(
    process.execPath,
    ['--disable-warning=TimeoutNegativeWarning', ...extraNodeArgs, '--require', preload, main],
    { cwd: root, env: { ...env, PORT: String(port), INSTANCE_ID: 'gateway-bench' }, stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway from ${root} exited (${child.exitCode}) before ready`);
    const ok = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`gateway from ${root} not ready within 60 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    pid: child.pid ?? -1,
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function postScenario(rate: number, seconds: number, maxVUs: number): Scenario {
  return constantRateScenario({
    name: 'gateway-accept',
    rate,
    durationSeconds: seconds,
    flow: 'post',
    texts: ['weather in Paris', 'time in Tokyo', 'help', 'echo hi'],
    maxVUs,
  });
}

interface PostRun {
  acceptedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failedRate: number;
  cpuMsPerAccepted: number;
}

async function postRun(
  gateway: Gateway,
  tokenDealerUrl: string,
  rate: number,
  seconds: number,
  maxVUs: number,
  connections: number,
): Promise<PostRun> {
  const before = cpuMs(gateway.pid);
  const result: RunResult = await runScenario({
    scenario: postScenario(rate, seconds, maxVUs),
    target: { gatewayUrl: gateway.url, tokenDealerUrl, serviceUrls: {}, ...DEFAULT_CLIENTS },
    connections,
    gracefulStopMs: 5000,
  });
  const used = cpuMs(gateway.pid) - before;
  const m = result.metrics;
  const accepted =
    m.aggregate({ metric: 'http_reqs', tags: { endpoint: 'post_message', status: '202' } }, { kind: 'count' }) ?? 0;
  const p = (q: number): number =>
    m.aggregate({ metric: 'http_req_duration', tags: { endpoint: 'post_message' } }, { kind: 'p', percentile: q }) ??
    NaN;
  return {
    acceptedPerSecond: accepted / result.durationSeconds,
    p50Ms: p(50),
    p99Ms: p(99),
    failedRate: m.aggregate({ metric: 'http_req_failed', tags: {} }, { kind: 'rate' }) ?? 0,
    cpuMsPerAccepted: accepted ? used / accepted : NaN,
  };
}

async function bareRate(rate: number, seconds: number, connections: number): Promise<number> {
  const child = await startChild([join(__dirname, 'bare-nest.js')]);
  try {
    await constantRateGet({ url: child.url, rate, durationSeconds: 3, maxVUs: 256, connections, name: 'bare' });
    const r = await constantRateGet({
      url: child.url,
      rate,
      durationSeconds: seconds,
      maxVUs: 256,
      connections,
      name: 'bare',
    });
    return (
      (r.metrics.aggregate({ metric: 'http_reqs', tags: { status: '200' } }, { kind: 'count' }) ?? 0) /
      r.durationSeconds
    );
  } finally {
    await child.stop();
  }
}

export async function main(argv: readonly string[], log: (line: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      variant: { type: 'string', multiple: true },
      'lab-gateway-pid': { type: 'string' },
      port: { type: 'string', default: '3899' },
      rate: { type: 'string', default: '600' },
      flood: { type: 'string', default: '6000' },
      'flood-vus': { type: 'string', default: '128' },
      'bare-rate': { type: 'string', default: '40000' },
      seconds: { type: 'string', default: '15' },
      rounds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '64' },
      'no-bare': { type: 'boolean', default: false },
      'no-flood': { type: 'boolean', default: false },
      /** Extra node flags for the measured gateways, e.g. --cpu-prof --cpu-prof-dir=DIR. */
      'node-arg': { type: 'string', multiple: true },
    },
  });
  const labPid = Number(values['lab-gateway-pid']);
  if (!Number.isInteger(labPid)) throw new Error('--lab-gateway-pid <pid of the running lab gateway> is required');
  const env = environOf(labPid);
  const tokenDealerUrl = env.TOKEN_DEALER_URL ?? 'http://127.0.0.1:3001';
  const variants = (values.variant ?? [`this=${join(__dirname, '..', '..', '..')}`]).map((v) => {
    const at = v.indexOf('=');
    return { name: v.slice(0, at), root: v.slice(at + 1) };
  });
  const port = Number(values.port);
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const results = new Map<string, PostRun[]>(variants.map((v) => [v.name, []]));
  const floods = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const bares: number[] = [];
  const rounds = Number(values.rounds);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const gateway = await startGateway(variant.root, env, port, values['node-arg'] ?? []);
      try {
        await postRun(gateway, tokenDealerUrl, rate, 5, 256, connections); // JIT warm-up, unmeasured
        const run = await postRun(gateway, tokenDealerUrl, rate, seconds, 256, connections);
        results.get(variant.name)?.push(run);
        log(
          `round ${round + 1} ${variant.name}: ${rate}/s offered -> ${run.acceptedPerSecond.toFixed(0)}/s accepted, ` +
            `${run.cpuMsPerAccepted.toFixed(3)} CPU ms/POST, p50 ${fmtMs(run.p50Ms)} p99 ${fmtMs(run.p99Ms)} ms, failed ${(run.failedRate * 100).toFixed(2)} %`,
        );
        if (!values['no-flood']) {
          const flood = await postRun(
            gateway,
            tokenDealerUrl,
            Number(values.flood),
            seconds,
            Number(values['flood-vus']),
            connections,
          );
          floods.get(variant.name)?.push(flood.acceptedPerSecond);
          log(
            `round ${round + 1} ${variant.name}: flood ${values.flood}/s -> ${flood.acceptedPerSecond.toFixed(0)}/s accepted, ` +
              `${flood.cpuMsPerAccepted.toFixed(3)} CPU ms/POST, p99 ${fmtMs(flood.p99Ms)} ms`,
          );
        }
      } finally {
        await gateway.stop();
      }
    }
    if (!values['no-bare']) {
      const bare = await bareRate(Number(values['bare-rate']), seconds, connections);
      bares.push(bare);
      log(`round ${round + 1} bare Nest+Fastify: ${bare.toFixed(0)} req/s`);
    }
  }
  const spread = (xs: readonly number[], digits: number): string =>
    xs.length
      ? `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`
      : '-';
  const bareMedian = bares.length ? median(bares) : NaN;
  process.stdout.write(
    `${table(
      ['variant', `CPU ms/POST at ${rate}/s`, 'p99 ms', 'accepted/s at saturation', 'x bare'],
      variants.map((v) => {
        const runs = results.get(v.name) ?? [];
        const flood = floods.get(v.name) ?? [];
        return [
          v.name,
          spread(
            runs.map((r) => r.cpuMsPerAccepted),
            3,
          ),
          spread(
            runs.map((r) => r.p99Ms),
            1,
          ),
          spread(flood, 0),
          flood.length && bares.length ? (median(flood) / bareMedian).toFixed(3) : '-',
        ];
      }),
    )}\nbare Nest+Fastify req/s: ${spread(bares, 0)}\n`,
  );
  return 0;
}

export const bench = {
  summary: 'the gateway POST path with consumers stopped: builds side by side, CPU ms per POST and accept rate',
  run: main,
};
