import type {
  ExperimentDescription,
  ExperimentEvent,
  ExperimentPhase,
  ExperimentPlan,
} from '../../../libs/contracts/src/experiment-events';

/**
 * What the console's API answers, in one place for both of its sides: the server's controllers
 * declare their answers with these types, and the page (apps/console/web) imports them with
 * `import type`, which its build erases, so a shape changed here fails whichever side no longer
 * fits. Types only, and only from a file that is itself free of Node, Nest and the services' libs
 * (lint holds this file to that): the page's type check reads it with the DOM's types and nothing
 * of Node. Where a lib owns a narrower type (`ServiceName`, `FaultType`, `ToxicType`), the shape
 * here says `string`, and `TargetKind` restates libs/chaos's union: the server's assignments to these
 * shapes check that the lib's types still fit them.
 */

/** The CLI's experiment shapes, as libs/contracts defines them with zod. */
export type { ExperimentDescription, ExperimentEvent, ExperimentPhase, ExperimentPlan };

// Chaos: GET /api/chaos/forms, GET|POST|DELETE /api/chaos/faults

/** One input of a fault type's form: a parameter of the chaos API's fault spec. */
export interface FaultParamField {
  readonly name: string;
  readonly kind: 'integer' | 'number' | 'choice';
  readonly required: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly defaultValue?: number | string;
  /** The accepted values of a `choice`. */
  readonly choices?: readonly string[];
}

/** What a fault may target besides the whole service (libs/chaos `TargetKind`). */
export type TargetKind = 'route' | 'topic' | 'dependency';

/** The form of one fault type: its parameters, the target kinds it takes, its duration bounds. */
export interface FaultForm {
  readonly type: string;
  readonly params: readonly FaultParamField[];
  /** Target kinds besides "whole service" (always allowed). */
  readonly targets: readonly TargetKind[];
  readonly durationMs: { readonly min: number; readonly max: number; readonly defaultValue: number };
}

/** What the chaos page builds its form from. */
export interface FaultForms {
  readonly forms: readonly FaultForm[];
  /** Topic names a `topic:` target may name. */
  readonly topics: readonly string[];
}

/** An active fault as a service's chaos API answers it (libs/chaos `Fault`), forwarded as is. */
export interface Fault {
  readonly id: string;
  /** A fault type of the chaos API (`latency`, `error`, …). */
  readonly type: string;
  /** `route:/v1/weather`, `topic:jeeves.actions.v1`, `dependency:provider`, or null for the whole service. */
  readonly target: string | null;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  /** ISO 8601. */
  readonly createdAt: string;
  /** ISO 8601. */
  readonly expiresAt: string;
}

/** One service's active faults, or why they could not be read. */
export interface ServiceFaults {
  readonly service: string;
  readonly faults: readonly Fault[];
  /** Set when the service did not answer or refused: the page says so instead of "no faults". */
  readonly problem?: string;
}

// Chat: POST /api/chat/messages, GET /api/chat/messages/:id

/** What the chat page shows of a message: its lifecycle state, the reply, and where its trace is. */
export interface ChatMessage {
  readonly id: string;
  readonly status: string;
  readonly text?: string;
  readonly reply?: string | null;
  readonly degraded?: boolean;
  readonly failureReason?: string | null;
  readonly traceId?: string | null;
  /** The trace in the lab's trace UI (Zipkin) when it runs. */
  readonly traceUrl?: string;
}

// Overview: GET /api/overview, GET /api/overview/charts

/** A breaker of a service and the state it is in (`closed`, `open`, `half_open`). */
export interface BreakerView {
  readonly dependency: string;
  readonly state: string;
}

/** Lag of one consumer group on one topic: the sum over its partitions. */
export interface LagView {
  readonly group: string;
  readonly topic: string;
  readonly lagMessages: number;
}

/** What the overview shows of one service. */
export interface ServiceView {
  readonly service: string;
  /** `ready`, `not-ready` (answers 503), `down` (no answer). */
  readonly readiness: 'ready' | 'not-ready' | 'down';
  readonly breakers: readonly BreakerView[];
  readonly lag: readonly LagView[];
}

/** `produce`: records sent to Kafka; `consume`: records a group handled; `call`: requests to a service. */
export type EdgeKind = 'produce' | 'consume' | 'call';

/** What the Overview shows on one edge. */
export interface EdgeView {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  /** What failed events are called in the label (`errors`, `dead-lettered`, `failed`). */
  readonly errorName: string;
  /** Events per second; null when unknown (no second reading yet, or nothing answered). */
  readonly ratePerSecond: number | null;
  /** Failed share of the events, 0…1; null when there were none (or the rate is unknown). */
  readonly errorShare: number | null;
  /** Consume edges: the group's lag summed over its topics and partitions (from /metrics), when known. */
  readonly lagMessages?: number;
}

/** Why Prometheus gave no answer: not configured, not answering, or refused the query. */
export type PrometheusProblem = 'not-configured' | 'unreachable' | 'refused';

/** Where the edges' rates came from, over which window, and why not from Prometheus when not. */
export interface RatesView {
  readonly source: 'prometheus' | 'metrics';
  /** Seconds the rates are averaged over; null before the console has two readings of /metrics. */
  readonly windowSeconds: number | null;
  /** `ok`, or why Prometheus was not used. */
  readonly prometheus: 'ok' | PrometheusProblem;
  /** Said on the page when Prometheus was not used. */
  readonly problem?: string;
}

/** The Overview's answer: services, edges and where the rates came from. */
export interface OverviewView {
  readonly services: readonly ServiceView[];
  readonly edges: readonly EdgeView[];
  readonly rates: RatesView;
}

/** A chart's lines on one shared time axis, as uPlot draws them. */
export interface ChartData {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  /** Unix seconds, one per grid point. */
  readonly timestamps: readonly number[];
  /** Values per grid point; null where the series has no (finite) value. */
  readonly series: ReadonlyArray<{ readonly name: string; readonly values: ReadonlyArray<number | null> }>;
}

/** The charts' answer: the window asked for and every chart on it. */
export interface ChartsView {
  readonly minutes: number;
  readonly stepSeconds: number;
  readonly charts: readonly ChartData[];
}

// Network faults: GET /api/chaos/network, GET /api/chaos/network/forms, POST|DELETE …/toxics

/** A toxic as Toxiproxy holds it. */
export interface ToxicView {
  readonly name: string;
  readonly type: string;
  readonly stream: string;
  readonly toxicity: number;
  readonly attributes: Readonly<Record<string, number>>;
}

/** A proxy as Toxiproxy holds it: where it listens, where it forwards, on or off, its toxics. */
export interface ProxyView {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
  readonly enabled: boolean;
  readonly toxics: readonly ToxicView[];
}

/** The network-faults section: Toxiproxy's proxies and toxics, or why there are none to show. */
export type NetworkView =
  | { readonly running: true; readonly url: string; readonly version: string; readonly proxies: readonly ProxyView[] }
  | { readonly running: false; readonly problem: string };

/** One attribute input of a toxic type's form. */
export interface ToxicAttributeField {
  readonly name: string;
  readonly unit: string;
  readonly required: boolean;
  readonly min: number;
  readonly max: number;
}

/** The form of one toxic type (Toxiproxy's: `latency`, `bandwidth`, …). */
export interface ToxicForm {
  readonly type: string;
  readonly attributes: readonly ToxicAttributeField[];
}

/** The toxic types and their attributes. */
export interface ToxicForms {
  readonly forms: readonly ToxicForm[];
}

// Experiments: GET /api/experiments, …/reports, …/runs/current; POST …/runs, …/runs/:id/cancel

/** The shipped experiments, as the lab CLI describes them, and the phases every run goes through. */
export interface ExperimentList {
  readonly experiments: readonly ExperimentDescription[];
  /** In the runner's order (libs/contracts `EXPERIMENT_PHASES`): the page lists a run's phases by it. */
  readonly phases: readonly ExperimentPhase[];
}

/**
 * Where a run is: `running`; `cancelling` (asked to stop: it rolls back); ended `passed`, `failed`
 * (a verdict), `cancelled` (stopped on request), `could-not-run` (exit 2: a part it needs is down,
 * no verdict, no report) or `crashed` (ended any other way).
 */
export type RunState = 'running' | 'cancelling' | 'passed' | 'failed' | 'cancelled' | 'could-not-run' | 'crashed';

/** One entry of a run's feed, numbered from 1: an event of the run, or a line it printed. */
export type FeedEntry =
  | { readonly seq: number; readonly kind: 'event'; readonly event: ExperimentEvent }
  | { readonly seq: number; readonly kind: 'log'; readonly line: string };

/** A run as the page sees it. */
export interface RunView {
  readonly id: string;
  readonly experiment: string;
  readonly short: boolean;
  readonly state: RunState;
  /** ISO 8601. */
  readonly startedAt: string;
  /** ISO 8601. */
  readonly endedAt?: string;
  readonly exitCode?: number | null;
  /** One line saying why it could not run, crashed, or was killed. */
  readonly problem?: string;
  /** The newest entry's number: ask for `after` it next time. */
  readonly lastSeq: number;
}

/** The current (or last) run and its feed after the `after` asked for; `run: null` before the first. */
export interface RunFeed {
  readonly run: RunView | null;
  readonly entries: readonly FeedEntry[];
}

/** One run of a report folder: the folder itself, or a variant's/round's subfolder. */
export interface ReportRun {
  /** The subfolder (`kafka`, `http-r2`), absent for a run with no variants. */
  readonly sub?: string;
  readonly variant?: string;
  /** PASSED or FAILED; null when its report.json could not be read. */
  readonly passed: boolean | null;
  readonly interrupted: boolean;
  readonly failures: number;
  readonly durationSeconds: number | null;
  /** Where the console serves its report.html. */
  readonly url: string;
}

/** One report folder as the page lists it. */
export interface ReportSummary {
  readonly id: string;
  readonly experiment: string;
  /** From the folder's name: when the run started (ISO 8601). */
  readonly startedAt: string;
  readonly short: boolean | null;
  /** Every run passed (true), one failed (false), or not known (null). */
  readonly passed: boolean | null;
  readonly runs: readonly ReportRun[];
  /** The side-by-side page, for two runs or more. */
  readonly comparisonUrl?: string;
}

/** The newest report folders under results/ (at most a limit of them), and how many there are in all. */
export interface ReportList {
  readonly reports: readonly ReportSummary[];
  readonly total: number;
}
