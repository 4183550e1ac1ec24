import type { ExperimentEvent, ExperimentPhase } from '#libs/contracts';
import type { MeasurementResult, ProbeResult, RollbackResult, StepEvent, Verdict } from '../run-record';

/** Receives a run's events as they happen (`lab experiment --events` writes each as a JSON line). */
export type RunEventSink = (event: ExperimentEvent) => void;

/** A number as JSON can carry it: undefined and NaN become null. */
function value(n: number | undefined): number | null {
  return n === undefined || Number.isNaN(n) ? null : n;
}

/** The event of a phase beginning, `atS` seconds into the run. */
export function phaseEvent(phase: ExperimentPhase, atS: number): ExperimentEvent {
  return { type: 'phase', phase, atS };
}

/** The event of a step starting or ending. */
export function stepEvent(event: StepEvent, state: 'started' | 'ended'): ExperimentEvent {
  return {
    type: 'step',
    state,
    index: event.index,
    ...(event.id === undefined ? {} : { id: event.id }),
    label: event.label,
    startS: event.startS,
    ...(state === 'ended' ? { endS: event.endS } : {}),
    ...(event.error === undefined ? {} : { error: event.error }),
  };
}

export function probeEvent(p: ProbeResult): ExperimentEvent {
  return {
    type: 'probe',
    phase: p.phase,
    name: p.name,
    source: p.source,
    expect: p.expect,
    measured: value(p.measured),
    outcome: p.outcome,
    ...(p.note === undefined ? {} : { note: p.note }),
  };
}

export function measurementEvent(m: MeasurementResult): ExperimentEvent {
  return {
    type: 'measurement',
    name: m.name,
    unit: m.unit,
    value: value(m.value),
    ...(m.expect === undefined ? {} : { expect: m.expect }),
    ...(m.ok === undefined ? {} : { ok: m.ok }),
  };
}

export function rollbackEvent(r: RollbackResult): ExperimentEvent {
  return { type: 'rollback', action: r.action, ok: r.ok, ...(r.error === undefined ? {} : { error: r.error }) };
}

export function verdictEvent(
  verdict: Verdict,
  run: { durationSeconds: number; recoverySeconds: number | undefined; interrupted: boolean },
): ExperimentEvent {
  return {
    type: 'verdict',
    passed: verdict.passed,
    failures: [...verdict.failures],
    noData: [...verdict.noData],
    durationSeconds: run.durationSeconds,
    recoverySeconds: value(run.recoverySeconds),
    interrupted: run.interrupted,
  };
}

/**
 * Emits the probes appended to a list since the last call: the runner's phases push their results
 * into one array, and each is told as soon as its phase has judged it.
 */
export class ProbeFeed {
  private told = 0;

  constructor(
    private readonly probes: readonly ProbeResult[],
    private readonly emit: RunEventSink,
  ) {}

  flush(): void {
    for (; this.told < this.probes.length; this.told++) this.emit(probeEvent(this.probes[this.told]));
  }
}
