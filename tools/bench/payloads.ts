/**
 * `npm run bench -- payloads`: what each envelope format (JSON, MessagePack, Protobuf; ADR 0090)
 * costs, in one run. First the codecs alone (payloads-codec.ts): bytes per record, value and value
 * + headers, and CPU µs per record to encode and to decode + validate, per event type, formats
 * alternating over rounds. Then the pipeline: per round, per format (order reversed every other
 * round), the bench lab restarted with every producer on that format (JEEVES_PAYLOAD_FORMAT) on
 * fresh topics, warmed up, and climbed as the capacity benchmark climbs (ADR 0061: open-model
 * POSTs, e2e from data-service's histogram, CPU from /proc): sustained replies/s, e2e p99 and CPU
 * ms per message per process at the first step, side by side as ratios to JSON. After each climb
 * a consumer of the bench's own reads the records' content-type headers, so the report says the
 * format really was the one measured.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import {
  CONTENT_TYPE_HEADER,
  CONTENT_TYPES,
  PAYLOAD_FORMATS,
  type PayloadFormat,
  TOPICS,
  topicName,
  type TopicName,
} from '#libs/contracts';
import { REPO_ROOT } from '../lab';
import { renderSvgDocument, type Chart } from '../common';
import { BenchLab } from './bench-lab';
import { climb, formatSpread, PIPELINE_SLO, spreadOf, sustainedRate } from './capacity-math';
import { clockTicksPerSecond } from './capacity-probes';
import { measurePipelineStep, MIXED_TEXTS, type PipelineStep } from './capacity-steps';
import { labSystem } from './capacity-systems';
import { measureCodecs, MIXED_TEXT_RECORDS } from './payloads-codec';
import {
  type CodecSample,
  codecMicrosPerMessage,
  codecRows,
  formatSwitchConfirmed,
  ratioOf,
  roundOrder,
} from './payloads-math';
import { offerPosts } from './pipeline-load';
import { defineBench, fmtMs, table } from './support';

/** The topics a message crosses, whose records every producer writes in the format under test. */
const PIPELINE_TOPIC_NAMES: readonly TopicName[] = [TOPICS.messages, TOPICS.actions, TOPICS.replies];
const PIPELINE_TOPICS: readonly string[] = PIPELINE_TOPIC_NAMES;

/** The lab's apps as the capacity bench runs them: metrics on, tracing off, the per-client limits out of the way. */
const LAB_ENV = {
  RATE_LIMIT_PER_SECOND: '1000000',
  RATE_LIMIT_BURST: '1000000',
  RATE_LIMIT_MAX_IN_FLIGHT: '100000',
  OTEL_SDK_DISABLED: 'true',
};

/** One format's climb in one round. */
interface FormatClimb {
  readonly format: PayloadFormat;
  readonly round: number;
  readonly steps: readonly PipelineStep[];
  /** content-type → records seen on the pipeline topics after the climb (a sample of each). */
  readonly contentTypes: Readonly<Record<string, number>>;
  /** Every pipeline topic was read and carried only this format's content-type (formatSwitchConfirmed). */
  readonly confirmed: boolean;
}

interface PayloadsResult {
  readonly startedAt: string;
  readonly settings: Record<string, unknown>;
  readonly codecs: readonly CodecSample[];
  readonly climbs: readonly FormatClimb[];
}

const SHORT = {
  rounds: '1',
  'codec-rounds': '1',
  iterations: '300',
  steps: '20,60',
  step: '3',
  warmup: '3',
  drain: '10',
};
const DEFAULTS: typeof SHORT = {
  rounds: '3',
  'codec-rounds': '5',
  iterations: '20000',
  steps: '100,150,200,250,300,400',
  step: '8',
  warmup: '15',
  drain: '20',
};

const positive = (name: string, s: string): number[] => {
  const xs = s.split(',').map(Number);
  if (xs.some((x) => !(x > 0))) throw new Error(`--${name} needs positive numbers, not "${s}"`);
  return xs;
};

export const bench = defineBench({
  summary: 'JSON, MessagePack and Protobuf envelopes: bytes and codec CPU per record, and pipeline capacity per format',
  section: 'payloads',
  options: {
    short: { type: 'boolean', default: false },
    /** Pipeline rounds (every format climbed once per round). */
    rounds: { type: 'string' },
    /** Codec rounds (cheap: every fixture in every format per round). */
    'codec-rounds': { type: 'string' },
    /** Encodes (and decodes) per fixture, format and round. */
    iterations: { type: 'string' },
    /** Offered POSTs/s of the climb's steps. */
    steps: { type: 'string' },
    /** Seconds per step. */
    step: { type: 'string' },
    /** Unmeasured seconds at the first step's rate after each restart. */
    warmup: { type: 'string' },
    /** Longest wait for a step's backlog, in seconds. */
    drain: { type: 'string' },
    /** Skip the pipeline part (codecs only). */
    'codecs-only': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
  async run(values, log) {
    const base = values.short ? SHORT : DEFAULTS;
    const opt = (k: keyof typeof SHORT): string => (values[k] as string | undefined) ?? base[k];
    const [rounds] = positive('rounds', opt('rounds'));
    const [codecRounds] = positive('codec-rounds', opt('codec-rounds'));
    const [iterations] = positive('iterations', opt('iterations'));
    const rates = positive('steps', opt('steps'));
    const [stepSeconds] = positive('step', opt('step'));
    const [warmupSeconds] = positive('warmup', opt('warmup'));
    const [drainSeconds] = positive('drain', opt('drain'));
    const formats = [...PAYLOAD_FORMATS];
    const startedAt = new Date();
    const out =
      values.out ?? join(REPO_ROOT, 'results', `${startedAt.toISOString().replace(/[:.]/g, '-')}-bench-payloads`);
    const args = [
      ...(values.short ? ['--short'] : []),
      ...(['rounds', 'codec-rounds', 'iterations', 'steps', 'step', 'warmup', 'drain'] as const).flatMap((k) =>
        values[k] !== undefined ? [`--${k}`, String(values[k])] : [],
      ),
      ...(values['codecs-only'] ? ['--codecs-only'] : []),
    ];
    const reproduce = ['npm run bench -- payloads', ...args].join(' ');
    const settings = {
      rounds,
      codecRounds,
      iterations,
      rates,
      stepSeconds,
      warmupSeconds,
      drainSeconds,
      reproduce,
    };

    log(`codecs: ${codecRounds} round(s), ${iterations} encodes and decodes per fixture and format`);
    const codecs = measureCodecs(formats, codecRounds, iterations, log);
    const climbs: FormatClimb[] = [];
    const write = (): PayloadsResult => {
      const result: PayloadsResult = { startedAt: startedAt.toISOString(), settings, codecs, climbs };
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'payloads.json'), JSON.stringify(result, null, 2) + '\n');
      writeFileSync(join(out, 'payloads.svg'), payloadsSvg(result));
      writeFileSync(join(out, 'payloads.md'), payloadsMarkdown(result, 'payloads.svg') + '\n');
      return result;
    };
    write();

    if (!values['codecs-only']) {
      const lab = new BenchLab(log);
      const ticksPerSecond = clockTicksPerSecond();
      let admin: Admin | undefined;
      try {
        log(`starting the bench lab's broker (${lab.config.stateDir})`);
        await lab.startKafka();
        admin = await lab.admin('bench-payloads');
        // A fresh broker spends its first minutes compiling: round 1's first format must not pay it alone.
        log(`warming the broker up (unmeasured): ${3 * warmupSeconds} s at ${rates[0]}/s`);
        const first = await lab.startApps(LAB_ENV);
        await offerPosts(labSystem(lab, first.prefix, admin).target, rates[0], 3 * warmupSeconds, MIXED_TEXTS);
        for (let round = 1; round <= rounds; round++) {
          for (const format of roundOrder(formats, round)) {
            log(`round ${round}/${rounds}, ${format}: every app restarted with JEEVES_PAYLOAD_FORMAT=${format}`);
            const { prefix } = await lab.startApps({ ...LAB_ENV, JEEVES_PAYLOAD_FORMAT: format });
            const system = labSystem(lab, prefix, admin);
            log(`  warm-up (unmeasured): ${warmupSeconds} s at ${rates[0]}/s`);
            await offerPosts(system.target, rates[0], warmupSeconds, MIXED_TEXTS);
            const steps = await climb(rates, async (rate) => {
              const s = await measurePipelineStep(system, rate, {
                seconds: stepSeconds,
                texts: MIXED_TEXTS,
                intent: 'mixed',
                slo: PIPELINE_SLO,
                drainMs: drainSeconds * 1000,
                ticksPerSecond,
              });
              log(
                `  ${rate}/s: replied ${s.repliedPerSecond.toFixed(0)}/s, e2e p99 ${fmtMs(s.e2eP99Ms)} ms, ${sumCpu(s).toFixed(2)} CPU ms/msg → ${s.note}`,
              );
              return s;
            });
            const contentTypes = await contentTypesOnTopics(lab.brokers, prefix);
            const check = formatSwitchConfirmed(contentTypes, PIPELINE_TOPICS, CONTENT_TYPES[format]);
            log(
              `  content-type on the pipeline topics: ${JSON.stringify(contentTypes)}${check.confirmed ? '' : ` — NOT CONFIRMED: ${check.reason}`}`,
            );
            climbs.push({ format, round, steps, contentTypes, confirmed: check.confirmed });
            write();
          }
        }
      } finally {
        await admin?.disconnect().catch(() => undefined);
        await lab.close();
      }
    }
    const result = write();
    log(`wrote ${join(out, 'payloads.md')}, payloads.json and payloads.svg`);
    if (values.short) return 0;
    const docs = join(REPO_ROOT, 'docs');
    const img = join(docs, 'img', 'payloads.svg');
    // --no-doc (defineBench's) leaves docs/ alone, the plot included.
    if ((values as { 'no-doc'?: boolean })['no-doc'] !== true) {
      mkdirSync(join(docs, 'img'), { recursive: true });
      writeFileSync(img, payloadsSvg(result));
    }
    return { markdown: payloadsMarkdown(result, relative(docs, img)), reproduce };
  },
});

/** CPU ms per message summed over the apps and the broker (the driver left out: it is the load, not the lab). */
function sumCpu(step: PipelineStep): number {
  return Object.entries(step.cpuMsPerMessage)
    .filter(([name]) => name !== 'driver')
    .reduce((sum, [, ms]) => sum + (Number.isFinite(ms) ? ms : 0), 0);
}

/**
 * The content-type header of records of each pipeline topic under `prefix`, counted by topic and
 * type (absent: `none`), read from the beginning by a consumer group of its own until every topic
 * gave `sample` records or `timeoutMs` passed.
 */
async function contentTypesOnTopics(
  brokers: string,
  prefix: string,
  sample = 100,
  timeoutMs = 60_000,
): Promise<Record<string, number>> {
  const kafka = new Kafka({
    clientId: 'bench-payloads-check',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `${prefix}.bench-check-${randomUUID()}` });
  const topics: readonly TopicName[] = PIPELINE_TOPIC_NAMES;
  const counts: Record<string, number> = {};
  const seen = new Map<string, number>();
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: topics.map((t) => topicName(t, prefix)), fromBeginning: true });
    // Batches, not one callback per record: the check reads thousands of records on a machine the
    // climb has just saturated, and must finish within its deadline.
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const raw = message.headers?.[CONTENT_TYPE_HEADER];
          const type = (Array.isArray(raw) ? raw[0] : raw)?.toString() ?? 'none';
          const key = `${batch.topic.slice(prefix.length + 1)} ${type}`;
          counts[key] = (counts[key] ?? 0) + 1;
        }
        seen.set(batch.topic, (seen.get(batch.topic) ?? 0) + batch.messages.length);
      },
    });
    const until = Date.now() + timeoutMs;
    const enough = (): boolean => seen.size === topics.length && [...seen.values()].every((n) => n >= sample);
    while (!enough() && Date.now() < until) await delay(250);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return counts;
}

const f2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '-');
const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : '-');
const f0 = (v: number): string => (Number.isFinite(v) ? v.toFixed(0) : '-');

/** The first step of a climb (the same offered rate for every format, below the knee): where latency and CPU per message compare. */
const firstStep = (c: FormatClimb): PipelineStep | undefined => c.steps[0];

/** The report: the codec table, the pipeline table with ratios to JSON, CPU per process, every step. */
export function payloadsMarkdown(result: PayloadsResult, plot: string): string {
  const formats = [...new Set([...result.codecs.map((s) => s.format), ...result.climbs.map((c) => c.format)])];
  const rows = codecRows(result.codecs, formats, 'json');
  const s = result.settings as { codecRounds: number; iterations: number; rounds: number; stepSeconds: number };
  const lines = [
    `**Codecs.** Per event type (the envelopes the pipeline produces for the load's mixed texts), the value's bytes and the record's (value + the headers the publisher writes: traceparent, envelope id and type, content-type; Kafka's record format v2 lengths), and CPU µs per record from \`process.cpuUsage()\` over ${s.iterations} calls: encode (\`encodeEnvelope\`) and decode + validate (\`decodeEnvelope\`, what every consumer pays per record). ${s.codecRounds} rounds, formats in turn and reversed every other round, in the bench process before any lab starts; CPU cells are the median with the min–max over rounds; ratios are to JSON's median (< 1: smaller or cheaper than JSON).`,
    '',
    table(
      [
        'event',
        'format',
        'value bytes',
        'ratio',
        'record bytes',
        'ratio',
        'encode µs',
        'ratio',
        'decode + validate µs',
        'ratio',
      ],
      rows.map((r) => [
        r.eventType,
        r.format,
        String(r.valueBytes),
        f3(r.valueRatio),
        String(r.recordBytes),
        f3(r.recordRatio),
        formatSpread(r.encode, f2),
        f3(r.encodeRatio),
        formatSpread(r.decode, f2),
        f3(r.decodeRatio),
      ]),
    ),
  ];
  const perMessage = (f: string): number => codecMicrosPerMessage(rows, f, MIXED_TEXT_RECORDS);
  lines.push(
    '',
    `Codec CPU per pipeline message (the load's mixed texts: every record the pipeline writes for a message encoded once and decoded + validated once per consumer group reading it, from the medians above): ${formats.map((f) => `${f} ${f2(perMessage(f))} µs (${f3(ratioOf(perMessage(f), perMessage('json')))})`).join(', ')}.`,
  );
  if (result.climbs.length > 0) {
    const of = (format: string): FormatClimb[] => result.climbs.filter((c) => c.format === format);
    const sustained = (format: string): number[] =>
      of(format).map((c) => sustainedRate(c.steps, (x) => x.repliedPerSecond));
    const p99 = (format: string): number[] => of(format).map((c) => firstStep(c)?.e2eP99Ms ?? NaN);
    const cpu = (format: string): number[] => of(format).map((c) => (firstStep(c) ? sumCpu(firstStep(c)!) : NaN));
    const med = (xs: number[]): number => spreadOf(xs).median;
    const firstRate = result.climbs[0]?.steps[0]?.offeredPerSecond ?? NaN;
    const processes = [
      ...new Set(result.climbs.flatMap((c) => Object.keys(firstStep(c)?.cpuMsPerMessage ?? {}))),
    ].filter((p) => p !== 'driver');
    lines.push(
      '',
      `**Pipeline.** Per round and format (the order reversed every other round), the bench lab's apps restarted with \`JEEVES_PAYLOAD_FORMAT\` set to it on fresh topics (metrics on, tracing off), ${(result.settings as { warmupSeconds: number }).warmupSeconds} s of unmeasured load, then ${s.stepSeconds} s steps of open-model POSTs (mixed intents) climbing until two fail, measured as the capacity benchmark measures (e2e from data-service's histogram, CPU from /proc; sustained = ≥ 95 % kept up, < 1 % failed, e2e p99 < 250 ms). ${s.rounds} rounds: median (min–max); ratios to JSON's median. Latency and CPU per message are taken at the first step (${firstRate}/s, the same for every format, below the knee); CPU is summed over the apps and the broker.`,
      '',
      table(
        [
          'format',
          'sustained replies/s',
          'ratio',
          `e2e p99 ms at ${firstRate}/s`,
          'ratio',
          `CPU ms/msg at ${firstRate}/s`,
          'ratio',
          'content-type on the topics: every round the only one? (counts of the last round)',
        ],
        formats
          .filter((f) => of(f).length > 0)
          .map((f) => [
            f,
            formatSpread(spreadOf(sustained(f)), f0),
            f3(ratioOf(med(sustained(f)), med(sustained('json')))),
            formatSpread(spreadOf(p99(f)), fmtMs),
            f3(ratioOf(med(p99(f)), med(p99('json')))),
            formatSpread(spreadOf(cpu(f)), f2),
            f3(ratioOf(med(cpu(f)), med(cpu('json')))),
            `${
              of(f).every((c) => c.confirmed)
                ? 'every round'
                : `NOT in round(s) ${of(f)
                    .filter((c) => !c.confirmed)
                    .map((c) => c.round)
                    .join(', ')}`
            }: ${Object.entries(of(f).at(-1)?.contentTypes ?? {})
              .map(([k, n]) => `${k}: ${n}`)
              .join(', ')}`,
          ]),
      ),
      '',
      `CPU ms per message by process at ${firstRate}/s (median over rounds; ratio to JSON in brackets):`,
      '',
      table(
        ['process', ...formats],
        processes.map((p) => {
          const m = (f: string): number =>
            med(
              of(f)
                .map((c) => firstStep(c)?.cpuMsPerMessage[p] ?? NaN)
                .filter(Number.isFinite),
            );
          return [
            p,
            ...formats.map((f) => (f === 'json' ? f2(m(f)) : `${f2(m(f))} (${f3(ratioOf(m(f), m('json')))})`)),
          ];
        }),
      ),
      '',
      '<details><summary>Every step</summary>',
      '',
      table(
        ['format', 'round', 'offered/s', 'replied/s', 'e2e p50 ms', 'e2e p99 ms', 'CPU ms/msg', 'verdict'],
        result.climbs.flatMap((c) =>
          c.steps.map((x) => [
            c.format,
            String(c.round),
            String(x.offeredPerSecond),
            f0(x.repliedPerSecond),
            fmtMs(x.e2eP50Ms),
            fmtMs(x.e2eP99Ms),
            f2(sumCpu(x)),
            x.note,
          ]),
        ),
      ),
      '',
      '</details>',
      '',
      `![e2e p99 and replies/s against offered rate, per format](${plot})`,
    );
  }
  return lines.join('\n');
}

const COLORS: Record<string, string> = { json: '#1f77b4', msgpack: '#2ca02c', protobuf: '#d62728' };

/** Offered rate against e2e p99 (capped at 1 s) and replies/s, one line per format and round. */
export function payloadsSvg(result: PayloadsResult): string {
  const lines = (value: (s: PipelineStep) => number) =>
    result.climbs.map((c) => ({
      name: `${c.format} r${c.round}`,
      color: COLORS[c.format],
      points: c.steps.map((s) => [s.offeredPerSecond, Number.isFinite(value(s)) ? value(s) : null] as const),
    }));
  const charts: Chart[] = [
    {
      title: 'End-to-end p99 against offered rate (capped at 1000 ms; SLO 250 ms)',
      unit: 'ms',
      series: lines((s) => Math.min(s.e2eP99Ms, 1000)),
    },
    { title: 'Replies per second against offered rate', unit: 'msgs/s', series: lines((s) => s.repliedPerSecond) },
  ];
  return renderSvgDocument(charts, { xLabel: 'offered msgs/s', widthPx: 640, heightPx: 240 });
}
