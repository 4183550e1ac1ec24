import type { LoadOutcome } from '../load';
import type { LedgerResult, MeasurementResult, ProbeResult, StepEvent, Verdict } from '../run-record';

/**
 * The verdict from everything the run saw: an interruption, failed steps, probes out of bounds,
 * no recovery in time, measurements and ledger misses, load thresholds crossed — one line each,
 * then the probes that gave no data, each on a line of its own. Passed when there is no line.
 */
export function decideVerdict(parts: {
  probes: readonly ProbeResult[];
  recoverySeconds: number | undefined;
  withinSeconds: number;
  hasDisruption: boolean;
  measurements: readonly MeasurementResult[];
  ledger: LedgerResult | undefined;
  load: LoadOutcome | undefined;
  events: readonly StepEvent[];
  interrupted: boolean;
}): Verdict {
  const failures: string[] = [];
  const noData: string[] = [];
  if (parts.interrupted) failures.push('interrupted before the method finished');
  for (const e of parts.events) if (e.error) failures.push(`step "${e.label}" failed: ${e.error}`);
  for (const p of parts.probes) {
    if (p.ok) continue;
    if (p.measured === undefined || p.outcome === 'no data') {
      noData.push(`no data from "${p.name}" (${p.phase}; ${p.source}${p.note ? `; ${p.note}` : ''})`);
    } else
      failures.push(
        `${p.phase}: "${p.name}" expected ${p.expect}, measured ${round(p.measured)}, out of bounds${p.note ? ` (${p.note})` : ''}`,
      );
  }
  if (parts.hasDisruption && parts.recoverySeconds === undefined)
    failures.push(`no recovery within ${parts.withinSeconds} s of the method's end`);
  for (const m of parts.measurements)
    if (m.ok === false)
      failures.push(
        `measurement ${m.name} = ${m.value === undefined ? 'no data' : round(m.value)}, expected ${m.expect}`,
      );
  if (parts.ledger && !parts.ledger.ok) {
    failures.push(
      `ledger: ${parts.ledger.lost ?? '?'} lost, ${parts.ledger.extraCompletions ?? '?'} completed without an acceptance (accepted ${parts.ledger.acceptedByGateway ?? '?'}, completed ${parts.ledger.completedByDataService ?? '?'})`,
    );
  }
  if (parts.load)
    for (const t of parts.load.thresholds)
      if (!t.ok)
        failures.push(
          `load threshold ${t.metric}: ${t.threshold} (was ${t.value === undefined ? 'no samples' : round(t.value)})`,
        );
  // Measured misses first, then the probes that measured nothing: two kinds, never mixed in one line.
  failures.push(...noData);
  return { passed: failures.length === 0, failures, noData };
}

const round = (n: number): number => Math.round(n * 1000) / 1000;
