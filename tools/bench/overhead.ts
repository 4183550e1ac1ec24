/**
 * `npm run bench -- overhead`: what instrumentation costs the pipeline at saturation — instrumentation
 * off, metrics only, and metrics + 100 % sampled traces (OTLP/JSON to a local sink) — measured as the
 * capacity benchmark measures (ADR 0061: open-model POSTs only, e2e from data-service's own
 * histogram, CPU from /proc): replies/s and CPU ms per message at an offered rate past the knee, and
 * e2e p50/p99 at a rate below it. Variants are interleaved per round (A/B/C, then C/B/A) so that
 * drift on the shared machine falls on every variant alike.
 */
import { createReadStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { BenchLab } from './bench-lab';
import { PIPELINE_SLO } from './capacity-math';
import { clockTicksPerSecond } from './capacity-probes';
import { MIXED_TEXTS, measurePipelineStep, type PipelineStep } from './capacity-steps';
import { labSystem } from './capacity-systems';
import { offerPosts, scrapeLoop } from './pipeline-load';
import { defineBench, fmtMs, median, ratio, startChild, table } from './support';

interface Variant {
  readonly key: 'off' | 'metrics' | 'traces';
  readonly label: string;
  env(sinkEndpoint: string): Record<string, string | undefined>;
  readonly scrape: boolean;
}

const VARIANTS: readonly Variant[] = [
  {
    key: 'off',
    label: 'A: instrumentation off (no tracing, no HTTP RED hooks, no scrapes)',
    env: () => ({ OTEL_SDK_DISABLED: 'true', JEEVES_HTTP_METRICS: 'off', OTEL_EXPORTER_OTLP_ENDPOINT: undefined }),
    scrape: false,
  },
  {
    key: 'metrics',
    label: 'B: metrics only (scraped every 5 s)',
    env: () => ({ OTEL_SDK_DISABLED: 'true', JEEVES_HTTP_METRICS: undefined, OTEL_EXPORTER_OTLP_ENDPOINT: undefined }),
    scrape: true,
  },
  {
    key: 'traces',
    label: 'C: metrics + 100 % sampled traces to a local OTLP sink',
    env: (sink) => ({
      OTEL_SDK_DISABLED: undefined,
      JEEVES_HTTP_METRICS: undefined,
      OTEL_EXPORTER_OTLP_ENDPOINT: sink,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_TRACES_SAMPLER: 'always_on',
    }),
    scrape: true,
  },
];

/** The per-client limits out of the way: the load comes from one client. */
const RATE_LIMITS = {
  RATE_LIMIT_PER_SECOND: '1000000',
  RATE_LIMIT_BURST: '1000000',
  RATE_LIMIT_MAX_IN_FLIGHT: '100000',
};

interface VariantRun {
  /** Below the knee: latency is where the cost shows. */
  readonly below: PipelineStep;
  /** Past the knee: replies/s is the variant's throughput, CPU per message its cost. */
  readonly saturated: PipelineStep;
}

/** Lines in a file, read in chunks: a run's spans file passes the longest string Node can hold (512 MiB). */
async function countLines(file: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>)
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
  return lines;
}

/** Sum of CPU ms per message over the processes of a step (apps, broker, driver). */
const cpuPerMessage = (step: PipelineStep): number =>
  Object.values(step.cpuMsPerMessage).reduce((sum, ms) => sum + (Number.isFinite(ms) ? ms : 0), 0);

export const bench = defineBench({
  summary: 'instrumentation overhead at saturation (off / metrics / metrics + traces)',
  section: 'overhead',
  options: {
    /** Offered POSTs/s below the knee, for the latency columns. */
    rate: { type: 'string', default: '200' },
    /** Offered POSTs/s past the knee, for throughput and CPU per message. */
    saturation: { type: 'string', default: '800' },
    /** Seconds per measured step. */
    duration: { type: 'string', default: '10' },
    /** Unmeasured seconds at --rate after each restart (JIT compilation is start-up, not cost). */
    warmup: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
  },
  async run(values, log) {
    const rate = Number(values.rate);
    const saturation = Number(values.saturation);
    const seconds = Number(values.duration);
    const warmup = Number(values.warmup);
    const rounds = Number(values.rounds);
    for (const [name, v] of Object.entries({ rate, saturation, duration: seconds, warmup, rounds }))
      if (!(v > 0)) throw new Error(`--${name} needs a positive number`);
    const ticksPerSecond = clockTicksPerSecond();
    const stepOptions = {
      seconds,
      texts: MIXED_TEXTS,
      intent: 'mixed',
      slo: PIPELINE_SLO,
      drainMs: 30_000,
      ticksPerSecond,
    };
    const lab = new BenchLab(log);
    // The sink in a process of its own, as the lab runs it: in this one it would take the driver's
    // event loop (a message's spans parsed and written) and the driver would offer less.
    const spansFile = join(mkdtempSync(join(tmpdir(), 'jeeves-bench-')), 'spans.jsonl');
    const sink = await startChild(
      [join(__dirname, '..', 'otlp-sink', 'main.js'), '--port', '0', '--file', spansFile],
      {},
      30_000,
      /listening on http:\/\/127\.0\.0\.1:(\d+)/,
    );
    const sinkPid = sink.process.pid ?? NaN;
    /** The lab as the capacity benchmark sees it, with the sink's CPU counted beside the apps'. */
    const systemOf = (prefix: string, admin: Admin) => {
      const system = labSystem(lab, prefix, admin);
      return { ...system, pids: () => ({ ...system.pids(), 'otlp-sink': sinkPid }) };
    };
    const runs = new Map<Variant['key'], VariantRun[]>(VARIANTS.map((v) => [v.key, []]));
    let admin: Admin | undefined;
    try {
      log(`starting the bench lab's broker (${lab.config.stateDir})`);
      await lab.startKafka();
      admin = await lab.admin('bench-overhead');
      // A fresh broker spends its first minutes compiling (JIT): without this, round 1's first
      // variant would pay it alone.
      log(`warming the broker up (unmeasured): ${3 * warmup} s at ${rate}/s`);
      const first = await lab.startApps({ ...VARIANTS[1].env(sink.url), ...RATE_LIMITS });
      await offerPosts(systemOf(first.prefix, admin).target, rate, 3 * warmup, MIXED_TEXTS);
      for (let round = 1; round <= rounds; round++) {
        // A/B/C in odd rounds, C/B/A in even ones: what drifts within a round (the store's file
        // grows, a neighbour's load) falls on every variant alike.
        for (const variant of round % 2 === 1 ? VARIANTS : [...VARIANTS].reverse()) {
          log(`round ${round}/${rounds}, ${variant.label}: restarting the apps on fresh topics`);
          const { prefix } = await lab.startApps({ ...variant.env(sink.url), ...RATE_LIMITS });
          const system = systemOf(prefix, admin);
          log(`  warm-up (unmeasured): ${warmup} s at ${rate}/s`);
          await offerPosts(system.target, rate, warmup, MIXED_TEXTS);
          const scraper = variant.scrape ? scrapeLoop(lab) : undefined;
          try {
            const below = await measurePipelineStep(system, rate, stepOptions);
            log(
              `  ${rate}/s: replied ${below.repliedPerSecond.toFixed(0)}/s, e2e p50 ${fmtMs(below.e2eP50Ms)} / p99 ${fmtMs(below.e2eP99Ms)} ms, ${cpuPerMessage(below).toFixed(2)} CPU ms/msg`,
            );
            const saturated = await measurePipelineStep(system, saturation, stepOptions);
            log(
              `  ${saturation}/s: replied ${saturated.repliedPerSecond.toFixed(0)}/s, ${cpuPerMessage(saturated).toFixed(2)} CPU ms/msg`,
            );
            runs.get(variant.key)?.push({ below, saturated });
          } finally {
            scraper?.stop();
          }
        }
      }
    } finally {
      await admin?.disconnect().catch(() => undefined);
      await lab.close();
      await sink.stop();
    }
    const spansReceived = await countLines(spansFile);
    const spread = (xs: number[], digits: number): string =>
      `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
    const of = (key: Variant['key']) => runs.get(key) ?? [];
    const throughput = (key: Variant['key']) => of(key).map((r) => r.saturated.repliedPerSecond);
    const cpu = (key: Variant['key']) => of(key).map((r) => cpuPerMessage(r.saturated));
    const offThroughput = median(throughput('off'));
    const offCpu = median(cpu('off'));
    const offP99 = median(of('off').map((r) => r.below.e2eP99Ms));
    const rows = VARIANTS.map((v) => {
      const p99 = of(v.key).map((r) => r.below.e2eP99Ms);
      return [
        v.label,
        spread(throughput(v.key), 0),
        ratio(median(throughput(v.key)), offThroughput),
        spread(cpu(v.key), 2),
        ratio(offCpu, median(cpu(v.key))),
        spread(
          of(v.key).map((r) => r.below.e2eP50Ms),
          1,
        ),
        spread(p99, 1),
        ratio(offP99, median(p99)),
      ];
    });
    // Where each variant's CPU goes: per process, median over rounds, at saturation.
    const processes = [
      ...new Set(VARIANTS.flatMap((v) => of(v.key).flatMap((r) => Object.keys(r.saturated.cpuMsPerMessage)))),
    ];
    const perProcess = processes.map((name) => [
      name,
      ...VARIANTS.map((v) => {
        const xs = of(v.key)
          .map((r) => r.saturated.cpuMsPerMessage[name] ?? NaN)
          .filter(Number.isFinite);
        return xs.length ? median(xs).toFixed(2) : '-';
      }),
    ]);
    const perRound = VARIANTS.flatMap((v) =>
      of(v.key).map((r, i) => [
        v.key,
        String(i + 1),
        r.saturated.repliedPerSecond.toFixed(0),
        cpuPerMessage(r.saturated).toFixed(2),
        fmtMs(r.saturated.e2eP99Ms),
        fmtMs(r.below.e2eP50Ms),
        fmtMs(r.below.e2eP99Ms),
        (r.below.failedShare * 100).toFixed(2),
        (r.saturated.failedShare * 100).toFixed(2),
      ]),
    );
    const metricsRatio = median(throughput('metrics')) / offThroughput;
    const tracesRatio = median(throughput('traces')) / offThroughput;
    const markdown = [
      `Per variant: the apps restarted with its settings on fresh topics, ${warmup} s of unmeasured load at ${rate}/s, then one ${seconds} s step at ${rate} POSTs/s (below the knee: the latency columns) and one at ${saturation}/s (past it: replies/s is the variant's throughput, CPU ms per message its cost, summed over the apps, the broker, the trace sink and the driver). Measured as the capacity benchmark does: open-model POSTs only (mixed intents), e2e from data-service's \`jeeves_message_end_to_end_seconds\` bucket deltas, CPU from /proc; no GET polling. ${rounds} rounds interleaved (A/B/C, then C/B/A) after ${3 * warmup} s of unmeasured load on the fresh broker; each cell is the median over rounds with the min–max in brackets. Spans received by the sink (its own process, its CPU counted with the rest): ${spansReceived}.`,
      '',
      table(
        [
          'variant',
          `replies/s offered ${saturation}/s`,
          'throughput ratio to off',
          `CPU ms/msg at ${saturation}/s`,
          'CPU ratio (off ÷ variant)',
          `e2e p50 ms at ${rate}/s`,
          `e2e p99 ms at ${rate}/s`,
          'p99 ratio (off ÷ variant)',
        ],
        rows,
      ),
      '',
      `Targets (issue 14: at saturation): metrics only ≥ 0.97 of off (measured ${metricsRatio.toFixed(3)}: ${metricsRatio >= 0.97 ? 'met' : 'NOT met'}); full tracing ≥ 0.90 of off (measured ${tracesRatio.toFixed(3)}: ${tracesRatio >= 0.9 ? 'met' : 'NOT met'}). If "off" kept up with ${saturation}/s, the step was not past the knee and the throughput ratio says nothing: raise --saturation. "Off" still records the Kafka and business metrics in process (there is no switch for those); it drops the HTTP RED hooks, the scrapes and tracing.`,
      '',
      `CPU ms per message at ${saturation}/s by process (median over rounds): where each variant's cost lands.`,
      '',
      table(['process', ...VARIANTS.map((v) => v.key)], perProcess),
      '',
      '<details><summary>Per round</summary>',
      '',
      table(
        [
          'variant',
          'round',
          `replies/s at ${saturation}/s`,
          'CPU ms/msg',
          `e2e p99 ms at ${saturation}/s`,
          `e2e p50 ms at ${rate}/s`,
          `e2e p99 ms at ${rate}/s`,
          `failed % at ${rate}/s`,
          `failed % at ${saturation}/s`,
        ],
        perRound,
      ),
      '',
      '</details>',
    ].join('\n');
    process.stdout.write(markdown + '\n');
    return {
      markdown,
      reproduce: `npm run bench -- overhead --rate ${rate} --saturation ${saturation} --duration ${seconds} --warmup ${warmup} --rounds ${rounds}`,
    };
  },
});
