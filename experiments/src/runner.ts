import type { Experiment } from './definition';
import type { LabActions } from './lab-actions';
import type { LoadOutcome, LoadStarter } from './load';
import { checkSteadyState, startMainLoad } from './phases/baseline';
import { RunClock } from './phases/clock';
import {
  measurementEvent,
  phaseEvent,
  ProbeFeed,
  rollbackEvent,
  type RunEventSink,
  stepEvent,
  verdictEvent,
} from './phases/events';
import { instrumentsOf, ledgerSourcesOf } from './phases/instruments';
import { drainLedger, formatRecordsAppended } from './phases/ledger';
import { judgeDuring, measure } from './phases/measure';
import { planTimeline, runMethod } from './phases/method';
import { SourceReader } from './phases/probes';
import { ProgressLine } from './phases/progress';
import { awaitRecovery } from './phases/recovery';
import { Rollbacks } from './phases/rollbacks';
import { applySettings } from './phases/setup';
import type { StepContext } from './phases/steps';
import { decideVerdict } from './phases/verdict';
import type { PrometheusApi } from '../../tools/common';
import type { LedgerResult, ProbeResult, RunRecord, StepEvent } from './run-record';
import { Watcher } from './watcher';

export type {
  LedgerResult,
  MeasurementResult,
  ProbeOutcome,
  ProbeResult,
  RollbackResult,
  RunRecord,
  StepEvent,
  Verdict,
} from './run-record';
export { probeOutcome } from './run-record';
export { planTimeline } from './phases/method';
export { stepLabel } from './phases/steps';
export { judgeWindow, lastIncreaseOf, longestStall, lowOf, peakOf, stallEndOf, timeUntil } from './phases/samples';
export { decideVerdict } from './phases/verdict';
export type { RunEventSink } from './phases/events';

/** What the runner acts on and reads from: the lab, Prometheus, the load driver; all faked in unit specs. */
export interface RunnerDeps {
  readonly lab: LabActions;
  readonly prometheus: PrometheusApi | undefined;
  readonly load: LoadStarter;
  readonly log: (line: string) => void;
  /** Ctrl-C: stop the method and the load, roll back, report. */
  readonly signal?: AbortSignal;
  /** Recovery and drain polling; 1 s by default. */
  readonly pollIntervalMs?: number;
  /** Watcher sampling; 500 ms by default. */
  readonly watchIntervalMs?: number;
  /** Progress line every this many seconds; 5 by default. */
  readonly progressEverySeconds?: number;
  /**
   * Checks that every data source and target the experiment needs answers; it throws (the lab's
   * LabNotRunningError) when one does not. Runs first: no setup, load, fault or probe before it.
   */
  readonly preflight?: (experiment: Experiment) => Promise<void>;
  /**
   * Told each phase, step, probe, measurement, rollback and the verdict as they happen, and the
   * progress about once a second (`lab experiment --events`, which the console reads).
   */
  readonly onEvent?: RunEventSink;
}

/**
 * Runs one experiment, phase by phase: preflight, setup (settings, alert overrides), the load and
 * the steady state before the method, the method on its timeline (phases/steps.ts: one handler per
 * kind of step), recovery, the end of the load, rollback, drain and ledger, the deviation probes
 * and measurements, the verdict. Rollbacks always run (finally, and on Ctrl-C through
 * `deps.signal`). Throws what preflight or setup throw, after rolling back.
 */
export async function runExperiment(
  experiment: Experiment,
  deps: RunnerDeps,
  options: { short?: boolean; variant?: string } = {},
): Promise<RunRecord> {
  const { lab, prometheus, log } = deps;
  // A missing instrument stops the run here, with no verdict: it must never read as the system failing.
  await deps.preflight?.(experiment);
  const emit: RunEventSink = deps.onEvent ?? (() => undefined);
  const pollMs = deps.pollIntervalMs ?? 1000;
  const stop = new AbortController();
  const onOuterAbort = (): void => stop.abort();
  deps.signal?.addEventListener('abort', onOuterAbort, { once: true });
  // Ctrl-C (or a cancel) during the preflight came before the listener: honour it all the same.
  if (deps.signal?.aborted) stop.abort();
  const clock = new RunClock(stop.signal);
  const { watches, alerts, lags, clusters } = instrumentsOf(experiment);
  const watcher = new Watcher(watches, alerts, lab, prometheus, clock.elapsed, lags, clusters);
  const reader = new SourceReader(watcher, prometheus);
  const progress = new ProgressLine(
    experiment.name,
    experiment.load.durationSeconds,
    watches,
    watcher,
    clock.elapsed,
    log,
    deps.progressEverySeconds,
    deps.onEvent,
  );
  const rollbacks = new Rollbacks(log);
  const events: StepEvent[] = [];
  const probes: ProbeResult[] = [];
  const probeFeed = new ProbeFeed(probes, emit);
  let recoverySeconds: number | undefined;
  let ledger: LedgerResult | undefined;
  let interrupted = false;

  try {
    // Setup first: the steady state is judged on the system as the experiment runs it.
    emit(phaseEvent('setup', 0));
    await applySettings(experiment, lab, rollbacks, log);
    await watcher.sampleOnce();
    // The ledger counts from this sample on (counter increases, across restarts: Watcher.increase).
    const ledgerFromS = experiment.ledger ? clock.elapsed() : undefined;

    // Baseline: the load starts, the method's clock with it, and the steady state is judged before the first step.
    progress.start();
    const mainLoad = await startMainLoad(experiment, deps.load, stop.signal, clock, progress, log);
    watcher.start(deps.watchIntervalMs ?? 500);
    const timeline = planTimeline(experiment.method);
    const stepContext: StepContext = {
      experiment,
      lab,
      load: deps.load,
      clock,
      signal: stop.signal,
      rollbacks,
      log: (text: string) => log(`[${experiment.name}] ${text}`),
      killed: new Set<string>(),
      scaledFrom: new Map(),
      leaders: new Map(),
    };
    const checkpoint = async (): Promise<void> => {
      await checkSteadyState(experiment, timeline[0].startS, clock, reader, probes, log);
      probeFeed.flush();
    };

    // Method.
    await runMethod(timeline, stepContext, events, checkpoint, (event, state) => {
      progress.phase = 'method';
      emit(stepEvent(event, state));
    });
    if (stop.signal.aborted) interrupted = true;
    const disruption =
      events.length > 0
        ? { startS: Math.min(...events.map((e) => e.startS)), endS: Math.max(...events.map((e) => e.endS)) }
        : undefined;

    // Recovery: steady state (and the recovery probes) all holding again, polled against the deadline.
    if (!interrupted && disruption) {
      progress.phase = 'recovery';
      recoverySeconds = await awaitRecovery(
        experiment,
        disruption.endS,
        clock,
        reader,
        pollMs,
        stop.signal,
        probes,
        log,
      );
      probeFeed.flush();
    }

    progress.phase = 'load-end';
    const load: LoadOutcome | undefined = await mainLoad.done;
    progress.stop();
    if (stop.signal.aborted) interrupted = true;

    // Rollback: undo the method and the setup before counting what drains, but the settings of an
    // app the ledger counts from: restarting it now would lose its last increments (after the drain).
    progress.phase = 'rollback';
    await rollbacks.runAll({ keepAfterLedger: true });

    if (experiment.ledger && ledgerFromS !== undefined) {
      progress.phase = 'drain';
      ledger = await drainLedger(
        watcher,
        ledgerSourcesOf(experiment.ledger),
        ledgerFromS,
        load?.accepted ?? 0,
        experiment.ledger.drainSeconds,
        pollMs,
        clock,
      );
      log(
        `[${experiment.name}] ledger: accepted ${ledger.acceptedByGateway ?? '?'}, completed ${ledger.completedByDataService ?? '?'}, lost ${ledger.lost ?? '?'}, completed without an acceptance ${ledger.extraCompletions ?? '?'}; records appended: ${formatRecordsAppended(ledger)}`,
      );
    }
    watcher.stop();
    await rollbacks.runAll();
    for (const r of rollbacks.results) emit(rollbackEvent(r));

    // Measure: what deviated during the method, and the numbers.
    const durationSeconds = clock.elapsed();
    progress.phase = 'measure';
    if (disruption) {
      for (const p of experiment.deviation)
        probes.push(await judgeDuring(p, disruption, watcher, prometheus, clock.startedAtS));
    }
    probeFeed.flush();
    const eventMap = new Map(
      events.filter((e) => e.id).map((e) => [e.id as string, { startS: e.startS, endS: e.endS }]),
    );
    const measurements = await measure(
      experiment.measurements,
      eventMap,
      durationSeconds,
      watcher,
      prometheus,
      clock.startedAtS,
    );
    for (const m of measurements) emit(measurementEvent(m));

    // Verdict.
    const verdict = decideVerdict({
      probes,
      recoverySeconds,
      withinSeconds: experiment.recovery.withinSeconds,
      hasDisruption: disruption !== undefined,
      measurements,
      ledger,
      load,
      events,
      interrupted,
    });
    emit(verdictEvent(verdict, { durationSeconds, recoverySeconds, interrupted }));
    return {
      experiment,
      short: options.short === true,
      ...(options.variant === undefined ? {} : { variant: options.variant }),
      startedAtS: clock.startedAtS,
      durationSeconds,
      events,
      disruption,
      probes,
      recoverySeconds,
      measurements,
      ledger,
      load,
      rollbacks: rollbacks.results,
      watched: watcher.all(),
      interrupted,
      verdict,
    };
  } finally {
    progress.stop();
    watcher.stop();
    stop.abort();
    // Whatever happened above — a failed step, a thrown error, Ctrl-C — undo what was done.
    await rollbacks.runAll();
    deps.signal?.removeEventListener('abort', onOuterAbort);
  }
}
