/**
 * The capacity benchmark's report: headline numbers as medians with their min–max over rounds,
 * CPU per message per service (mixed and per intent), the polling flow apart, every step of every
 * round, and a plot (offered rate against e2e p99 and replies/s, lab beside the bare pipeline).
 * Pure: capacity.ts measures, this formats.
 */
import { type Chart, renderSvgDocument } from '../common';
import { cpuMsPerMessageAboveIdle, formatSpread, type Slo, spreadOf, sustainedRate } from './capacity-math';
import type { HttpStep, PipelineStep } from './capacity-steps';
import { fmtMs, table } from './support';

/** The polling flow, measured apart: what a client that POSTs and then polls GET sees. */
export interface PollingStep {
  readonly offeredPerSecond: number;
  readonly pollIntervalMs: number;
  readonly clientP50Ms: number;
  readonly clientP99Ms: number;
  /** The same messages as data-service's histogram saw them. */
  readonly serverP50Ms: number;
  readonly serverP99Ms: number;
  readonly repliedPerSecond: number;
  readonly getsPerSecond: number;
}

/** Kafka's ProducerPerformance at one offered rate (a part's limit, measured once per run). */
export interface BrokerStep {
  readonly offeredPerSecond: number;
  readonly achievedPerSecond: number;
  readonly p99Ms: number;
}

export interface CapacityRound {
  readonly round: number;
  /** The lab, mixed intents, rising steps. */
  readonly lab: readonly PipelineStep[];
  /** The lab, one intent per step, at a fixed rate. */
  readonly intents: readonly PipelineStep[];
  readonly polling?: PollingStep;
  /** The lab's gateway with its consumers stopped. */
  readonly gateway: readonly HttpStep[];
  readonly bareNest: readonly HttpStep[];
  readonly bare: readonly PipelineStep[];
  /** CPU % per process with no load, the lab's apps and the bare pipeline's hops (each with the broker and the driver). */
  readonly labIdleCpu?: Readonly<Record<string, number>>;
  readonly bareIdleCpu?: Readonly<Record<string, number>>;
}

export interface CapacitySettings {
  readonly rounds: number;
  readonly stepSeconds: number;
  readonly httpStepSeconds: number;
  readonly intentRate: number;
  readonly intentSeconds: number;
  /** Seconds of unmeasured load before each pipeline's first step (JIT compilation is start-up, not capacity). */
  readonly warmupSeconds: number;
  readonly pipelineSlo: Slo;
  readonly httpSlo: Slo;
  readonly mixedTexts: readonly string[];
  readonly reproduce: string;
}

/** The report's section headings, in order; `broker` only when the broker step ran (not with --short). */
export const CAPACITY_SECTIONS = {
  headline: '### Headline',
  cpuPerMessage: '### CPU per message',
  perIntent: '### Per intent',
  polling: '### What a polling client sees',
  gateway: '### Gateway with consumers stopped',
  labSteps: '### Lab pipeline steps',
  bareSteps: '### Bare pipeline steps',
  broker: '### The broker alone',
} as const;

export interface CapacityResult {
  readonly startedAt: string;
  readonly settings: CapacitySettings;
  readonly rounds: readonly CapacityRound[];
  readonly broker: readonly BrokerStep[];
}

/** The numbers the issue's targets are about, per round. */
export interface Headline {
  readonly labSustained: number;
  readonly bareSustained: number;
  readonly labToBare: number;
  readonly gatewaySustained: number;
  readonly bareNestSustained: number;
  readonly gatewayToBareNest: number;
}

export function headlineOf(round: CapacityRound): Headline {
  const labSustained = sustainedRate(round.lab, (s) => s.repliedPerSecond);
  const bareSustained = sustainedRate(round.bare, (s) => s.repliedPerSecond);
  const gatewaySustained = sustainedRate(round.gateway, (s) => s.acceptedPerSecond);
  const bareNestSustained = sustainedRate(round.bareNest, (s) => s.acceptedPerSecond);
  const div = (a: number, b: number): number => (b > 0 ? a / b : NaN);
  return {
    labSustained,
    bareSustained,
    labToBare: div(labSustained, bareSustained),
    gatewaySustained,
    bareNestSustained,
    gatewayToBareNest: div(gatewaySustained, bareNestSustained),
  };
}

/** The step whose CPU costs stand for a climb: the highest passing one, else the first. */
export function referenceStep<S extends { readonly ok: boolean; readonly offeredPerSecond: number }>(
  steps: readonly S[],
): S | undefined {
  return [...steps].filter((s) => s.ok).sort((a, b) => b.offeredPerSecond - a.offeredPerSecond)[0] ?? steps[0];
}

const f0 = (v: number): string => (Number.isFinite(v) ? v.toFixed(0) : '-');
const f2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '-');
const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : '-');
const across = (values: readonly number[], format: (v: number) => string): string =>
  formatSpread(spreadOf(values), format);

/** Processes in report order: the lab's, the bare pipeline's, then the broker and the driver. */
const PROCESS_ORDER = [
  'gateway',
  'token-dealer',
  'bot',
  'worker',
  'data-service',
  'provider',
  'bare-gateway',
  'bare-bot',
  'bare-worker',
  'bare-sink',
  'kafka',
  'driver',
];
const ordered = (names: Iterable<string>): string[] =>
  [...new Set(names)].sort((a, b) => PROCESS_ORDER.indexOf(a) - PROCESS_ORDER.indexOf(b));

/** A column of a per-process table: its label, the number for a process in a round (NaN: none), digits. */
type ProcessColumn = readonly [string, (r: CapacityRound, process: string) => number, (v: number) => string];

/** Median (min–max) over rounds of each column for each process, and a total row (sum over processes). */
function processTable(
  rounds: readonly CapacityRound[],
  names: readonly string[],
  columns: readonly ProcessColumn[],
): string {
  const rows = names.map((name) => [
    name,
    ...columns.map(([, value, format]) =>
      across(
        rounds.map((r) => value(r, name)),
        format,
      ),
    ),
  ]);
  const total = [
    '**all processes**',
    ...columns.map(([, value, format]) =>
      across(
        rounds.map((r) => names.reduce((sum, name) => sum + (Number.isFinite(value(r, name)) ? value(r, name) : 0), 0)),
        format,
      ),
    ),
  ];
  return table(['process', ...columns.map(([label]) => label)], [...rows, total]);
}

/** Per-message CPU columns of a step: ms per message, and above idle when the idle CPU is known. */
function cpuColumns(
  label: string,
  pick: (r: CapacityRound) => PipelineStep | undefined,
  idle?: (r: CapacityRound) => Readonly<Record<string, number>> | undefined,
): ProcessColumn[] {
  const perMessage = (r: CapacityRound, p: string): number => pick(r)?.cpuMsPerMessage[p] ?? NaN;
  const columns: ProcessColumn[] = [[`${label} ms/msg`, perMessage, f2]];
  if (idle)
    columns.push(
      [`${label} idle CPU %`, (r, p) => idle(r)?.[p] ?? NaN, f0],
      [
        `${label} ms/msg above idle`,
        (r, p) => cpuMsPerMessageAboveIdle(perMessage(r, p), idle(r)?.[p] ?? NaN, pick(r)?.repliedPerSecond ?? NaN),
        f2,
      ],
    );
  return columns;
}

const processNames = (
  rounds: readonly CapacityRound[],
  steps: (r: CapacityRound) => ReadonlyArray<PipelineStep | undefined>,
): string[] => ordered(rounds.flatMap((r) => steps(r).flatMap((s) => Object.keys(s?.cpuMsPerMessage ?? {}))));

function pipelineSteps(steps: readonly PipelineStep[], round: number): string[][] {
  return steps.map((s) => [
    String(round),
    String(s.offeredPerSecond),
    s.acceptedPerSecond.toFixed(0),
    s.repliedPerSecond.toFixed(0),
    fmtMs(s.e2eP50Ms),
    fmtMs(s.e2eP99Ms),
    (100 * s.failedShare).toFixed(1),
    Object.entries(s.lag)
      .map(([g, n]) => `${g} ${Number.isFinite(n) ? n : '?'}`)
      .join(', '),
    ordered(Object.keys(s.cpuPercent))
      .map((p) => `${p} ${f0(s.cpuPercent[p])}`)
      .join(', '),
    s.note,
  ]);
}

const PIPELINE_HEADER = [
  'round',
  'offered/s',
  'accepted/s',
  'replied/s',
  'e2e p50 ms',
  'e2e p99 ms',
  'failed %',
  'lag at step end',
  'CPU % per process',
  'verdict',
];

function httpSteps(steps: readonly HttpStep[], round: number): string[][] {
  return steps.map((s) => [
    String(round),
    String(s.offeredPerSecond),
    s.acceptedPerSecond.toFixed(0),
    fmtMs(s.postP50Ms),
    fmtMs(s.postP99Ms),
    (100 * s.failedShare).toFixed(1),
    ordered(Object.keys(s.cpuPercent))
      .map((p) => `${p} ${f0(s.cpuPercent[p])} % (${f2(s.cpuMsPerRequest[p])} ms/req)`)
      .join(', '),
    s.note,
  ]);
}

/** The report's Markdown; `plot` is the SVG's path relative to where the Markdown goes. */
export function capacityMarkdown(result: CapacityResult, plot: string): string {
  const { settings: st, rounds } = result;
  const heads = rounds.map(headlineOf);
  const h = (pick: (x: Headline) => number, format: (v: number) => string): string => across(heads.map(pick), format);
  const intents = [...new Set(rounds.flatMap((r) => r.intents.map((s) => s.intent)))];
  const polls = rounds.flatMap((r) => (r.polling ? [r.polling] : []));
  const n = rounds.length;
  const lines = [
    `${n} round${n === 1 ? '' : 's'}; every number below is the median over rounds with the min–max in brackets. Each round restarts the lab's apps on fresh topics and measures, on one broker: the lab (mixed intents, then one intent at a time), the polling flow, the lab's gateway with its consumers stopped, a bare NestJS + Fastify handler, and the bare pipeline.`,
    '',
    `**Method.** Open-model POSTs only (the built-in driver's \`post\` flow; texts in turn: ${st.mixedTexts.map((t) => `"${t}"`).join(', ')}), each pipeline first warmed up for ${st.warmupSeconds} s unmeasured (a fresh broker spends its first minutes in JIT compilation), then ${st.stepSeconds} s steps of rising offered rate, stopping after the second failing step. End-to-end latency is the system's own histogram — data-service's \`jeeves_message_end_to_end_seconds\` (accepted at the gateway → final status stored), the bare sink's twin with the same buckets — scraped once at the start of a step, once at its end (after ${st.pipelineSlo.p99LimitMs} ms for the last message) and after a drain wait (load stopped); p50/p99 are taken from the bucket deltas with linear interpolation inside a bucket, as Prometheus's \`histogram_quantile\` does. No GET polling in these steps. **Sustained**: replied/s and accepted/s ≥ ${100 * st.pipelineSlo.keptUpShare} % of offered, < ${100 * st.pipelineSlo.maxFailedShare} % failed, e2e p99 < ${st.pipelineSlo.p99LimitMs} ms; the sustained rate is the replied/s of the highest passing step. CPU is utime + stime from /proc/<pid>/stat at the step's edges; CPU ms per message divides it by the messages finished in that window. Consumer lag is the committed offsets against the end offsets, read once at each step's end.`,
    '',
    CAPACITY_SECTIONS.headline,
    '',
    table(
      ['measurement', 'value', 'target (issue 14)'],
      [
        ['lab, mixed intents: sustained replies/s', h((x) => x.labSustained, f0), '≥ 300'],
        ['bare kafkajs pipeline, same hops, same broker: sustained replies/s', h((x) => x.bareSustained, f0), ''],
        ['**lab ÷ bare pipeline**', h((x) => x.labToBare, f3), '≥ 0.5'],
        [
          `lab gateway alone (consumers stopped): sustained POST/s (p99 < ${st.httpSlo.p99LimitMs} ms)`,
          h((x) => x.gatewaySustained, f0),
          '',
        ],
        ['bare NestJS + Fastify POST handler: sustained POST/s', h((x) => x.bareNestSustained, f0), ''],
        ['**lab gateway ÷ bare handler**', h((x) => x.gatewayToBareNest, f3), '≥ 0.1'],
      ],
    ),
    '',
    `![offered rate against e2e p99 and replies/s, lab and bare pipeline](${plot})`,
    '',
    CAPACITY_SECTIONS.cpuPerMessage,
    '',
    `CPU ms per message per process at each round's sustained step (the highest passing step; the first step when none passed), the lab beside the bare pipeline; the idle CPU % of each process (measured with no load before the climb) and what is left per message once that idle cost is taken out. "driver" is the benchmark process (the load driver).`,
    '',
    processTable(
      rounds,
      processNames(rounds, (r) => [referenceStep(r.lab), referenceStep(r.bare)]),
      [
        ...cpuColumns(
          'lab',
          (r) => referenceStep(r.lab),
          (r) => r.labIdleCpu,
        ),
        ...cpuColumns(
          'bare',
          (r) => referenceStep(r.bare),
          (r) => r.bareIdleCpu,
        ),
      ],
    ),
    '',
    CAPACITY_SECTIONS.perIntent,
    '',
    `CPU ms per message per process, one intent per step at ${st.intentRate}/s for ${st.intentSeconds} s, with its e2e p99 (a p99 over the SLO means that intent's knee is below this rate).`,
    '',
    processTable(
      rounds,
      processNames(rounds, (r) => r.intents),
      intents.map((intent) => cpuColumns(intent, (r) => r.intents.find((s) => s.intent === intent))[0]),
    ),
    '',
    table(
      ['intent', 'replied/s', 'e2e p50 ms', 'e2e p99 ms'],
      intents.map((intent) => {
        const steps = rounds.map((r) => r.intents.find((s) => s.intent === intent));
        return [
          intent,
          across(
            steps.map((s) => s?.repliedPerSecond ?? NaN),
            f0,
          ),
          across(
            steps.map((s) => s?.e2eP50Ms ?? NaN),
            fmtMs,
          ),
          across(
            steps.map((s) => s?.e2eP99Ms ?? NaN),
            fmtMs,
          ),
        ];
      }),
    ),
    '',
    CAPACITY_SECTIONS.polling,
    '',
    polls.length
      ? [
          `One ${st.stepSeconds} s step of the \`e2e\` flow (POST, then GET every ${polls[0].pollIntervalMs} ms until the reply shows) at half the lab's sustained rate: the latency the client saw, beside data-service's histogram for the same messages. The polls are load of their own (GETs/s below); that is why the capacity steps above do not poll.`,
          '',
          table(
            [
              'offered/s',
              'GETs/s',
              'replied/s',
              'client e2e p50 ms',
              'client e2e p99 ms',
              'histogram p50 ms',
              'histogram p99 ms',
            ],
            [
              (
                [
                  ['offeredPerSecond', f0],
                  ['getsPerSecond', f0],
                  ['repliedPerSecond', f0],
                  ['clientP50Ms', fmtMs],
                  ['clientP99Ms', fmtMs],
                  ['serverP50Ms', fmtMs],
                  ['serverP99Ms', fmtMs],
                ] as const
              ).map(([key, format]) =>
                across(
                  polls.map((p) => p[key]),
                  format,
                ),
              ),
            ],
          ),
        ].join('\n')
      : 'Not measured in this run.',
    '',
    CAPACITY_SECTIONS.gateway,
    '',
    `Only the token-dealer, the gateway and Kafka run; POSTs only, ${st.httpStepSeconds} s steps. Beside it, a bare NestJS 11 + Fastify app with one POST route (JSON body parsed, 202) in its own process, measured the same way in the same round. Sustained: accepted ≥ ${100 * st.httpSlo.keptUpShare} % of offered, < ${100 * st.httpSlo.maxFailedShare} % failed, POST p99 < ${st.httpSlo.p99LimitMs} ms.`,
    '',
    table(
      ['round', 'offered/s', 'accepted/s', 'POST p50 ms', 'POST p99 ms', 'failed %', 'CPU', 'verdict'],
      rounds.flatMap((r) => httpSteps(r.gateway, r.round)),
    ),
    '',
    'Bare NestJS + Fastify handler:',
    '',
    table(
      ['round', 'offered/s', 'accepted/s', 'POST p50 ms', 'POST p99 ms', 'failed %', 'CPU', 'verdict'],
      rounds.flatMap((r) => httpSteps(r.bareNest, r.round)),
    ),
    '',
    CAPACITY_SECTIONS.labSteps,
    '',
    table(
      PIPELINE_HEADER,
      rounds.flatMap((r) => pipelineSteps(r.lab, r.round)),
    ),
    '',
    CAPACITY_SECTIONS.bareSteps,
    '',
    'The same hops with plain kafkajs, one process each (tools/bench/bare-pipeline.ts): an HTTP producer (node:http, POST → messages, 202 once acked, acks=all), a relay messages → actions, a relay actions → replies (each relay handles what a fetch returns as one produce request and commits after it), and a sink that reads all three topics as data-service does and observes accept → reply time from a header in a histogram with the same buckets. No validation, no envelope, no framework, no tracing. Every message goes through both relays (in the lab, help/echo/unknown skip the worker).',
    '',
    table(
      PIPELINE_HEADER,
      rounds.flatMap((r) => pipelineSteps(r.bare, r.round)),
    ),
  ];
  if (result.broker.length) {
    lines.push(
      '',
      CAPACITY_SECTIONS.broker,
      '',
      "Kafka's own ProducerPerformance (kafka-tools, from the lab's jars), 300-byte records, acks=all, 6 partitions, once per run: a part's limit, far above either pipeline.",
      '',
      table(
        ['offered records/s', 'achieved records/s', 'p99 ms'],
        result.broker.map((b) => [String(b.offeredPerSecond), b.achievedPerSecond.toFixed(0), fmtMs(b.p99Ms)]),
      ),
    );
  }
  return lines.join('\n');
}

/** The two charts of the plot: offered rate against e2e p99 (capped) and replies/s, every round, lab and bare. */
export function capacityCharts(result: CapacityResult, p99CapMs = 1000): Chart[] {
  const series = (pick: (r: CapacityRound) => readonly PipelineStep[], value: (s: PipelineStep) => number) =>
    result.rounds.map((r) => ({
      round: r.round,
      points: pick(r).map((s) => [s.offeredPerSecond, Number.isFinite(value(s)) ? value(s) : null] as const),
    }));
  const named = (label: string, xs: ReturnType<typeof series>, color: string) =>
    xs.map((x) => ({ name: `${label} r${x.round}`, points: x.points, color }));
  const cap = (v: number): number => Math.min(v, p99CapMs);
  return [
    {
      title: `End-to-end p99 against offered rate (capped at ${p99CapMs} ms; SLO ${result.settings.pipelineSlo.p99LimitMs} ms)`,
      unit: 'ms',
      series: [
        ...named(
          'lab',
          series(
            (r) => r.lab,
            (s) => cap(s.e2eP99Ms),
          ),
          '#d62728',
        ),
        ...named(
          'bare',
          series(
            (r) => r.bare,
            (s) => cap(s.e2eP99Ms),
          ),
          '#1f77b4',
        ),
      ],
    },
    {
      title: 'Replies per second against offered rate',
      unit: 'msgs/s',
      series: [
        ...named(
          'lab',
          series(
            (r) => r.lab,
            (s) => s.repliedPerSecond,
          ),
          '#d62728',
        ),
        ...named(
          'bare',
          series(
            (r) => r.bare,
            (s) => s.repliedPerSecond,
          ),
          '#1f77b4',
        ),
      ],
    },
  ];
}

/** The plot as a standalone SVG document. */
export function capacitySvg(result: CapacityResult): string {
  return renderSvgDocument(capacityCharts(result), { xLabel: 'offered msgs/s', widthPx: 640, heightPx: 240 });
}
