/**
 * `npm run bench -- capacity`: the lab's breakpoint — the highest sustained accepted msgs/s with
 * end-to-end p99 under 250 ms — beside the raw limits of its parts measured the same way (rising
 * steps of offered load, each judged by its p99 and by keeping up): a bare NestJS + Fastify handler,
 * and the broker with Kafka's own ProducerPerformance from the lab's jars. Then where the time
 * goes in a request, from 100 %-sampled traces.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { perArrivalSecond } from '../../load-tests/src';
import { constantRateGet } from './constant-rate';
import { kafkaLibsDir, waitFor } from '../lab';
import { startOtlpSink } from '../otlp-sink';
import { BenchLab } from './bench-lab';
import { writePerformanceSection } from './performance-doc';
import { loadPipeline } from './pipeline-load';
import { spanBreakdown } from './spans-breakdown';
import { fmtMs, ratio, startChild, table } from './support';

/** The SLO that defines "sustained". */
const P99_LIMIT_MS = 250;

interface Step {
  readonly offered: number;
  readonly achieved: number;
  readonly p99Ms: number;
  readonly ok: boolean;
  readonly note: string;
}

/** Raises the offered rate step by step until a step misses the SLO; returns every step run. */
async function climb(
  rates: readonly number[],
  measure: (rate: number) => Promise<Omit<Step, 'ok' | 'note'> & { failedRate: number }>,
  log: (line: string) => void,
  what: string,
): Promise<Step[]> {
  const steps: Step[] = [];
  for (const rate of rates) {
    const m = await measure(rate);
    const problems = [
      m.p99Ms >= P99_LIMIT_MS ? `p99 ${fmtMs(m.p99Ms)} ms ≥ ${P99_LIMIT_MS}` : '',
      m.achieved < 0.95 * rate ? `kept up with only ${((100 * m.achieved) / rate).toFixed(0)} %` : '',
      m.failedRate > 0.01 ? `${(m.failedRate * 100).toFixed(1)} % failed` : '',
    ].filter(Boolean);
    const step = {
      offered: rate,
      achieved: m.achieved,
      p99Ms: m.p99Ms,
      ok: problems.length === 0,
      note: problems.join('; ') || 'ok',
    };
    log(`${what} at ${rate}/s: achieved ${m.achieved.toFixed(0)}/s, p99 ${fmtMs(m.p99Ms)} ms → ${step.note}`);
    steps.push(step);
    if (!step.ok) break;
  }
  return steps;
}

const best = (steps: readonly Step[]): Step | undefined => [...steps].reverse().find((s) => s.ok);

async function bareNest(rates: readonly number[], seconds: number, log: (line: string) => void): Promise<Step[]> {
  const child = await startChild([join(__dirname, 'bare-nest.js')]);
  try {
    let warm = false;
    return await climb(
      rates,
      async (rate) => {
        // The first seconds of a fresh process are JIT compilation, not capacity: run them unmeasured.
        if (!warm) {
          warm = true;
          await measureBare(child.url, rates[0], 3);
        }
        return measureBare(child.url, rate, seconds);
      },
      log,
      'bare Nest+Fastify handler',
    );
  } finally {
    await child.stop();
  }
}

async function measureBare(
  url: string,
  rate: number,
  seconds: number,
): Promise<{ offered: number; achieved: number; p99Ms: number; failedRate: number }> {
  const result = await constantRateGet({
    url,
    rate,
    durationSeconds: seconds,
    maxVUs: 5000,
    connections: 64,
    name: 'bare',
  });
  const m = result.metrics;
  return {
    offered: rate,
    achieved: perArrivalSecond(
      m.aggregate({ metric: 'http_reqs', tags: { status: '200' } }, { kind: 'count' }) ?? 0,
      result,
    ),
    p99Ms: m.aggregate({ metric: 'http_req_duration', tags: {} }, { kind: 'p', percentile: 99 }) ?? NaN,
    failedRate: m.aggregate({ metric: 'http_req_failed', tags: {} }, { kind: 'rate' }) ?? 0,
  };
}

/** Kafka's own producer benchmark, acks=all like the lab's producers, 300-byte records (about an envelope). */
async function producerPerf(
  lab: BenchLab,
  brokers: string,
  rates: readonly number[],
  seconds: number,
  log: (line: string) => void,
): Promise<Step[]> {
  const topic = `bench-producer-perf-${Date.now()}`;
  const kafka = new Kafka({ clientId: 'bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  // A broker that has just started may not serve metadata for a new topic yet: retry to a deadline.
  await waitFor(
    async () => {
      await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 1000, what: `topic ${topic} with leaders` },
  ).finally(() => admin.disconnect());
  const classpath = `${kafkaLibsDir(lab.config)}/*`;
  let warm = false;
  return climb(
    rates,
    async (rate) => {
      // A fresh JVM and a fresh topic (leader elections, metadata) are not the broker's capacity.
      if (!warm) {
        warm = true;
        await runPerf(classpath, topic, brokers, rates[0], 3);
      }
      return runPerf(classpath, topic, brokers, rate, seconds);
    },
    log,
    'Kafka ProducerPerformance',
  );
}

async function runPerf(
  classpath: string,
  topic: string,
  brokers: string,
  rate: number,
  seconds: number,
): Promise<{ offered: number; achieved: number; p99Ms: number; failedRate: number }> {
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
  return { offered: rate, achieved: Number(m[1]), p99Ms: Number(m[2]), failedRate: 0 };
}

export const bench = {
  summary: 'breakpoint of the lab beside a bare Nest+Fastify handler and the broker',
  async run(args: readonly string[], log: (line: string) => void): Promise<number> {
    const { values } = parseArgs({
      args: [...args],
      options: {
        'pipeline-rates': { type: 'string', default: '2,5,10,15,20,30,40,60,80,120' },
        'bare-rates': { type: 'string', default: '100,200,400,800,1200,1600,2400,3200,4800,6400,9600' },
        'broker-rates': { type: 'string', default: '500,1000,2000,3000,5000,8000,12000,20000,50000' },
        step: { type: 'string', default: '10' },
        'no-doc': { type: 'boolean', default: false },
      },
    });
    const stepSeconds = Number(values.step);
    const list = (s: string): number[] => s.split(',').map(Number);
    const lab = new BenchLab(log);
    const spansFile = join(mkdtempSync(join(tmpdir(), 'jeeves-capacity-')), 'spans.jsonl');
    const sink = await startOtlpSink({ file: spansFile });
    let pipeline: Step[] = [];
    let bare: Step[] = [];
    let broker: Step[] = [];
    let breakdown = '';
    try {
      log('bare Nest+Fastify handler (own process, one route)');
      bare = await bareNest(list(values['bare-rates']), Math.min(10, stepSeconds), log);
      log(`starting the bench lab's broker (${lab.config.stateDir})`);
      const brokers = await lab.startKafka();
      broker = await producerPerf(lab, brokers, list(values['broker-rates']), Math.min(10, stepSeconds), log);
      log('lab apps (metrics on, tracing off), rate limit raised');
      await lab.startApps({ RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000', OTEL_SDK_DISABLED: 'true' });
      await loadPipeline(lab, 5, 5);
      pipeline = await climb(
        list(values['pipeline-rates']),
        async (rate) => {
          const r = await loadPipeline(lab, rate, stepSeconds);
          return { offered: rate, achieved: r.acceptedPerSecond, p99Ms: r.e2eP99Ms, failedRate: r.failedRate };
        },
        log,
        'pipeline (post → reply visible)',
      );
      const traceRate = Math.max(2, Math.round((best(pipeline)?.offered ?? 10) / 2));
      log(`where the time goes: apps with 100 % sampled traces, ${traceRate}/s for 15 s`);
      await lab.startApps({
        RATE_LIMIT_PER_SECOND: '100000',
        RATE_LIMIT_BURST: '100000',
        OTEL_SDK_DISABLED: undefined,
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_TRACES_SAMPLER: 'always_on',
      });
      await loadPipeline(lab, traceRate, 15);
      // Spans leave in batches; give the last batch time to arrive.
      await new Promise((r) => setTimeout(r, 6000));
      breakdown = spanBreakdown(spansFile);
    } catch (error) {
      log(`capacity: ${(error as Error).message}`);
      throw error;
    } finally {
      await lab.close();
      await sink.close();
    }
    const bp = best(pipeline);
    const bareBest = best(bare);
    const brokerBest = best(broker);
    const stepsTable = (steps: Step[]): string =>
      table(
        ['offered/s', 'achieved/s', 'p99 ms', 'verdict'],
        steps.map((s) => [String(s.offered), s.achieved.toFixed(1), fmtMs(s.p99Ms), s.note]),
      );
    const markdown = [
      `"Sustained" means: a ${stepSeconds} s step (at most 10 s for the parts) at that offered rate kept up (≥ 95 %), failed < 1 %, and had p99 < ${P99_LIMIT_MS} ms — end to end (POST until the reply is visible on GET, polled every 25 ms) for the lab, per request for the handler, per record acknowledged (acks=all) for the broker.`,
      '',
      table(
        ['system', 'sustained rate', 'ratio of the lab to it'],
        [
          [
            'Jeeves lab (accepted msgs/s, e2e p99 < 250 ms)',
            bp ? bp.achieved.toFixed(1) : 'none (the lowest step failed)',
            '1',
          ],
          [
            'bare NestJS 11 + Fastify handler (req/s)',
            bareBest ? bareBest.achieved.toFixed(0) : 'none',
            bp && bareBest ? ratio(bp.achieved, bareBest.achieved) : '-',
          ],
          [
            'Kafka broker, ProducerPerformance 300 B acks=all (records/s)',
            brokerBest ? brokerBest.achieved.toFixed(0) : 'none',
            bp && brokerBest ? ratio(bp.achieved, brokerBest.achieved) : '-',
          ],
        ],
      ),
      '',
      'A message costs more than one request and one record: one POST, the GET polls, and up to three produced and five consumed Kafka records (messages → bot → actions → worker → replies, each read by the data-service too), across four services on the same 2 cores as the load driver and the broker.',
      '',
      '### Steps',
      '',
      'Lab pipeline:',
      '',
      stepsTable(pipeline),
      '',
      'Bare NestJS + Fastify handler:',
      '',
      stepsTable(bare),
      '',
      'Broker (kafka-tools ProducerPerformance):',
      '',
      stepsTable(broker),
      '',
      '### Where the time goes in a request',
      '',
      breakdown,
    ].join('\n');
    process.stdout.write(markdown + '\n');
    if (!values['no-doc']) log(`wrote ${writePerformanceSection('capacity', markdown, 'npm run bench -- capacity')}`);
    return 0;
  },
};
