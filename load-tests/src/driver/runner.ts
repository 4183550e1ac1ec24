import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { TokenSource } from '../../../tools/common';
import { MetricStore } from '../metrics';
import { flowPlans, totalDurationSeconds } from '../plan';
import type { FlowName, Scenario } from '../scenario';
import { arrivalTimes } from '../schedule';
import { compileThresholds, evaluateThresholds, type ThresholdResult } from '../thresholds';
import { RecordingHttp } from './http';
import {
  assertLoopback,
  checkReady,
  clearFaults,
  injectFault,
  runFlow,
  targetChaosApi,
  type FlowContext,
  type InjectedFault,
  type JeevesTarget,
} from './jeeves';
import { Timeline } from './timeline';

/** Runs one iteration of a flow; the Jeeves flows by default, a fake in unit tests. */
export type FlowRunner = (flow: FlowName, ctx: FlowContext, intendedStartMs: number) => Promise<void>;

export interface RunOptions {
  /** With overrides already applied (plan.ts applyOverrides). */
  readonly scenario: Scenario;
  readonly target: JeevesTarget;
  /** Called once a second while the run lasts. */
  readonly onSecond?: (state: LiveState) => void;
  /** Stops the run early (Ctrl-C); what was measured is still summarised. */
  readonly signal?: AbortSignal;
  /** How long in-flight iterations may finish after the last arrival (k6's gracefulStop, 30 s). */
  readonly gracefulStopMs?: number;
  readonly flowRunner?: FlowRunner;
  /** Skip the readiness probe (unit tests against a bare server). */
  readonly skipReadyCheck?: boolean;
  /** Connections in the pool to the gateway; requests beyond it wait (and that wait is measured). */
  readonly connections?: number;
}

export interface LiveState {
  readonly elapsedSeconds: number;
  readonly totalSeconds: number;
  readonly metrics: MetricStore;
  readonly timeline: Timeline;
  readonly inFlight: number;
  readonly failing: readonly ThresholdResult[];
}

export interface RunResult {
  readonly scenario: Scenario;
  readonly startedAt: string;
  /** From the start of the run until every flow of it stopped, the graceful stop included. */
  readonly durationSeconds: number;
  /**
   * From the start until the last arrival was due (or the run was stopped): the seconds in which
   * load was offered, the divisor for a per-second rate of what the schedule sent. The graceful
   * stop after it adds seconds without arrivals: a 5 s schedule ending 1.25 s later read as 6.25 s
   * turns 50/s into 40/s.
   */
  readonly arrivalSeconds: number;
  /** Why the run stopped before its schedule ended, if it did. */
  readonly aborted?: string;
  readonly thresholds: readonly ThresholdResult[];
  readonly metrics: MetricStore;
  readonly timeline: Timeline;
  readonly faults: readonly InjectedFault[];
  readonly passed: boolean;
}

/**
 * `count` events per second of the run's arrival schedule (`result.arrivalSeconds`), e.g. 202s
 * per second; 0 for a run stopped before its first second. Use it rather than dividing by
 * `durationSeconds`, which includes the graceful stop.
 */
export function perArrivalSecond(count: number, result: Pick<RunResult, 'arrivalSeconds'>): number {
  return result.arrivalSeconds > 0 ? count / result.arrivalSeconds : 0;
}

/** k6 exits 99 when a threshold fails; scripts that gate on k6 keep working with ours. */
export const EXIT_THRESHOLDS_FAILED = 99;

/**
 * The open-model run: every flow's iterations start at their scheduled times (schedule.ts) no matter
 * how slowly earlier ones finish, up to the flow's maxVUs in flight (beyond it an arrival is
 * dropped and counted as `dropped_iterations`, as k6 does).
 */
export async function runScenario(options: RunOptions): Promise<RunResult> {
  const { scenario, target } = options;
  for (const url of [target.gatewayUrl, target.tokenDealerUrl, ...Object.values(target.serviceUrls)])
    assertLoopback(url);
  const compiled = compileThresholds(scenario.thresholds);
  if (!options.skipReadyCheck) await checkReady(target);

  const tokens = new TokenSource(target.tokenDealerUrl, target.client);
  const chaos = targetChaosApi(target);
  // Like k6's setup(): no token, no run.
  if (!options.skipReadyCheck) await tokens.get();

  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const elapsedSeconds = (): number => (performance.now() - t0) / 1000;
  const metrics = new MetricStore(elapsedSeconds);
  const timeline = new Timeline();
  const plans = flowPlans(scenario);
  const totalSeconds = totalDurationSeconds(scenario.stages);
  const connections = options.connections ?? Math.min(256, Math.max(8, scenario.maxVUs));
  const http = new RecordingHttp(target.gatewayUrl, metrics, timeline, t0, connections);
  const stop = new AbortController();
  const onOuterAbort = (): void => stop.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const ctx: FlowContext = { http, tokens, metrics, timeline, scenario, runStartMs: t0, signal: stop.signal };
  const flowRunner = options.flowRunner ?? runFlow;
  let aborted: string | undefined;
  if (options.signal?.aborted) aborted = 'interrupted';

  const inFlight = new Map<FlowName, number>(plans.map((p) => [p.flow, 0]));
  const running = new Set<Promise<void>>();
  const totalInFlight = (): number => [...inFlight.values()].reduce((a, b) => a + b, 0);
  metrics.add(
    'vus_max',
    plans.reduce((n, p) => n + p.maxVUs, 0),
  );

  const start = (flow: FlowName, maxVUs: number, intendedOffsetMs: number): void => {
    const second = timeline.at(performance.now() - t0);
    if ((inFlight.get(flow) ?? 0) >= maxVUs) {
      metrics.add('dropped_iterations', 1, { flow, scenario: scenario.name });
      second.dropped += 1;
      return;
    }
    inFlight.set(flow, (inFlight.get(flow) ?? 0) + 1);
    second.started += 1;
    second.vusMax = Math.max(second.vusMax, totalInFlight());
    const intended = t0 + intendedOffsetMs;
    const p: Promise<void> = flowRunner(flow, ctx, intended)
      .catch(() => {
        // A flow that throws (say, the token-dealer went away mid-run) is a failed iteration, not a crashed run.
        metrics.add('checks', 0, { flow, scenario: scenario.name, check: 'iteration completed' });
      })
      .finally(() => {
        inFlight.set(flow, (inFlight.get(flow) ?? 1) - 1);
        const done = performance.now();
        metrics.add('iterations', 1, { flow, scenario: scenario.name });
        metrics.add('iteration_duration', done - intended, { flow, scenario: scenario.name });
        timeline.at(done - t0).iterations += 1;
        running.delete(p);
      });
    running.add(p);
  };

  // Chaos steps at their offsets; each result is kept for the summary.
  const faults: InjectedFault[] = [];
  let arrivalSeconds = totalSeconds;
  const faultTimers = scenario.faults.map((step, index) =>
    setTimeout(() => {
      void injectFault(step, index, target, chaos).then((f) => faults.push(f));
    }, step.atSeconds * 1000),
  );

  const abortable = compiled.filter((c) => c.parsed.abortOnFail);
  const perSecond = setInterval(() => {
    const elapsed = elapsedSeconds();
    metrics.add('vus', totalInFlight());
    const results = evaluateThresholds(abortable, metrics);
    const failing = results.filter((r) => !r.ok && elapsed >= r.delayAbortEvalSeconds);
    if (failing.length > 0 && !aborted) {
      aborted = `threshold ${failing[0].metric}: ${failing[0].threshold} crossed (abortOnFail) at ${elapsed.toFixed(1)} s`;
      stop.abort();
    }
    options.onSecond?.({
      elapsedSeconds: elapsed,
      totalSeconds,
      metrics,
      timeline,
      inFlight: totalInFlight(),
      failing,
    });
  }, 1000);

  try {
    const queues = plans.map((plan) => ({ plan, times: arrivalTimes(plan), next: undefined as number | undefined }));
    for (const q of queues) q.next = q.times.next().value ?? undefined;
    while (!stop.signal.aborted) {
      const nowMs = performance.now() - t0;
      let soonest = Infinity;
      for (const q of queues) {
        while (q.next !== undefined && q.next <= nowMs) {
          start(q.plan.flow, q.plan.maxVUs, q.next);
          const n = q.times.next();
          q.next = n.done ? undefined : n.value;
        }
        if (q.next !== undefined) soonest = Math.min(soonest, q.next);
      }
      if (soonest === Infinity) break;
      // Wake for the next arrival; never sleep long, so an abort is seen within 250 ms.
      await delay(Math.min(250, Math.max(0, soonest - (performance.now() - t0))));
    }
    // The schedule's length when it ran out (its last arrival may come a gap before the end); when stopped, until then.
    if (stop.signal.aborted) arrivalSeconds = Math.min(totalSeconds, elapsedSeconds());
    if (stop.signal.aborted && !aborted) aborted = 'interrupted';
    // Let in-flight iterations finish (bounded); an abort cuts them short at once.
    const grace = stop.signal.aborted ? 2000 : (options.gracefulStopMs ?? 30_000);
    const settled = Promise.allSettled([...running]);
    const timedOut = await Promise.race([settled.then(() => false), delay(grace).then(() => true)]);
    if (timedOut) {
      stop.abort();
      await Promise.race([Promise.allSettled([...running]), delay(2000)]);
    }
  } finally {
    clearInterval(perSecond);
    faultTimers.forEach(clearTimeout);
    options.signal?.removeEventListener('abort', onOuterAbort);
    await clearFaults(faults, chaos);
    await http.close();
  }

  const thresholds = evaluateThresholds(compiled, metrics);
  return {
    scenario,
    startedAt,
    durationSeconds: elapsedSeconds(),
    arrivalSeconds,
    ...(aborted ? { aborted } : {}),
    thresholds,
    metrics,
    timeline,
    faults,
    passed: thresholds.every((t) => t.ok),
  };
}
