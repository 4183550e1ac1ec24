/**
 * `npm run bench -- footprint --against <rev>` (or `--baseline-dir <built checkout>`): start-up time
 * to ready and idle memory (RSS) of the lab's six apps and its broker, this checkout's build beside
 * another revision's, in rounds that alternate which build goes first (ABBA…) against one broker.
 * The apps are traced as the lab runs them by default: every trace sampled, OTLP/JSON over HTTP.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  APPS,
  type AppName,
  REPO_ROOT,
  type LabConfig,
  describeInstance,
  startInstance,
  stopInstance,
  waitInstancesReady,
  kafkaPid,
} from '../lab';
import { startOtlpSink } from '../otlp-sink';
import { BenchLab, withEnv } from './bench-lab';
import {
  assertBuilt,
  describeRevision,
  existingBaseline,
  prepareBaseline,
  type BuildCheckout,
} from './footprint-baseline';
import {
  BUILD_KEYS,
  fmtMiB,
  footprintHtml,
  markdownTable,
  rssRoundsTable,
  startupRoundsTable,
  summaryTable,
  type BuildKey,
  type FootprintRound,
} from './footprint-report';
import { machineLine, writePerformanceSection } from './performance-doc';
import { fmtMs } from './support';

/** How often a starting app's /health/ready is asked: the resolution of the start-up times. */
const READY_POLL_MS = 50;

/** VmRSS from the text of /proc/<pid>/status, in bytes (the kernel's "kB" are KiB); throws when absent. */
export function parseVmRssBytes(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB\s*$/m.exec(status);
  if (!m) throw new Error('no VmRSS line in /proc/<pid>/status (a kernel thread or a zombie has none)');
  return Number(m[1]) * 1024;
}

/** Resident set size of a live process, in bytes, from /proc (Linux only); throws when it is gone. */
export function readRssBytes(pid: number): number {
  try {
    return parseVmRssBytes(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch (error) {
    throw new Error(`RSS of pid ${pid}: ${(error as Error).message}`, { cause: error });
  }
}

/** ABBA…: the builds in the order they run in a 1-based round, so a drift over the run falls on both. */
export function roundOrder(round: number): readonly BuildKey[] {
  return round % 2 === 1 ? BUILD_KEYS : [...BUILD_KEYS].reverse();
}

/** What the apps of both builds get: the lab's default tracing, pointed at the bench's sink. */
function tracingEnv(sinkEndpoint: string): Record<string, string | undefined> {
  return {
    OTEL_SDK_DISABLED: undefined,
    OTEL_TRACES_EXPORTER: undefined,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
    OTEL_EXPORTER_OTLP_ENDPOINT: sinkEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // Both builds' default, said out loud: every root span sampled, children follow their parent.
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
    JEEVES_HTTP_METRICS: undefined,
  };
}

/**
 * Each build's apps keep their pid files, logs and data under their own directory, so the two
 * builds never share a store file; topics get a fresh prefix per round and build.
 */
function buildConfig(lab: BenchLab, build: BuildKey, topicPrefix: string): LabConfig {
  return { ...lab.config, stateDir: join(lab.config.stateDir, 'footprint', build), topicPrefix };
}

async function stopApps(config: LabConfig): Promise<void> {
  await Promise.all(APPS.map((a) => stopInstance(config, a.name)));
}

interface Measurement {
  readonly lab: BenchLab;
  readonly brokers: string;
  readonly idleSeconds: number;
  readonly readyTimeoutMs: number;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

/**
 * One build in one round: its apps started one at a time in the lab's order, each timed from spawn
 * to its first 200 from /health/ready; then idle, then every process's RSS; then the apps stopped.
 */
async function measureBuild(
  m: Measurement,
  build: BuildKey,
  checkout: BuildCheckout,
  round: number,
  position: number,
): Promise<FootprintRound> {
  const config = buildConfig(m.lab, build, await m.lab.freshTopics());
  // A fresh store each time, as on a fresh lab: opening a grown one would be a different start.
  rmSync(join(config.stateDir, 'data'), { recursive: true, force: true });
  const startupMs = {} as Record<AppName, number>;
  const pids = {} as Record<AppName, number>;
  try {
    for (const { name } of APPS) {
      m.signal.throwIfAborted();
      const target = describeInstance(config, name, 1);
      const spawnedAt = performance.now();
      const started = await startInstance(config, target, { brokers: m.brokers }, { root: checkout.root });
      if (!started.started) throw new Error(`${name} of the ${build} build was still running from before`);
      await waitInstancesReady(config, [target], {
        timeoutMs: m.readyTimeoutMs,
        intervalMs: READY_POLL_MS,
        log: m.log,
      });
      startupMs[name] = performance.now() - spawnedAt;
      pids[name] = started.pid;
      m.log(`  ${name}: ready after ${fmtMs(startupMs[name])} ms`);
    }
    m.log(`  all six ready; ${m.idleSeconds} s idle`);
    await delay(m.idleSeconds * 1000, undefined, { signal: m.signal });
    const rssBytes = {} as Record<AppName, number>;
    for (const { name } of APPS) rssBytes[name] = readRssBytes(pids[name]);
    const brokerPid = kafkaPid(m.lab.config);
    const brokerRssBytes = brokerPid === undefined ? NaN : readRssBytes(brokerPid);
    m.log(
      `  idle RSS MiB: ${APPS.map((a) => `${a.name} ${fmtMiB(rssBytes[a.name])}`).join(', ')}; broker ${fmtMiB(brokerRssBytes)}`,
    );
    return { build, round, position, startupMs, rssBytes, brokerRssBytes };
  } finally {
    await stopApps(config);
  }
}

interface Options {
  readonly against?: string;
  readonly baselineDir?: string;
  readonly rounds: number;
  readonly idleSeconds: number;
  readonly readyTimeoutSeconds: number;
  readonly prepareOnly: boolean;
  readonly doc: boolean;
}

function parseOptions(args: readonly string[]): Options | string {
  const { values } = parseArgs({
    args: [...args],
    options: {
      against: { type: 'string' },
      'baseline-dir': { type: 'string' },
      rounds: { type: 'string', default: '3' },
      'idle-seconds': { type: 'string', default: '20' },
      'ready-timeout-seconds': { type: 'string', default: '120' },
      /** Prepare the baseline checkout (worktree, npm ci, build) and stop: no broker, no apps. */
      'prepare-only': { type: 'boolean', default: false },
      'no-doc': { type: 'boolean', default: false },
    },
  });
  const options: Options = {
    against: values.against,
    baselineDir: values['baseline-dir'],
    rounds: Number(values.rounds),
    idleSeconds: Number(values['idle-seconds']),
    readyTimeoutSeconds: Number(values['ready-timeout-seconds']),
    prepareOnly: values['prepare-only'],
    doc: !values['no-doc'],
  };
  if ((options.against === undefined) === (options.baselineDir === undefined))
    return 'give the baseline as either --against <git revision> or --baseline-dir <built checkout>';
  if (!Number.isInteger(options.rounds) || options.rounds < 1) return `--rounds ${values.rounds}: a whole number ≥ 1`;
  if (!(options.idleSeconds >= 0)) return `--idle-seconds ${values['idle-seconds']}: a number ≥ 0`;
  if (!(options.readyTimeoutSeconds > 0)) return `--ready-timeout-seconds ${values['ready-timeout-seconds']}: > 0`;
  return options;
}

const USAGE =
  'Usage: npm run bench -- footprint (--against <rev> | --baseline-dir <path>) [--rounds 3] [--idle-seconds 20] [--ready-timeout-seconds 120] [--prepare-only] [--no-doc]';

/** The report's opening lines: what was compared, how, and what the numbers include. */
function describeRun(o: Options, current: BuildCheckout, baseline: BuildCheckout): string[] {
  return [
    `Builds: current = this checkout (${current.revision}); baseline = ${baseline.revision}${o.against ? ` (--against ${o.against})` : ''}, a checkout of its own outside this one (so that Node cannot resolve a package the baseline lacks from this checkout's node_modules), installed with its own lock and built with its own bootstrap; both run on this Node (${process.version}).`,
    `Per round, each build's six apps were started one at a time in the lab's order (${APPS.map((a) => a.name).join(', ')}), on fresh topics and a fresh store, against one Kafka broker started once for the whole run, traced as the lab runs by default (every trace sampled, OTLP/JSON over HTTP to a sink). Start-up to ready: from spawning the app's node process to its first 200 from /health/ready, polled every ${READY_POLL_MS} ms. Once all six were ready and had idled ${o.idleSeconds} s, each process's VmRSS was read from /proc/<pid>/status; then the apps were stopped. The six apps' start-up sum is the time to bring them up one after another. ${o.rounds} round${o.rounds === 1 ? '' : 's'}, the builds' order alternating (current first in odd rounds, ABBA…) so that drift on the shared machine falls on both; medians over rounds, min–max in brackets.`,
    "Whole lab = the six app processes + the broker JVM (-Xms256m -Xmx512m). The OTLP sink runs inside the benchmark process and is not counted (the lab normally runs it as a small separate Node process, the same for either build). The broker is one process shared by both builds, read at each build's idle point; it grows a little as each round creates topics, and the alternation spreads that over both builds.",
    `Caveat: the two builds' /health/ready are not the same check. The baseline's (${baseline.revision}) counts the consumers an app has created so far, so it may answer before a consuming app's consumer has joined its group; the current one waits for the join (kafka-consumer-joined-group). Reading the code, both builds' start-up awaits kafkajs's consumer.run, which returns after the first join, before the HTTP server listens, so at start-up both should include the first join; still, the two numbers for bot, worker and data-service answer slightly different questions.`,
  ];
}

export const bench = {
  summary: 'start-up to ready and idle RSS of the lab, this build beside another revision',
  async run(args: readonly string[], log: (line: string) => void): Promise<number> {
    const parsed = parseOptions(args);
    if (typeof parsed === 'string') {
      process.stderr.write(`footprint: ${parsed}\n${USAGE}\n`);
      return 2;
    }
    const o = parsed;
    const lab = new BenchLab(log);
    assertBuilt(REPO_ROOT);
    const current: BuildCheckout = { root: REPO_ROOT, revision: describeRevision(REPO_ROOT) };
    const baseline = o.against
      ? await prepareBaseline(o.against, join(lab.config.cacheDir, 'baselines'), log)
      : existingBaseline(o.baselineDir ?? '');
    log(`baseline ${baseline.revision} built in ${baseline.root}`);
    if (o.prepareOnly) return 0;
    const checkouts: Record<BuildKey, BuildCheckout> = { current, baseline };

    // Ctrl-C or SIGTERM: stop starting things, then the finally below stops what runs (a second one kills).
    const abort = new AbortController();
    const onSignal = (signal: NodeJS.Signals): void => {
      log(`${signal}: stopping the apps and the broker`);
      abort.abort(new Error(`interrupted by ${signal}`));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const sink = await startOtlpSink({ file: join(mkdtempSync(join(tmpdir(), 'jeeves-footprint-')), 'spans.jsonl') });
    const rounds: FootprintRound[] = [];
    try {
      log(`starting the bench lab's broker (${lab.config.stateDir})`);
      const brokers = await lab.startKafka();
      if (kafkaPid(lab.config) === undefined) log("the broker is not this bench's own: its RSS is not measured");
      const m: Measurement = {
        lab,
        brokers,
        idleSeconds: o.idleSeconds,
        readyTimeoutMs: o.readyTimeoutSeconds * 1000,
        signal: abort.signal,
        log,
      };
      await withEnv(tracingEnv(sink.endpoint), async () => {
        for (let round = 1; round <= o.rounds; round++) {
          for (const [i, build] of roundOrder(round).entries()) {
            log(`round ${round}/${o.rounds}, ${build} (${checkouts[build].revision}): starting the apps one by one`);
            rounds.push(await measureBuild(m, build, checkouts[build], round, i + 1));
          }
        }
      });
    } finally {
      await Promise.all(BUILD_KEYS.map((b) => stopApps(buildConfig(lab, b, ''))));
      await lab.close();
      await sink.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }

    const intro = describeRun(o, current, baseline);
    const markdown = [
      ...intro.flatMap((line) => [line, '']),
      markdownTable(summaryTable(rounds)),
      '',
      '<details><summary>Per round</summary>',
      '',
      'Start-up to ready, ms:',
      '',
      markdownTable(startupRoundsTable(rounds)),
      '',
      'Idle RSS, MiB:',
      '',
      markdownTable(rssRoundsTable(rounds)),
      '',
      '</details>',
    ].join('\n');
    process.stdout.write(markdown + '\n');
    const html = join(lab.config.stateDir, 'footprint.html');
    mkdirSync(lab.config.stateDir, { recursive: true });
    writeFileSync(html, footprintHtml([...intro, machineLine()], rounds));
    log(`wrote ${relative(process.cwd(), html) || html}`);
    const reproduce = [
      'npm run bench -- footprint',
      o.against ? `--against ${o.against}` : `--baseline-dir ${o.baselineDir}`,
      `--rounds ${o.rounds}`,
      `--idle-seconds ${o.idleSeconds}`,
    ].join(' ');
    if (o.doc) log(`wrote ${writePerformanceSection('footprint', markdown, reproduce)}`);
    return 0;
  },
};
