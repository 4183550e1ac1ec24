/**
 * `npm run bench -- overhead`: the pipeline's throughput and p99 with instrumentation off, metrics
 * only, and metrics + 100 % sampled traces (OTLP/JSON to a local sink), at the same offered load,
 * interleaved A/B/C/A/B/C so that drift on the shared machine falls on every variant alike.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtlpSink } from '../otlp-sink';
import { BenchLab } from './bench-lab';
import { loadPipeline, scrapeLoop, type PipelineRun } from './pipeline-load';
import { defineBench, fmtMs, median, ratio, table } from './support';

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

interface VariantRun {
  /** At the offered rate (below saturation): latency is where the cost shows. */
  readonly steady: PipelineRun;
  /** At 3× the offered rate (past saturation): replies/s is the variant's throughput. */
  readonly overload: PipelineRun;
}

export const bench = defineBench({
  summary: 'instrumentation overhead (off / metrics / metrics + traces)',
  section: 'overhead',
  options: {
    rate: { type: 'string', default: '8' },
    duration: { type: 'string', default: '15' },
    rounds: { type: 'string', default: '2' },
    /** Multiple of --rate offered for the throughput measurement; it must be past saturation. */
    overload: { type: 'string', default: '6' },
  },
  async run(values, log) {
    const rate = Number(values.rate);
    const durationSeconds = Number(values.duration);
    const rounds = Number(values.rounds);
    const lab = new BenchLab(log);
    const sink = await startOtlpSink({ file: join(mkdtempSync(join(tmpdir(), 'jeeves-bench-')), 'spans.jsonl') });
    const runs = new Map<Variant['key'], VariantRun[]>(VARIANTS.map((v) => [v.key, []]));
    const overloadRate = rate * Number(values.overload);
    try {
      log(`starting the bench lab's broker (${lab.config.stateDir})`);
      await lab.startKafka();
      // The first minute of a fresh broker (JIT, page cache, the first groups) is not any variant's cost.
      log('warming the broker up: one unmeasured run');
      await lab.startApps({
        ...VARIANTS[1].env(sink.endpoint),
        RATE_LIMIT_PER_SECOND: '100000',
        RATE_LIMIT_BURST: '100000',
      });
      await loadPipeline(lab, rate, 15);
      for (let round = 1; round <= rounds; round++) {
        for (const variant of VARIANTS) {
          log(`round ${round}/${rounds}, ${variant.label}: restarting the apps`);
          await lab.startApps({
            ...variant.env(sink.endpoint),
            RATE_LIMIT_PER_SECOND: '100000',
            RATE_LIMIT_BURST: '100000',
          });
          log(`  warm-up 10 s at ${rate}/s`);
          await loadPipeline(lab, rate, 10);
          const scraper = variant.scrape ? scrapeLoop(lab) : undefined;
          try {
            log(`  measuring ${durationSeconds} s at ${rate}/s, then ${durationSeconds} s at ${overloadRate}/s`);
            const steady = await loadPipeline(lab, rate, durationSeconds);
            const overload = await loadPipeline(lab, overloadRate, durationSeconds);
            log(
              `  at ${rate}/s: e2e p99 ${fmtMs(steady.e2eP99Ms)} ms, POST p99 ${fmtMs(steady.postP99Ms)} ms; at ${overloadRate}/s: ${overload.repliedPerSecond.toFixed(1)} replies/s`,
            );
            runs.get(variant.key)?.push({ steady, overload });
          } finally {
            scraper?.stop();
          }
        }
      }
    } finally {
      await lab.close();
      await sink.close();
    }
    const agg = (key: Variant['key']): { throughput: number; e2eP99: number; postP99: number } => {
      const r = runs.get(key) ?? [];
      return {
        throughput: median(r.map((x) => x.overload.repliedPerSecond)),
        e2eP99: median(r.map((x) => x.steady.e2eP99Ms)),
        postP99: median(r.map((x) => x.steady.postP99Ms)),
      };
    };
    const off = agg('off');
    const rows = VARIANTS.map((v) => {
      const a = agg(v.key);
      return [
        v.label,
        a.throughput.toFixed(2),
        ratio(a.throughput, off.throughput),
        fmtMs(a.e2eP99),
        ratio(off.e2eP99, a.e2eP99),
        fmtMs(a.postP99),
      ];
    });
    const perRound = VARIANTS.flatMap((v) =>
      (runs.get(v.key) ?? []).map((r, i) => [
        v.key,
        String(i + 1),
        r.overload.repliedPerSecond.toFixed(2),
        fmtMs(r.steady.e2eP50Ms),
        fmtMs(r.steady.e2eP99Ms),
        fmtMs(r.steady.postP99Ms),
        (r.steady.failedRate * 100).toFixed(2),
        (r.overload.failedRate * 100).toFixed(2),
      ]),
    );
    const metricsRatio = agg('metrics').throughput / off.throughput;
    const tracesRatio = agg('traces').throughput / off.throughput;
    const markdown = [
      `Per variant: the apps restarted with its settings on fresh topics, a 10 s warm-up, then ${durationSeconds} s at ${rate} post-and-poll iterations/s (below saturation: the p99 columns) and ${durationSeconds} s at ${overloadRate}/s (meant to be past saturation: the throughput columns; if "off" keeps up there, the throughput ratio says nothing and --overload must grow), open model; ${rounds} rounds interleaved A/B/C after one unmeasured warm-up run; medians over rounds. Spans received by the sink: ${sink.spansReceived()}.`,
      '',
      table(
        [
          'variant',
          `replies/s offered ${overloadRate}/s`,
          'throughput ratio to off',
          `e2e p99 ms at ${rate}/s`,
          'p99 ratio (off ÷ variant)',
          `POST p99 ms at ${rate}/s`,
        ],
        rows,
      ),
      '',
      `Targets: metrics only ≥ 0.97 of off (measured ${metricsRatio.toFixed(3)}: ${metricsRatio >= 0.97 ? 'met' : 'NOT met'}); full tracing ≥ 0.90 of off (measured ${tracesRatio.toFixed(3)}: ${tracesRatio >= 0.9 ? 'met' : 'NOT met'}). "Off" still records the Kafka and business metrics in process (there is no switch for those); it drops the HTTP RED hooks, the scrapes and tracing.`,
      '',
      '<details><summary>Per round</summary>',
      '',
      table(
        [
          'variant',
          'round',
          `replies/s at ${overloadRate}/s`,
          'e2e p50 ms',
          'e2e p99 ms',
          'POST p99 ms',
          `failed % at ${rate}/s`,
          `failed % at ${overloadRate}/s`,
        ],
        perRound,
      ),
      '',
      '</details>',
    ].join('\n');
    process.stdout.write(markdown + '\n');
    return {
      markdown,
      reproduce: `npm run bench -- overhead --rate ${rate} --duration ${durationSeconds} --rounds ${rounds} --overload ${values.overload}`,
    };
  },
});
