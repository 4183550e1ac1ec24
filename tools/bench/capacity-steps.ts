/**
 * One measured step of the capacity benchmark, for any system that takes POSTs and counts its own
 * end-to-end latency in a histogram (the lab's data-service, the bare pipeline's sink): CPU ticks
 * and one scrape at the step's start, open-model POSTs only, CPU ticks and one scrape at its end
 * (after the SLO's allowance for the last message), consumer lag once, then a drain wait (one
 * scrape a second, load already stopped) so the quantiles cover every message of the step.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  cpuMs,
  cpuMsPerMessage,
  cpuPercent,
  type Histogram,
  histogramCount,
  histogramDelta,
  histogramQuantile,
  judgeStep,
  perSecond,
  type Slo,
} from './capacity-math';
import { readCpuTicks } from './capacity-probes';
import { offerPosts, type PostTarget } from './pipeline-load';

/** The mixed-intent texts the pipeline steps POST in turn (one per intent, and one no intent matches). */
export const MIXED_TEXTS: readonly string[] = [
  'weather in Paris',
  'time in Tokyo',
  'help',
  'echo hi',
  'what is the meaning of life',
];

/** What one scrape of the system's e2e histogram says. */
export interface E2eSnapshot {
  /** Every finished message (replied and failed). */
  readonly all: Histogram;
  readonly replied: number;
  readonly failed: number;
}

/** A pipeline under test: where to POST, what to scrape, whose CPU to count. */
export interface PipelineSystem {
  readonly name: string;
  readonly target: PostTarget;
  /** Process ids to count CPU for, by the name the report shows. */
  pids(): Record<string, number>;
  /** One scrape of the end-to-end histogram. */
  e2e(): Promise<E2eSnapshot>;
  /** Consumer lag per group, now (one request per group). */
  lag(): Promise<Record<string, number>>;
}

/** What every measured step has: the rates (per second), the failed share (0–1), CPU % per process and the verdict. */
interface MeasuredStep {
  readonly system: string;
  readonly offeredPerSecond: number;
  readonly acceptedPerSecond: number;
  readonly completedPerSecond: number;
  readonly failedShare: number;
  readonly postP99Ms: number;
  readonly cpuPercent: Record<string, number>;
  readonly ok: boolean;
  readonly note: string;
}

export interface PipelineStep extends MeasuredStep {
  /** The texts' intent when the step offered one intent only; `mixed` otherwise. */
  readonly intent: string;
  /** Replies stored per second within the step (plus the SLO's allowance for the last one). */
  readonly repliedPerSecond: number;
  /** Kept for judgeStep: the same as repliedPerSecond. */
  readonly completedPerSecond: number;
  readonly e2eP50Ms: number;
  readonly e2eP99Ms: number;
  /** Accepted messages with no final status when the drain wait ended. */
  readonly unfinished: number;
  readonly lag: Record<string, number>;
  readonly cpuMsPerMessage: Record<string, number>;
  /** The messages the CPU was divided by: finished within the CPU window. */
  readonly messagesInWindow: number;
}

export interface StepOptions {
  readonly seconds: number;
  readonly texts: readonly string[];
  readonly intent: string;
  readonly slo: Slo;
  /** Longest wait for the step's backlog to finish after the load stopped, in ms. */
  readonly drainMs: number;
  /** Clock ticks per second of /proc/<pid>/stat. */
  readonly ticksPerSecond: number;
}

/** Measures one step at `rate` POSTs a second (see the file comment for the order of reads). */
export async function measurePipelineStep(
  system: PipelineSystem,
  rate: number,
  options: StepOptions,
): Promise<PipelineStep> {
  const pids = system.pids();
  const h0 = await system.e2e();
  const c0 = readCpuTicks(pids);
  const t0 = performance.now();
  const run = await offerPosts(system.target, rate, options.seconds, options.texts);
  // The last message accepted gets the SLO's time to finish inside the window.
  await delay(options.slo.p99LimitMs);
  const h1 = await system.e2e();
  const c1 = readCpuTicks(pids);
  const wallMs = performance.now() - t0;
  const lag = await system.lag();
  let h2 = h1;
  const until = Date.now() + options.drainMs;
  while (histogramCount(h2.all) - histogramCount(h0.all) < run.accepted && Date.now() < until) {
    await delay(1000);
    h2 = await system.e2e();
  }
  const finished = histogramCount(h2.all) - histogramCount(h0.all);
  const unfinished = Math.max(0, run.accepted - finished);
  const delta = histogramDelta(h2.all, h0.all);
  // A message still unfinished is slower than any bucket: it goes in +Inf, so it weighs on the p99.
  const withUnfinished: Histogram = {
    buckets: delta.buckets.map((b) => (b.le === Infinity ? { le: b.le, count: b.count + unfinished } : b)),
  };
  const inWindow = histogramCount(h1.all) - histogramCount(h0.all);
  const cpu: Record<string, number> = {};
  const perMessage: Record<string, number> = {};
  for (const name of Object.keys(pids)) {
    const used = cpuMs(c0[name], c1[name], options.ticksPerSecond);
    cpu[name] = cpuPercent(used, wallMs);
    perMessage[name] = cpuMsPerMessage(used, inWindow);
  }
  const offered = run.offered || rate * options.seconds;
  const outcome = {
    offeredPerSecond: rate,
    acceptedPerSecond: perSecond(run.accepted, options.seconds),
    completedPerSecond: perSecond(h1.replied - h0.replied, options.seconds),
    failedShare: (run.failed + run.dropped + (h2.failed - h0.failed)) / offered,
    p99Ms: 1000 * histogramQuantile(0.99, withUnfinished),
  };
  return {
    system: system.name,
    intent: options.intent,
    ...outcome,
    repliedPerSecond: outcome.completedPerSecond,
    e2eP50Ms: 1000 * histogramQuantile(0.5, withUnfinished),
    e2eP99Ms: outcome.p99Ms,
    postP99Ms: run.postP99Ms,
    unfinished,
    lag,
    cpuPercent: cpu,
    cpuMsPerMessage: perMessage,
    messagesInWindow: inWindow,
    ...judgeStep(outcome, options.slo),
  };
}

/** A step of POSTs against an HTTP handler alone (no pipeline behind it): judged by accepts and POST p99. */
export interface HttpStep extends MeasuredStep {
  readonly postP50Ms: number;
  /** CPU ms per accepted request. */
  readonly cpuMsPerRequest: Record<string, number>;
}

/** Measures one step of POSTs at `rate` a second against `target`, counting CPU of `pids`. */
export async function measureHttpStep(
  system: string,
  target: PostTarget,
  pids: Record<string, number>,
  rate: number,
  options: Pick<StepOptions, 'seconds' | 'texts' | 'slo' | 'ticksPerSecond'>,
): Promise<HttpStep> {
  const c0 = readCpuTicks(pids);
  const t0 = performance.now();
  const run = await offerPosts(target, rate, options.seconds, options.texts);
  const c1 = readCpuTicks(pids);
  const wallMs = performance.now() - t0;
  const cpu: Record<string, number> = {};
  const perRequest: Record<string, number> = {};
  for (const name of Object.keys(pids)) {
    const used = cpuMs(c0[name], c1[name], options.ticksPerSecond);
    cpu[name] = cpuPercent(used, wallMs);
    perRequest[name] = cpuMsPerMessage(used, run.accepted);
  }
  const accepted = perSecond(run.accepted, options.seconds);
  const outcome = {
    offeredPerSecond: rate,
    acceptedPerSecond: accepted,
    completedPerSecond: accepted,
    failedShare: (run.failed + run.dropped) / (run.offered || rate * options.seconds),
    p99Ms: run.postP99Ms,
  };
  return {
    system,
    ...outcome,
    postP50Ms: run.postP50Ms,
    postP99Ms: run.postP99Ms,
    cpuPercent: cpu,
    cpuMsPerRequest: perRequest,
    ...judgeStep(outcome, options.slo),
  };
}

/** CPU % of each process over `seconds` with no load offered: what the system costs idle. */
export async function measureIdleCpu(
  pids: Record<string, number>,
  seconds: number,
  ticksPerSecond: number,
): Promise<Record<string, number>> {
  const c0 = readCpuTicks(pids);
  const t0 = performance.now();
  await delay(seconds * 1000);
  const c1 = readCpuTicks(pids);
  const wallMs = performance.now() - t0;
  return Object.fromEntries(
    Object.keys(pids).map((name) => [name, cpuPercent(cpuMs(c0[name], c1[name], ticksPerSecond), wallMs)]),
  );
}
