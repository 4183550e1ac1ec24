/**
 * `npm run bench -- drivers`: the measurement behind docs/decisions/0060-load-driver.md. Three
 * candidate drivers against one trivial local handler (own process): max sustained rate, and the
 * latency they report when the server stalls for 1 s mid-run (an open-model driver must show the
 * queue; a closed-model one hides it — coordinated omission).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import autocannon from 'autocannon';
import { perArrivalSecond } from '../../load-tests/src';
import { constantRateGet } from './constant-rate';
import { fmtMs, startChild, table, type LatencyStats } from './support';

export interface DriverRun {
  readonly driver: string;
  readonly offeredRps: number;
  readonly achievedRps: number;
  readonly errors: number;
  readonly latency: LatencyStats;
}

type Driver = (url: string, rate: number, durationSeconds: number) => Promise<DriverRun>;

/** Connections for the closed-model client and the pool of ours; the same number for fairness. */
const CONNECTIONS = 64;

export const undiciOpenModel: Driver = async (url, rate, durationSeconds) => {
  const result = await constantRateGet({
    url,
    rate,
    durationSeconds,
    maxVUs: 10_000,
    connections: CONNECTIONS,
    name: 'driver-bench',
  });
  const m = result.metrics;
  const q = (p: number): number =>
    m.aggregate({ metric: 'http_req_duration', tags: {} }, { kind: 'p', percentile: p }) ?? NaN;
  const count = m.aggregate({ metric: 'http_reqs', tags: {} }, { kind: 'count' }) ?? 0;
  const failed = (m.aggregate({ metric: 'http_req_failed', tags: {} }, { kind: 'rate' }) ?? 0) * count;
  return {
    driver: 'undici Pool, open model (ours)',
    offeredRps: rate,
    achievedRps: perArrivalSecond(count, result),
    errors: Math.round(failed),
    latency: {
      count,
      p50Ms: q(50),
      p90Ms: q(90),
      p99Ms: q(99),
      maxMs: m.aggregate({ metric: 'http_req_duration', tags: {} }, { kind: 'max' }) ?? NaN,
    },
  };
};

export const autocannonClosedModel: Driver = async (url, rate, durationSeconds) => {
  const result = await autocannon({ url, connections: CONNECTIONS, overallRate: rate, duration: durationSeconds });
  const l = result.latency as unknown as Record<string, number>;
  return {
    driver: `autocannon ${CONNECTIONS} connections, overallRate`,
    offeredRps: rate,
    achievedRps: result.requests.total / durationSeconds,
    errors: result.errors + result.non2xx + result.timeouts,
    latency: { count: result.requests.total, p50Ms: l.p50, p90Ms: l.p90, p99Ms: l.p99, maxMs: l.max },
  };
};

/** vegeta from `VEGETA_BIN`, PATH, or `go env GOPATH`/bin; undefined when not installed. */
export function vegetaBinary(): string | undefined {
  const candidates = [process.env.VEGETA_BIN, 'vegeta'];
  const gopath = spawnSync('go', ['env', 'GOPATH'], { encoding: 'utf8' });
  if (gopath.status === 0) candidates.push(join(gopath.stdout.trim(), 'bin', 'vegeta'));
  for (const c of candidates) {
    if (!c) continue;
    if (c.includes('/') && !existsSync(c)) continue;
    if (spawnSync(c, ['-version'], { encoding: 'utf8' }).status === 0) return c;
  }
  return undefined;
}

export function vegetaOpenModel(bin: string): Driver {
  return async (url, rate, durationSeconds) => {
    const { spawn } = await import('node:child_process');
    const attack = spawn(
      bin,
      ['attack', `-rate=${rate}/1s`, `-duration=${durationSeconds}s`, '-keepalive=true', '-timeout=30s'],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const report = spawn(bin, ['report', '-type=json'], { stdio: ['pipe', 'pipe', 'inherit'] });
    attack.stdout.pipe(report.stdin);
    attack.stdin.end(`GET ${url}/\n`);
    let out = '';
    report.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise<void>((resolve) => report.once('exit', () => resolve()));
    const r = JSON.parse(out) as {
      requests: number;
      throughput: number;
      rate: number;
      success: number;
      latencies: Record<string, number>;
    };
    const ms = (ns: number): number => ns / 1e6;
    return {
      driver: 'vegeta (Go), open model',
      offeredRps: rate,
      achievedRps: r.throughput,
      errors: Math.round(r.requests * (1 - r.success)),
      latency: {
        count: r.requests,
        p50Ms: ms(r.latencies['50th']),
        p90Ms: ms(r.latencies['90th']),
        p99Ms: ms(r.latencies['99th']),
        maxMs: ms(r.latencies.max),
      },
    };
  };
}

export interface DriversReport {
  readonly markdown: string;
  readonly runs: DriverRun[];
  readonly stalls: DriverRun[];
}

export interface DriversOptions {
  readonly rates: readonly number[];
  readonly durationSeconds: number;
  /** Offered rate for the stall test. */
  readonly stallRate: number;
  readonly stallMs: number;
  readonly log: (line: string) => void;
}

export async function benchDrivers(options: DriversOptions): Promise<DriversReport> {
  const server = await startChild([join(__dirname, 'trivial-server.js')]);
  const { log } = options;
  try {
    const drivers: Array<[string, Driver]> = [
      ['undici', undiciOpenModel],
      ['autocannon', autocannonClosedModel],
    ];
    const vegeta = vegetaBinary();
    if (vegeta) drivers.push(['vegeta', vegetaOpenModel(vegeta)]);
    else log('vegeta not installed (go install github.com/tsenart/vegeta/v12@latest): skipped');
    const runs: DriverRun[] = [];
    // Interleaved by rate, so a noisy neighbour on the shared cores hits every driver alike.
    for (const rate of options.rates) {
      for (const [name, driver] of drivers) {
        log(`${name}: ${rate} req/s for ${options.durationSeconds} s`);
        const run = await driver(server.url, rate, options.durationSeconds);
        log(`  achieved ${run.achievedRps.toFixed(0)} req/s, p99 ${fmtMs(run.latency.p99Ms)} ms, errors ${run.errors}`);
        runs.push(run);
        await delay(500);
      }
    }
    const stalls: DriverRun[] = [];
    const stallDuration = 6;
    for (const [name, driver] of drivers) {
      log(
        `${name}: ${options.stallRate} req/s for ${stallDuration} s with a ${options.stallMs} ms server stall at 2 s`,
      );
      const freeze = delay(2000).then(() =>
        fetch(`${server.url}/freeze?ms=${options.stallMs}`, { method: 'POST' })
          .then((r) => r.body?.cancel())
          .catch(() => undefined),
      );
      const run = await driver(server.url, options.stallRate, stallDuration);
      await freeze;
      log(
        `  p50 ${fmtMs(run.latency.p50Ms)} ms, p90 ${fmtMs(run.latency.p90Ms)} ms, p99 ${fmtMs(run.latency.p99Ms)} ms, max ${fmtMs(run.latency.maxMs)} ms`,
      );
      stalls.push(run);
      await delay(500);
    }
    const sustained = (driver: string): number =>
      Math.max(
        0,
        ...runs
          .filter((r) => r.driver === driver && r.errors === 0 && r.achievedRps >= 0.95 * r.offeredRps)
          .map((r) => r.offeredRps),
      );
    const names = [...new Set(runs.map((r) => r.driver))];
    // What a correct (open-model) measurement must show: a share stallMs/duration of the requests
    // arrived during the stall and waited for it, so the p90..p99 sit near the stall's length.
    const stalledShare = options.stallMs / 1000 / stallDuration;
    const markdown = [
      `Trivial handler (node:http, own process), ${CONNECTIONS} connections, ${options.durationSeconds} s per step.`,
      '',
      table(
        ['driver', 'offered req/s', 'achieved req/s', 'errors', 'p50 ms', 'p99 ms'],
        runs.map((r) => [
          r.driver,
          String(r.offeredRps),
          r.achievedRps.toFixed(0),
          String(r.errors),
          fmtMs(r.latency.p50Ms),
          fmtMs(r.latency.p99Ms),
        ]),
      ),
      '',
      table(
        ['driver', 'max sustained req/s (≥95 % of offered, no errors)'],
        names.map((n) => [n, String(sustained(n))]),
      ),
      '',
      `Server stalled ${options.stallMs} ms at t=2 s of a ${stallDuration} s run at ${options.stallRate} req/s: ${(stalledShare * 100).toFixed(0)} % of the requests were due during the stall, so a driver without coordinated omission reports a p90/p99 near ${options.stallMs} ms.`,
      '',
      table(
        ['driver', 'requests', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
        stalls.map((r) => [
          r.driver,
          String(r.latency.count),
          fmtMs(r.latency.p50Ms),
          fmtMs(r.latency.p90Ms),
          fmtMs(r.latency.p99Ms),
          fmtMs(r.latency.maxMs),
        ]),
      ),
    ].join('\n');
    return { markdown, runs, stalls };
  } finally {
    await server.stop();
  }
}
