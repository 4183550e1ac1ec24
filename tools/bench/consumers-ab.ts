/**
 * `npm run bench -- consumers --variant A=<built checkout> --variant B=<built checkout>`: the
 * consumers (bot, worker, data-service; `--apps` names others, e.g. the gateway and provider too
 * for a whole before/after) of two builds side by side on one running lab (LAB_STATE_DIR and
 * friends, as `npm run lab -- up` left it), rounds alternating A/B. Per round and offered rate:
 * open-model POSTs of mixed intents (the driver's `post` flow, no GET polling), end-to-end latency
 * from data-service's own `jeeves_message_end_to_end_seconds` (scraped before and after the step,
 * never during it), CPU ms per message per process from /proc/<pid>/stat.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { constantRateScenario, DEFAULT_CLIENTS, runScenario } from '../../load-tests/src';
import {
  type AppName,
  brokersOf,
  describeInstance,
  kafkaNodePids,
  type LabConfig,
  openLab,
  runningInstances,
  startInstance,
  stopInstance,
  waitFor,
  waitInstancesReady,
} from '../lab';
import {
  cpuTicksOfStat,
  type Histogram,
  histogramCount,
  histogramDelta,
  histogramQuantile,
  parseHistogram,
} from './capacity-math';
import { defineBench, median, table } from './support';

const CONSUMERS: readonly AppName[] = ['bot', 'worker', 'data-service'];
const PROCESSES: readonly string[] = ['gateway', ...CONSUMERS, 'provider', 'kafka'];
/** The apps `--apps` may swap: every app on the message path (the token-dealer only hands out tokens). */
const SWAPPABLE: readonly AppName[] = ['gateway', ...CONSUMERS, 'provider'];

/** `--apps gateway,bot,…` → the apps to run from each build, in the order given; throws on an unknown or repeated name. */
export function appsToSwap(list: string): AppName[] {
  const names = list.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(SWAPPABLE as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0)
    throw new Error(
      `--apps ${list}: expected names from ${SWAPPABLE.join(', ')}, not ${unknown.join(', ') || 'nothing'}`,
    );
  if (new Set(names).size !== names.length) throw new Error(`--apps ${list}: an app is named twice`);
  return names as AppName[];
}
const TEXTS = ['weather in Paris', 'time in Tokyo', 'help', 'echo hi'];
const CLOCK_TICKS_PER_SECOND = 100;
/** The SLO that defines "sustained": e2e p99 under 250 ms, read as ≥ 99 % of replies in the ≤ 0.25 s bucket. */
const SLO_SECONDS = 0.25;

interface Variant {
  readonly name: string;
  readonly root: string;
}

interface StepResult {
  readonly variant: string;
  readonly round: number;
  readonly offered: number;
  readonly accepted: number;
  readonly completed: number;
  readonly withinSlo: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuMsPerMessage: Record<string, number>;
}

/** The e2e histogram, summed over its label sets, from data-service's /metrics. */
async function e2eHistogram(config: LabConfig): Promise<Histogram> {
  const text = await (await fetch(`${describeInstance(config, 'data-service', 1).url}/metrics`)).text();
  return parseHistogram(text, 'jeeves_message_end_to_end_seconds');
}

/** utime + stime of a process, in clock ticks. */
const cpuTicks = (pid: number): number => cpuTicksOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));

function pids(config: LabConfig): Record<string, number> {
  const out: Record<string, number> = {};
  for (const instance of runningInstances(config)) if (instance.instance === 1) out[instance.app] = instance.pid;
  // The process table has one broker; a three-broker lab is refused before the rounds start.
  const [broker] = kafkaNodePids(config);
  if (broker?.pid) out.kafka = broker.pid;
  return out;
}

async function startVariant(
  config: LabConfig,
  variant: Variant,
  apps: readonly AppName[],
  log: (line: string) => void,
): Promise<void> {
  const brokers = brokersOf(config);
  await Promise.all(apps.map((app) => stopInstance(config, app)));
  const targets = apps.map((app) => describeInstance(config, app, 1));
  await Promise.all(targets.map((t) => startInstance(config, t, { brokers }, { root: variant.root })));
  await waitInstancesReady(config, targets, { timeoutMs: 120_000, log });
}

async function postStep(config: LabConfig, rate: number, seconds: number): Promise<number> {
  const scenario = constantRateScenario({
    name: 'consumers-ab',
    rate,
    durationSeconds: seconds,
    flow: 'post',
    texts: TEXTS,
    maxVUs: 2000,
  });
  const result = await runScenario({
    scenario,
    target: {
      gatewayUrl: describeInstance(config, 'gateway', 1).url,
      tokenDealerUrl: describeInstance(config, 'token-dealer', 1).url,
      serviceUrls: {},
      ...DEFAULT_CLIENTS,
    },
    gracefulStopMs: 10_000,
    connections: 256,
  });
  return (
    result.metrics.aggregate(
      { metric: 'http_reqs', tags: { endpoint: 'post_message', status: '202' } },
      { kind: 'count' },
    ) ?? 0
  );
}

async function measure(
  config: LabConfig,
  variant: Variant,
  round: number,
  rate: number,
  seconds: number,
  profiled: readonly AppName[],
): Promise<StepResult> {
  const before = await e2eHistogram(config);
  const processes = pids(config);
  // A profiling preload (see --profile) starts a CPU profile on the first SIGUSR2 and writes it on the next.
  const signal = (): void => {
    for (const app of profiled) if (processes[app]) process.kill(processes[app], 'SIGUSR2');
  };
  const ticksBefore = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuTicks(pid)]));
  signal();
  const accepted = await postStep(config, rate, seconds);
  signal();
  // Drained: every accepted message completed (checked only after the load stopped), or a deadline.
  let after = before;
  const base = histogramCount(before);
  await waitFor(
    async () => {
      after = await e2eHistogram(config);
      return histogramCount(after) - base >= accepted;
    },
    { timeoutMs: 30_000, intervalMs: 500, what: 'every accepted message to complete' },
  ).catch(() => undefined);
  const ticksAfter = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuTicks(pid)]));
  const delta = histogramDelta(after, before);
  const completed = histogramCount(delta);
  const cpuMsPerMessage: Record<string, number> = {};
  for (const name of Object.keys(processes))
    cpuMsPerMessage[name] =
      (((ticksAfter[name] - ticksBefore[name]) / CLOCK_TICKS_PER_SECOND) * 1000) / Math.max(1, completed);
  return {
    variant: variant.name,
    round,
    offered: rate,
    accepted,
    completed,
    withinSlo: (delta.buckets.find((b) => b.le === SLO_SECONDS)?.count ?? 0) / Math.max(1, completed),
    p50Ms: histogramQuantile(0.5, delta) * 1000,
    p99Ms: histogramQuantile(0.99, delta) * 1000,
    cpuMsPerMessage,
  };
}

const fmt = (v: number, digits = 0): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');

function report(results: readonly StepResult[], variants: readonly Variant[], rates: readonly number[]): string {
  const rows: string[][] = [];
  for (const rate of rates)
    for (const v of variants) {
      const of = results.filter((r) => r.offered === rate && r.variant === v.name);
      const list = (pick: (r: StepResult) => number, digits = 0): string =>
        of.map((r) => fmt(pick(r), digits)).join(' / ');
      rows.push([
        String(rate),
        v.name,
        list((r) => r.p99Ms),
        list((r) => 100 * r.withinSlo, 2),
        list((r) => r.completed / Math.max(1, r.accepted), 3),
        ...PROCESSES.map((p) => fmt(median(of.map((r) => r.cpuMsPerMessage[p] ?? NaN)), 2)),
        fmt(median(of.map((r) => CONSUMERS.reduce((s, c) => s + (r.cpuMsPerMessage[c] ?? 0), 0))), 2),
        fmt(median(of.map((r) => PROCESSES.reduce((s, c) => s + (r.cpuMsPerMessage[c] ?? 0), 0))), 2),
      ]);
    }
  return table(
    [
      'offered/s',
      'variant',
      'e2e p99 ms (each round)',
      '% ≤ 250 ms',
      'completed/accepted',
      ...PROCESSES.map((p) => `${p} CPU ms/msg (median)`),
      'consumers CPU ms/msg',
      'all CPU ms/msg',
    ],
    rows,
  );
}

/** Entry for main.ts. */
export const bench = defineBench({
  summary: 'consumers (or --apps) of two builds side by side on a running lab: e2e p99 and CPU ms per message',
  options: {
    variant: { type: 'string', multiple: true },
    rates: { type: 'string', default: '100,200,300' },
    seconds: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    /** The apps run from each build (comma-separated; gateway, bot, worker, data-service, provider). */
    apps: { type: 'string', default: CONSUMERS.join(',') },
    // Sends SIGUSR2 to the consumers at the start and end of each measured step, for a variant
    // whose preload profiles on that signal.
    profile: { type: 'boolean', default: false },
  },
  async run(values, log) {
    const variants = (values.variant ?? []).map((spec): Variant => {
      const [name, root] = spec.split('=');
      if (!name || !root) throw new Error(`--variant ${spec}: expected NAME=/path/to/built/checkout`);
      return { name, root };
    });
    if (variants.length === 0) throw new Error('give at least one --variant NAME=/path/to/built/checkout');
    const rates = values.rates.split(',').map(Number);
    const seconds = Number(values.seconds);
    const rounds = Number(values.rounds);
    const apps = appsToSwap(values.apps);
    const config = openLab();
    if (config.brokerCount > 1)
      throw new Error(
        `the lab in ${config.stateDir} runs ${config.brokerCount} brokers; this benchmark counts one broker's CPU: run it on a lab started with one (npm run lab -- down, then up)`,
      );
    // The gateway's per-client limits would cap one driver client long before the pipeline does.
    process.env.RATE_LIMIT_PER_SECOND ??= '100000';
    process.env.RATE_LIMIT_BURST ??= '100000';
    process.env.RATE_LIMIT_MAX_IN_FLIGHT ??= '4096';
    if (!apps.includes('gateway')) {
      // This checkout's gateway, restarted so that it takes the limits above.
      const brokers = brokersOf(config);
      await stopInstance(config, 'gateway');
      await delay(1000);
      const gateway = describeInstance(config, 'gateway', 1);
      await startInstance(config, gateway, { brokers });
      await waitInstancesReady(config, [gateway], { timeoutMs: 120_000, log });
    }
    const results: StepResult[] = [];
    for (let round = 1; round <= rounds; round++) {
      // ABAB… in odd rounds, BABA… in even ones: a drift in the machine's load hits both alike.
      const order = round % 2 === 1 ? variants : [...variants].reverse();
      for (const variant of order) {
        log(`round ${round}: ${apps.join(', ')} from ${variant.name} (${variant.root})`);
        await startVariant(config, variant, apps, log);
        await postStep(config, 100, 5); // warm-up: JIT and the first rebalance, unmeasured
        await delay(3000);
        for (const rate of rates) {
          const r = await measure(config, variant, round, rate, seconds, values.profile ? apps : []);
          log(
            `round ${round} ${variant.name} @${rate}/s: accepted ${r.accepted}, completed ${r.completed}, p50 ${fmt(r.p50Ms)} ms, p99 ${fmt(r.p99Ms)} ms, ${fmt(100 * r.withinSlo, 2)} % ≤ 250 ms, CPU ms/msg ${Object.entries(
              r.cpuMsPerMessage,
            )
              .map(([k, v]) => `${k} ${v.toFixed(2)}`)
              .join(', ')}`,
          );
          results.push(r);
          await delay(2000);
        }
      }
    }
    process.stdout.write(`${report(results, variants, rates)}\n\n${JSON.stringify(results)}\n`);
    return 0;
  },
});
