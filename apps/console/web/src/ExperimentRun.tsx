import type {
  ExperimentEvent,
  ExperimentPhase,
  ExperimentPlan,
  FeedEntry,
  RunState,
  RunView,
} from './experiment-types';

type EventOf<T extends ExperimentEvent['type']> = Extract<ExperimentEvent, { type: T }>;

/** One run of the CLI's feed: a variant or round, or the whole of an experiment without them. */
interface SubRun {
  readonly info?: EventOf<'run'>;
  readonly phases: Array<EventOf<'phase'>>;
  readonly steps: Map<number, EventOf<'step'>>;
  readonly probes: Array<EventOf<'probe'>>;
  progress?: EventOf<'progress'>;
  readonly measurements: Array<EventOf<'measurement'>>;
  readonly rollbacks: Array<EventOf<'rollback'>>;
  verdict?: EventOf<'verdict'>;
  report?: EventOf<'report'>;
}

/** The feed sorted into its runs (a `run` event starts one), the comparison, and the printed lines. */
export function summarise(entries: readonly FeedEntry[]) {
  const runs: SubRun[] = [];
  const lines: string[] = [];
  let comparison: EventOf<'comparison'> | undefined;
  const fresh = (info?: EventOf<'run'>): SubRun => ({
    info,
    phases: [],
    steps: new Map(),
    probes: [],
    measurements: [],
    rollbacks: [],
  });
  for (const entry of entries) {
    if (entry.kind === 'log') {
      lines.push(entry.line);
      continue;
    }
    const event = entry.event;
    if (event.type === 'run') {
      runs.push(fresh(event));
      continue;
    }
    if (event.type === 'comparison') {
      comparison = event;
      continue;
    }
    if (runs.length === 0) runs.push(fresh());
    const run = runs[runs.length - 1];
    switch (event.type) {
      case 'phase':
        run.phases.push(event);
        break;
      case 'step':
        run.steps.set(event.index, { ...run.steps.get(event.index), ...event });
        break;
      case 'probe':
        run.probes.push(event);
        break;
      case 'progress':
        run.progress = event;
        break;
      case 'measurement':
        run.measurements.push(event);
        break;
      case 'rollback':
        run.rollbacks.push(event);
        break;
      case 'verdict':
        run.verdict = event;
        break;
      case 'report':
        run.report = event;
        break;
    }
  }
  return { runs, lines, comparison };
}

/** `results/<folder>/…/report.html` (relative to the results root) → where the console serves it. */
export function reportUrl(path: string): string | undefined {
  const m = /^results\/([\w.-]+(?:\/[a-z][a-z0-9-]*)?\/(?:report|comparison)\.html)$/.exec(path);
  return m ? `/reports/${m[1]}` : undefined;
}

const STATE_TEXT: Record<RunState, string> = {
  running: 'RUNNING',
  cancelling: 'CANCELLING (rolling back)',
  passed: 'PASSED',
  failed: 'FAILED',
  cancelled: 'CANCELLED',
  'could-not-run': 'COULD NOT RUN',
  crashed: 'ENDED WITHOUT A VERDICT',
};

const OUTCOME_TEXT = {
  'within bounds': '✓ within bounds',
  'out of bounds': '✗ out of bounds',
  'no data': '? no data',
} as const;

const PROBE_PHASE_TEXT = { before: 'before the method', during: 'during the method', after: 'recovery' } as const;

function s(seconds: number | null | undefined): string {
  return seconds === null || seconds === undefined ? '—' : `${Number(seconds.toFixed(1))} s`;
}

function num(value: number | null | undefined): string {
  return value === null || value === undefined ? 'no data' : String(Number(value.toPrecision(4)));
}

interface PhaseListProps {
  readonly run: SubRun;
  readonly plan: ExperimentPlan | undefined;
  /** Every phase in the runner's order (from the experiments list); undefined until it has loaded. */
  readonly phases: readonly ExperimentPhase[] | undefined;
  readonly ended: boolean;
}

/** Each phase of the run: done (✓), now (▶), or to come (○), in words as well as by sign. */
function PhaseList({ run, plan, phases, ended }: PhaseListProps) {
  const seen = new Map<ExperimentPhase, number>(run.phases.map((p) => [p.phase, p.atS]));
  const current = run.phases.at(-1)?.phase;
  const planned = new Map(plan?.phases.map((p) => [p.phase, p]) ?? []);
  // Before the list has loaded, the phases the run has been through.
  const shown = (phases ?? [...seen.keys()]).filter((p) => p !== 'drain' || seen.has('drain') || plan?.ledger);
  return (
    <ol className="phases">
      {shown.map((phase) => {
        const atS = seen.get(phase);
        const state =
          atS === undefined ? (ended ? 'skipped' : 'pending') : phase === current && !ended ? 'current' : 'done';
        const window = planned.get(phase);
        return (
          <li key={phase} data-phase={phase} data-phase-state={state} className={`phase phase-${state}`}>
            {state === 'done' ? '✓ ' : state === 'current' ? '▶ ' : '○ '}
            <strong>{phase}</strong>
            {' — '}
            {state === 'done' && `done (began at ${s(atS)})`}
            {state === 'current' && `now (since ${s(atS)})`}
            {state === 'pending' && 'to come'}
            {state === 'skipped' && 'not reached'}
            {window && ` · planned ${s(window.fromS)}–${s(window.toS)}`}
          </li>
        );
      })}
    </ol>
  );
}

function Verdict({ verdict, label }: { verdict: EventOf<'verdict'>; label: string }) {
  const noData = new Set(verdict.noData);
  return (
    <div
      className={`verdict verdict-${verdict.passed ? 'passed' : 'failed'}`}
      data-verdict={verdict.passed ? 'passed' : 'failed'}
    >
      <p>
        <strong>
          {label}Verdict: {verdict.passed ? '✓ PASSED' : '✗ FAILED'}
        </strong>
        {verdict.interrupted ? ' (interrupted)' : ''} after {s(verdict.durationSeconds)}
        {verdict.recoverySeconds !== null && verdict.recoverySeconds !== undefined
          ? `; recovered ${s(verdict.recoverySeconds)} after the method`
          : ''}
      </p>
      {verdict.failures.length > 0 && (
        <ul>
          {verdict.failures.map((f) => (
            <li key={f}>{noData.has(f) ? `? ${f}` : `✗ ${f}`}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function runLabel(run: SubRun): string {
  const info = run.info;
  if (!info || info.of <= 1) return '';
  return `${[info.variant && `variant ${info.variant}`, info.round && `round ${info.round}`].filter(Boolean).join(', ') || `run ${info.index}`} (${info.index} of ${info.of}): `;
}

interface ExperimentRunProps {
  readonly run: RunView;
  readonly entries: readonly FeedEntry[];
  readonly plan: ExperimentPlan | undefined;
  /** Every phase in the runner's order; undefined until the experiments list has loaded. */
  readonly phases: readonly ExperimentPhase[] | undefined;
  readonly now: number;
  onCancel(): void;
}

/** The current (or last) run: its state, phases, steps, probes, watched values, verdict and report, as they arrive. */
export function ExperimentRun({ run, entries, plan, phases, now, onCancel }: ExperimentRunProps) {
  const { runs, lines, comparison } = summarise(entries);
  const ended = run.state !== 'running' && run.state !== 'cancelling';
  const latest = runs.at(-1);
  const elapsedS = ((ended && run.endedAt ? Date.parse(run.endedAt) : now) - Date.parse(run.startedAt)) / 1000;
  const phase = latest?.phases.at(-1)?.phase;
  const comparisonUrl = comparison && reportUrl(comparison.html);
  return (
    <section aria-labelledby="run-heading" className="run" data-run-id={run.id} data-run-state={run.state}>
      <h3 id="run-heading">
        {ended ? 'Last run' : 'Running now'}: {run.experiment}
        {run.short ? ' (short)' : ''}
      </h3>
      {/* Announced when the state or the phase changes; the visible line below also ticks the time. */}
      <p role="status" className="visually-hidden">
        {run.experiment}: {STATE_TEXT[run.state]}
        {!ended && phase ? `, phase ${phase}` : ''}
      </p>
      <p className="run-headline">
        State: <strong className={`run-state run-state-${run.state}`}>{STATE_TEXT[run.state]}</strong>
        {!ended && phase ? ` — phase ${phase}` : ''} · started {new Date(run.startedAt).toLocaleTimeString()},{' '}
        {ended ? 'took' : 'running for'} {s(Math.max(0, elapsedS))}
        {runs.length > 1 ? ` · ${runs.length} runs` : ''}
      </p>
      {run.problem && (
        <p role="alert" className="notice error">
          {run.state === 'could-not-run' ? 'Nothing ran: ' : 'Problem: '}
          {run.problem}
        </p>
      )}
      {!ended && (
        <p>
          <button type="button" onClick={onCancel} disabled={run.state === 'cancelling'}>
            {run.state === 'cancelling' ? 'Cancelling…' : 'Cancel run'}
          </button>{' '}
          <span className="hint">
            Cancelling stops the method and the load, rolls back, and still writes the report.
          </span>
        </p>
      )}
      {runs.map((r, i) => (r.verdict ? <Verdict key={i} verdict={r.verdict} label={runLabel(r)} /> : null))}
      {(runs.some((r) => r.report) || comparisonUrl) && (
        <ul className="run-reports">
          {runs.map((r, i) => {
            const url = r.report && reportUrl(r.report.html);
            return url ? (
              <li key={i}>
                <a href={url} target="_blank" rel="noopener">
                  Open the report{runLabel(r) ? ` — ${runLabel(r).replace(/: $/, '')}` : ''}
                </a>
              </li>
            ) : null;
          })}
          {comparisonUrl && (
            <li>
              <a href={comparisonUrl} target="_blank" rel="noopener">
                Open the side-by-side comparison
              </a>
            </li>
          )}
        </ul>
      )}
      {latest && (latest.phases.length > 0 || !ended) && (
        <>
          <h4>Phases{runLabel(latest) ? ` — ${runLabel(latest).replace(/: $/, '')}` : ''}</h4>
          <PhaseList run={latest} plan={plan} phases={phases} ended={ended || latest.verdict !== undefined} />
          {latest.steps.size > 0 && (
            <>
              <h4>Method steps</h4>
              <ul className="steps">
                {[...latest.steps.values()].map((step) => (
                  <li key={step.index} data-step={step.id ?? step.index}>
                    at {s(step.startS)}: {step.label} —{' '}
                    {step.error
                      ? `✗ failed: ${step.error}`
                      : step.state === 'ended'
                        ? `done at ${s(step.endS)}`
                        : 'in progress'}
                  </li>
                ))}
              </ul>
            </>
          )}
          {latest.progress && (
            <>
              <h4>{ended ? 'Last progress' : 'Now'}</h4>
              <p className="load-line">
                {s(latest.progress.elapsedS)} of {s(latest.progress.loadSeconds)} of load
                {latest.progress.load ? ` · ${latest.progress.load}` : ''}
              </p>
              {latest.progress.watched.length > 0 && (
                <dl className="watched">
                  {latest.progress.watched.map((w) => (
                    <div key={w.name}>
                      <dt>{w.name}</dt>
                      <dd>{num(w.value)}</dd>
                    </div>
                  ))}
                </dl>
              )}
            </>
          )}
          <h4>Probes</h4>
          {latest.probes.length === 0 ? (
            <p>None judged yet: the steady state is judged just before the first step.</p>
          ) : (
            <table className="probes">
              <caption className="visually-hidden">Probes judged so far</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Probe</th>
                  <th scope="col">Expected</th>
                  <th scope="col">Measured</th>
                  <th scope="col">Outcome</th>
                </tr>
              </thead>
              <tbody>
                {latest.probes.map((p, i) => (
                  <tr key={i} data-probe={p.name} data-outcome={p.outcome}>
                    <td>{PROBE_PHASE_TEXT[p.phase]}</td>
                    <th scope="row">{p.name}</th>
                    <td>{p.expect}</td>
                    <td>
                      {num(p.measured)}
                      {p.note ? ` (${p.note})` : ''}
                    </td>
                    <td className={`outcome outcome-${p.outcome.replace(/ /g, '-')}`}>{OUTCOME_TEXT[p.outcome]}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {latest.measurements.length > 0 && (
            <>
              <h4>Measurements</h4>
              <ul>
                {latest.measurements.map((m) => (
                  <li key={m.name}>
                    {m.name} = {num(m.value)} {m.unit}
                    {m.expect ? ` (expected ${m.expect}: ${m.ok ? '✓ met' : '✗ missed'})` : ''}
                  </li>
                ))}
              </ul>
            </>
          )}
          {latest.rollbacks.length > 0 && (
            <>
              <h4>Rollbacks</h4>
              <ul>
                {latest.rollbacks.map((r, i) => (
                  <li key={i}>
                    {r.ok ? '✓' : '✗'} {r.action}
                    {r.error ? `: ${r.error}` : ''}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
      <details className="output">
        <summary>The run&apos;s output ({lines.length} lines)</summary>
        <pre tabIndex={0} aria-label="The run's output">
          {lines.slice(-300).join('\n')}
        </pre>
      </details>
    </section>
  );
}
