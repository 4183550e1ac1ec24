/**
 * `npm run bench -- capacity`: what the lab sustains, measured without disturbing it (ADR 0061) —
 * open-model POSTs only, end-to-end latency from data-service's own histogram — beside a bare
 * kafkajs pipeline with the same hops on the same broker, in the same run; the lab's gateway alone
 * beside a bare NestJS + Fastify handler; CPU per message per service, mixed and per intent; the
 * polling flow apart ("what a polling client sees"). `--rounds N` repeats the whole set (medians
 * and min–max in the report); `--short` is the CI version (a few 3 s steps, one round, no doc).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Admin } from 'kafkajs';
import { type AppName, kafkaLibsDir, REPO_ROOT, waitFor } from '../lab';
import { BenchLab } from './bench-lab';
import { climb, histogramCount, histogramDelta, histogramQuantile, PIPELINE_SLO, type Slo } from './capacity-math';
import { clockTicksPerSecond } from './capacity-probes';
import {
  type BrokerStep,
  type CapacityResult,
  type CapacityRound,
  type CapacitySettings,
  capacityMarkdown,
  capacitySvg,
  headlineOf,
  type PollingStep,
} from './capacity-report';
import {
  type HttpStep,
  measureHttpStep,
  measureIdleCpu,
  measurePipelineStep,
  MIXED_TEXTS,
  type PipelineStep,
  type PipelineSystem,
} from './capacity-steps';
import { labSystem, startBarePipeline } from './capacity-systems';
import { writePerformanceSection } from './performance-doc';
import { loadPipeline, offerPosts } from './pipeline-load';
import { fmtMs, startChild } from './support';

/** One text per intent for the per-intent steps. */
const INTENT_TEXTS: Record<string, string> = {
  echo: 'echo hi',
  weather: 'weather in Paris',
  time: 'time in Tokyo',
  help: 'help',
};
/** The gateway and the bare handler alone: kept up, < 1 % failed, POST p99 under 100 ms. */
const HTTP_SLO: Slo = { keptUpShare: 0.95, maxFailedShare: 0.01, p99LimitMs: 100 };
/** The lab's apps for capacity: metrics on, tracing off, the per-client limits out of the way. */
const LAB_ENV = {
  RATE_LIMIT_PER_SECOND: '1000000',
  RATE_LIMIT_BURST: '1000000',
  RATE_LIMIT_MAX_IN_FLIGHT: '100000',
  OTEL_SDK_DISABLED: 'true',
};
const CONSUMING_APPS: readonly AppName[] = ['bot', 'worker', 'data-service', 'provider'];

const DEFAULTS = {
  rounds: '3',
  steps: '50,100,150,200,300,400,600',
  'bare-steps': '200,400,700,1000,1500,2000,3000,4000',
  'gateway-steps': '500,1000,1500,2000,3000,4000,6000',
  'bare-nest-steps': '2000,4000,8000,12000,16000,24000,32000',
  'broker-rates': '25000,50000,100000',
  step: '10',
  'http-step': '5',
  'intent-rate': '100',
  'intent-step': '8',
  drain: '30',
  warmup: '30',
};
const SHORT: typeof DEFAULTS = {
  rounds: '1',
  steps: '20,60',
  'bare-steps': '50,150',
  'gateway-steps': '100,300',
  'bare-nest-steps': '300,1000',
  'broker-rates': '',
  step: '3',
  'http-step': '2',
  'intent-rate': '20',
  'intent-step': '2',
  drain: '10',
  warmup: '3',
};

const list = (s: string): number[] => (s.trim() ? s.split(',').map(Number) : []);

function numbers(name: string, s: string): number[] {
  const xs = list(s);
  if (xs.some((x) => !(x > 0))) throw new Error(`--${name} needs positive numbers separated by commas, not "${s}"`);
  return xs;
}

export const bench = {
  summary: 'what the lab sustains (histogram e2e, no polling) beside a bare kafkajs pipeline and a bare handler',
  async run(args: readonly string[], log: (line: string) => void): Promise<number> {
    const { values } = parseArgs({
      args: [...args],
      strict: true,
      options: {
        ...Object.fromEntries(Object.keys(DEFAULTS).map((k) => [k, { type: 'string' as const }])),
        short: { type: 'boolean', default: false },
        'no-doc': { type: 'boolean', default: false },
        out: { type: 'string' },
      },
    });
    const base = values.short ? SHORT : DEFAULTS;
    const given = values as Record<string, string | boolean | undefined>;
    const opt = (k: keyof typeof DEFAULTS): string => {
      const v = given[k];
      return typeof v === 'string' ? v : base[k];
    };
    const rounds = Number(opt('rounds'));
    if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds needs a whole number ≥ 1');
    const stepSeconds = numbers('step', opt('step'))[0];
    const httpStepSeconds = numbers('http-step', opt('http-step'))[0];
    const intentRate = numbers('intent-rate', opt('intent-rate'))[0];
    const intentSeconds = numbers('intent-step', opt('intent-step'))[0];
    const drainMs = 1000 * numbers('drain', opt('drain'))[0];
    const warmupSeconds = numbers('warmup', opt('warmup'))[0];
    // The warm-up's rate: the second step (the first is often too light to exercise every path).
    const warmupRate = (xs: number[]): number => xs[Math.min(1, xs.length - 1)];
    const idleSeconds = values.short ? 1 : 3;
    const rates = {
      lab: numbers('steps', opt('steps')),
      bare: numbers('bare-steps', opt('bare-steps')),
      gateway: numbers('gateway-steps', opt('gateway-steps')),
      bareNest: numbers('bare-nest-steps', opt('bare-nest-steps')),
      broker: list(opt('broker-rates')),
    };
    const writeDoc = !values.short && !values['no-doc'];
    const reproduce = ['npm run bench -- capacity', ...args].join(' ');
    const settings: CapacitySettings = {
      rounds,
      stepSeconds,
      httpStepSeconds,
      intentRate,
      intentSeconds,
      warmupSeconds,
      pipelineSlo: PIPELINE_SLO,
      httpSlo: HTTP_SLO,
      mixedTexts: MIXED_TEXTS,
      reproduce,
    };
    const startedAt = new Date();
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
    const out = values.out ?? join(REPO_ROOT, 'results', `${stamp}-bench-capacity`);
    /** The report, raw numbers and plot of the rounds done so far (rewritten after each round). */
    const writeResults = (): CapacityResult => {
      const result: CapacityResult = { startedAt: startedAt.toISOString(), settings, rounds: done, broker };
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'capacity.json'), JSON.stringify(result, null, 2) + '\n');
      writeFileSync(join(out, 'capacity.svg'), capacitySvg(result));
      writeFileSync(join(out, 'capacity.md'), capacityMarkdown(result, 'capacity.svg') + '\n');
      return result;
    };
    const ticksPerSecond = clockTicksPerSecond();
    const stepOptions = { seconds: stepSeconds, slo: PIPELINE_SLO, drainMs, ticksPerSecond };
    const lab = new BenchLab(log);
    const done: CapacityRound[] = [];
    let broker: BrokerStep[] = [];
    let admin: Admin | undefined;

    const pipelineClimb = (system: PipelineSystem, what: string, rs: readonly number[]): Promise<PipelineStep[]> =>
      climb(rs, async (rate) => {
        const s = await measurePipelineStep(system, rate, { ...stepOptions, texts: MIXED_TEXTS, intent: 'mixed' });
        log(`  ${what} ${pipelineLine(s)}`);
        return s;
      });
    const httpClimb = (
      what: string,
      target: { url: string; tokenDealerUrl?: string },
      pids: () => Record<string, number>,
      rs: readonly number[],
    ): Promise<HttpStep[]> =>
      climb(rs, async (rate) => {
        const s = await measureHttpStep(what, target, pids(), rate, {
          seconds: httpStepSeconds,
          texts: MIXED_TEXTS,
          slo: HTTP_SLO,
          ticksPerSecond,
        });
        log(
          `  ${what} ${rate}/s: accepted ${s.acceptedPerSecond.toFixed(0)}/s, POST p99 ${fmtMs(s.postP99Ms)} ms → ${s.note}`,
        );
        return s;
      });

    const kafkaAndDriver = (): Record<string, number> => {
      const pid = lab.kafkaPid();
      return { ...(pid ? { kafka: pid } : {}), driver: process.pid };
    };

    try {
      log(`starting the bench lab's broker (${lab.config.stateDir})`);
      const brokers = await lab.startKafka();
      admin = await lab.admin('bench-capacity');
      if (rates.broker.length) {
        log("the broker alone: Kafka's ProducerPerformance");
        broker = await producerPerf(lab, admin, brokers, rates.broker, log);
      }
      for (let round = 1; round <= rounds; round++) {
        try {
          done.push(await runRound(round));
          writeResults();
        } catch (error) {
          // One round lost to a neighbour's burst or a crash must not lose the others.
          log(`round ${round} failed: ${error instanceof Error ? error.message : String(error)}`);
          await lab.stopApps().catch(() => undefined);
        }
      }
    } finally {
      await admin?.disconnect().catch(() => undefined);
      await lab.close();
    }

    async function runRound(round: number): Promise<CapacityRound> {
      const kafkaAdmin = admin;
      if (!kafkaAdmin) throw new Error('the admin client is not connected');
      const brokers = lab.brokers;
      log(`round ${round}/${rounds}: lab apps (metrics on, tracing off), fresh topics`);
      const { prefix } = await lab.startApps(LAB_ENV);
      const labSys = labSystem(lab, prefix, kafkaAdmin);
      // A fresh JVM spends its first minutes compiling (the broker's C2 thread took more CPU than its
      // request threads at 50 msgs/s): that is start-up, not capacity.
      log(`  warm-up (unmeasured): ${warmupSeconds} s at ${warmupRate(rates.lab)}/s`);
      await offerPosts(labSys.target, warmupRate(rates.lab), warmupSeconds, MIXED_TEXTS);
      await settle(labSys, drainMs, log);
      const labIdleCpu = await measureIdleCpu(labSys.pids(), idleSeconds, ticksPerSecond);
      log(`  lab idle CPU % [${cpuLine(labIdleCpu)}]`);
      log('  lab, mixed intents');
      const labSteps = await pipelineClimb(labSys, 'lab', rates.lab);
      // The climb ended past the knee: let its backlog drain before anything else is measured.
      await settle(labSys, drainMs, log);
      const intents: PipelineStep[] = [];
      for (const [intent, text] of Object.entries(INTENT_TEXTS)) {
        const s = await measurePipelineStep(labSys, intentRate, {
          ...stepOptions,
          seconds: intentSeconds,
          texts: [text],
          intent,
        });
        log(`  lab, ${intent} only ${pipelineLine(s)}`);
        intents.push(s);
      }
      const sustained = headlineOf({
        round,
        lab: labSteps,
        intents,
        gateway: [],
        bareNest: [],
        bare: [],
      }).labSustained;
      const polling = await pollingStep(labSys, lab, Math.max(2, Math.round((sustained || rates.lab[0]) / 2)), {
        seconds: stepSeconds,
        drainMs,
      });
      log(
        `  polling client at ${polling.offeredPerSecond}/s: client e2e p99 ${fmtMs(polling.clientP99Ms)} ms, histogram p99 ${fmtMs(polling.serverP99Ms)} ms, ${polling.getsPerSecond.toFixed(0)} GETs/s`,
      );

      log('  lab gateway alone: consumers stopped');
      await lab.stopApps(CONSUMING_APPS);
      const gateway = await httpClimb(
        'gateway',
        labSys.target,
        () => {
          const p = lab.appPids();
          return { gateway: p.gateway ?? NaN, 'token-dealer': p['token-dealer'] ?? NaN, ...kafkaAndDriver() };
        },
        rates.gateway,
      );
      await lab.stopApps();

      log('  bare NestJS + Fastify handler');
      const nest = await startChild([join(__dirname, 'bare-nest.js')]);
      let bareNest: HttpStep[];
      try {
        // The first seconds of a fresh process are JIT compilation, not capacity.
        await offerPosts({ url: nest.url }, rates.bareNest[0], 2, MIXED_TEXTS);
        bareNest = await httpClimb(
          'bare-nest',
          { url: nest.url },
          () => ({ 'bare-nest': nest.process.pid ?? NaN, driver: process.pid }),
          rates.bareNest,
        );
      } finally {
        await nest.stop();
      }

      log('  bare kafkajs pipeline');
      const bare = await startBarePipeline(brokers, `benchbare${Date.now()}r${round}`, kafkaAdmin);
      let bareSteps: PipelineStep[];
      let bareIdleCpu: Record<string, number> = {};
      try {
        const bareSys: PipelineSystem = { ...bare, pids: () => ({ ...bare.pids(), ...kafkaAndDriver() }) };
        log(`  warm-up (unmeasured): ${warmupSeconds} s at ${warmupRate(rates.bare)}/s`);
        await offerPosts(bare.target, warmupRate(rates.bare), warmupSeconds, MIXED_TEXTS);
        await settle(bareSys, drainMs, log);
        bareIdleCpu = await measureIdleCpu(bareSys.pids(), idleSeconds, ticksPerSecond);
        log(`  bare idle CPU % [${cpuLine(bareIdleCpu)}]`);
        bareSteps = await pipelineClimb(bareSys, 'bare', rates.bare);
      } finally {
        await bare.stop();
      }
      const r: CapacityRound = {
        round,
        lab: labSteps,
        intents,
        polling,
        gateway,
        bareNest,
        bare: bareSteps,
        labIdleCpu,
        bareIdleCpu,
      };
      const hl = headlineOf(r);
      log(
        `round ${round}: lab ${hl.labSustained.toFixed(0)}/s, bare pipeline ${hl.bareSustained.toFixed(0)}/s (ratio ${hl.labToBare.toFixed(3)}); gateway ${hl.gatewaySustained.toFixed(0)}/s, bare handler ${hl.bareNestSustained.toFixed(0)}/s (ratio ${hl.gatewayToBareNest.toFixed(3)})`,
      );
      return r;
    }

    const result = writeResults();
    log(`wrote ${join(out, 'capacity.md')}, capacity.json and capacity.svg`);
    if (done.length < rounds) throw new Error(`only ${done.length} of ${rounds} rounds completed; docs/ left alone`);
    const svg = capacitySvg(result);
    if (writeDoc) {
      const docs = join(REPO_ROOT, 'docs');
      const img = join(docs, 'img', 'capacity.svg');
      mkdirSync(join(docs, 'img'), { recursive: true });
      writeFileSync(img, svg);
      log(`wrote ${writePerformanceSection('capacity', capacityMarkdown(result, relative(docs, img)), reproduce)}`);
    }
    return 0;
  },
};

/** Waits, with no load offered, until no consumer group of `system` lags (or `timeoutMs` passes); logs what is left. */
async function settle(system: PipelineSystem, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const lag = await system.lag();
    if (Object.values(lag).every((n) => n === 0)) return;
    if (Date.now() >= until) {
      log(`  still lagging after ${timeoutMs / 1000} s: ${JSON.stringify(lag)}`);
      return;
    }
    await delay(2000);
  }
}

const cpuLine = (cpu: Record<string, number>): string =>
  Object.entries(cpu)
    .map(([p, v]) => `${p} ${v.toFixed(0)}`)
    .join(', ');

function pipelineLine(s: PipelineStep): string {
  const lag = Object.entries(s.lag)
    .map(([g, n]) => `${g} ${n}`)
    .join(', ');
  const cpu = cpuLine(s.cpuPercent);
  return `${s.offeredPerSecond}/s: accepted ${s.acceptedPerSecond.toFixed(0)}/s, replied ${s.repliedPerSecond.toFixed(0)}/s, e2e p50 ${fmtMs(s.e2eP50Ms)} / p99 ${fmtMs(s.e2eP99Ms)} ms, lag [${lag}], CPU % [${cpu}] → ${s.note}`;
}

/** One step of the polling flow (POST, then GET every 25 ms), with the histogram's view of the same messages. */
async function pollingStep(
  system: PipelineSystem,
  lab: BenchLab,
  rate: number,
  options: { seconds: number; drainMs: number },
): Promise<PollingStep> {
  const h0 = await system.e2e();
  const run = await loadPipeline(lab, rate, options.seconds);
  let h2 = await system.e2e();
  const until = Date.now() + options.drainMs;
  const accepted = run.acceptedPerSecond * options.seconds;
  while (histogramCount(h2.all) - histogramCount(h0.all) < accepted && Date.now() < until) {
    await delay(1000);
    h2 = await system.e2e();
  }
  const delta = histogramDelta(h2.all, h0.all);
  return {
    offeredPerSecond: rate,
    pollIntervalMs: 25,
    clientP50Ms: run.e2eP50Ms,
    clientP99Ms: run.e2eP99Ms,
    serverP50Ms: 1000 * histogramQuantile(0.5, delta),
    serverP99Ms: 1000 * histogramQuantile(0.99, delta),
    repliedPerSecond: run.repliedPerSecond,
    getsPerSecond: run.getsPerSecond,
  };
}

/** Kafka's own producer benchmark, acks=all like the lab's producers, 300-byte records (about an envelope). */
async function producerPerf(
  lab: BenchLab,
  admin: Admin,
  brokers: string,
  rates: readonly number[],
  log: (line: string) => void,
): Promise<BrokerStep[]> {
  const topic = `bench-producer-perf-${Date.now()}`;
  // A broker that has just started may not serve metadata for a new topic yet: retry to a deadline.
  await waitFor(
    async () => {
      await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 1000, what: `topic ${topic} with leaders` },
  );
  const classpath = `${kafkaLibsDir(lab.config)}/*`;
  // A fresh JVM and a fresh topic (leader elections, metadata) are not the broker's capacity.
  await runPerf(classpath, topic, brokers, rates[0], 3);
  const steps: BrokerStep[] = [];
  for (const rate of rates) {
    const s = await runPerf(classpath, topic, brokers, rate, 5);
    log(`  ProducerPerformance ${rate}/s: ${s.achievedPerSecond.toFixed(0)}/s, p99 ${s.p99Ms} ms`);
    steps.push(s);
  }
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  return steps;
}

async function runPerf(
  classpath: string,
  topic: string,
  brokers: string,
  rate: number,
  seconds: number,
): Promise<BrokerStep> {
  const args = [
    '-Xmx256m',
    '-cp',
    classpath,
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    topic,
    '--num-records',
    String(rate * seconds),
    '--record-size',
    '300',
    '--throughput',
    String(rate),
    '--producer-props',
    `bootstrap.servers=${brokers}`,
    'acks=all',
    'linger.ms=0',
  ];
  const out = await new Promise<string>((resolve, reject) => {
    const java = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    java.stdout.on('data', (c: Buffer) => (text += c.toString()));
    java.stderr.on('data', () => undefined);
    java.once('error', reject);
    java.once('exit', () => resolve(text));
  });
  // Last line: "N records sent, R records/sec (… MB/sec), A ms avg latency, M ms max latency, p50 ms 50th, p95 ms 95th, p99 ms 99th, …"
  const last = out.trim().split('\n').pop() ?? '';
  const m = /([\d.]+) records\/sec.*?(\d+) ms 99th/.exec(last);
  if (!m) throw new Error(`ProducerPerformance printed no summary: ${out.slice(-500)}`);
  return { offeredPerSecond: rate, achievedPerSecond: Number(m[1]), p99Ms: Number(m[2]) };
}
