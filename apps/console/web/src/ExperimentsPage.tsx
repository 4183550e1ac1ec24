import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { apiGet, apiSend } from './api';
import { ExperimentRun } from './ExperimentRun';
import type {
  ExperimentDescription,
  ExperimentList,
  ExperimentPlan,
  ReportList,
  ReportSummary,
  RunView,
} from './experiment-types';
import { useRunFeed } from './use-run-feed';
import { usePoll } from './use-poll';

function s(seconds: number): string {
  return `${Number(seconds.toFixed(1))} s`;
}

/**
 * A part the run's preflight checks, in words: `worker/metrics` is the worker's /metrics; gateway
 * and token-dealer are the load's targets; any other app is there for its chaos API (a fault step).
 */
function need(part: string): string {
  if (part === 'prometheus') return 'Prometheus';
  if (part === 'kafka') return 'Kafka';
  if (part === 'toxiproxy') return 'Toxiproxy';
  const metrics = /^(.+)\/metrics$/.exec(part);
  if (metrics) return `${metrics[1]}'s /metrics`;
  return part === 'gateway' || part === 'token-dealer' ? `${part} ready` : `${part}'s chaos API`;
}

/** How long one version runs: the load, plus the ledger's drain at most. */
function length(plan: ExperimentPlan): string {
  return `${s(plan.load.durationSeconds)} of load at ${plan.load.ratePerSecond}/s${plan.ledger ? `, then a drain of up to ${s(plan.ledger.drainSeconds)}` : ''}`;
}

function Plan({ plan }: { plan: ExperimentPlan }) {
  const h = plan.hypothesis;
  return (
    <div className="plan">
      <h5>Method</h5>
      <ul>
        {plan.steps.map((step) => (
          <li key={step.index}>
            {step.forS ? `${s(step.atS)}–${s(step.atS + step.forS)}` : `at ${s(step.atS)}`}: {step.label}
          </li>
        ))}
      </ul>
      <h5>Phases (seconds from the start of the load)</h5>
      <ul>
        {plan.phases.map((p) => (
          <li key={p.phase}>
            {p.phase}: {s(p.fromS)}–{s(p.toS)}
            {p.phase === 'recovery' ? ' at most' : ''}
            {p.phase === 'drain' ? ' at most' : ''}
          </li>
        ))}
      </ul>
      <h5>Hypothesis</h5>
      <ul>
        {h.steadyState.map((p) => (
          <li key={`b-${p.name}`}>
            Before and after: {p.name} {p.expect}
          </li>
        ))}
        {h.deviation.map((p) => (
          <li key={`d-${p.name}`}>
            During the method ({p.holds === 'always' ? 'throughout' : 'at least once'}): {p.name} {p.expect}
          </li>
        ))}
        <li>Recovered within {s(h.recovery.withinSeconds)} of the method&apos;s end</li>
        {h.recovery.probes.map((p) => (
          <li key={`r-${p.name}`}>
            At recovery: {p.name} {p.expect}
          </li>
        ))}
        {Object.entries(h.loadThresholds).map(([metric, list]) => (
          <li key={`t-${metric}`}>
            Load threshold: {metric} {list.join(', ')}
          </li>
        ))}
        {plan.ledger && <li>Ledger: nothing lost, nothing duplicated (counted on {plan.ledger.accepted})</li>}
      </ul>
      {plan.measurements.length > 0 && (
        <>
          <h5>Measured</h5>
          <ul>
            {plan.measurements.map((m) => (
              <li key={m.name}>
                {m.name}
                {m.unit ? ` (${m.unit})` : ''}
                {m.description ? `: ${m.description}` : ''}
                {m.expect ? `; must be ${m.expect}` : ''}
              </li>
            ))}
          </ul>
        </>
      )}
      {Object.keys(plan.settings).length > 0 && (
        <p>
          Settings for the run:{' '}
          {Object.entries(plan.settings)
            .map(
              ([app, vars]) =>
                `${app} ${Object.entries(vars)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(' ')}`,
            )
            .join('; ')}
        </p>
      )}
    </div>
  );
}

interface CardProps {
  readonly experiment: ExperimentDescription;
  onRun(name: string, short: boolean): Promise<void>;
}

function ExperimentCard({ experiment: e, onRun }: CardProps) {
  const [short, setShort] = useState(true);
  const [busy, setBusy] = useState(false);
  const headingId = `experiment-${e.name}`;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await onRun(e.name, short);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="experiment" data-experiment={e.name}>
      <article aria-labelledby={headingId}>
        <h4 id={headingId}>{e.name}</h4>
        <p>{e.description}</p>
        <p>
          <strong>Runs:</strong> {length(e.full)}; short version {length(e.short)}.
        </p>
        <p>
          <strong>Needs:</strong>{' '}
          {e.requiresBrokers ? (
            <strong>
              a {e.requiresBrokers}-broker cluster (npm run lab -- up --brokers {e.requiresBrokers});{' '}
            </strong>
          ) : null}
          {e.needs.map(need).join(', ')}.
          {e.variants.length > 0 &&
            ` Runs each variant in turn and compares them: ${e.variants.map((v) => `${v.name} (${v.description})`).join('; ')}.`}
        </p>
        <form className="run-form" onSubmit={(event) => void submit(event)}>
          <label className="inline">
            <input type="checkbox" name="short" checked={short} onChange={(event) => setShort(event.target.checked)} />
            Short version (--short)<span className="visually-hidden"> of {e.name}</span>
          </label>
          <button type="submit" disabled={busy}>
            Run {e.name}
          </button>
        </form>
        <details>
          <summary>
            Plan of the {short ? 'short' : 'full'} version<span className="visually-hidden"> of {e.name}</span>: method,
            phases, hypothesis
          </summary>
          <Plan plan={short ? e.short : e.full} />
        </details>
      </article>
    </li>
  );
}

function verdictText(passed: boolean | null): string {
  return passed === null ? '? unknown' : passed ? '✓ PASSED' : '✗ FAILED';
}

function ReportsTable({ reports, total }: { reports: readonly ReportSummary[]; total: number }) {
  if (reports.length === 0) return <p>No reports yet: a run writes one under results/.</p>;
  return (
    <>
      <table className="reports">
        <caption className="visually-hidden">Past experiment reports, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Experiment</th>
            <th scope="col">Version</th>
            <th scope="col">Verdict</th>
            <th scope="col">Report</th>
          </tr>
        </thead>
        <tbody>
          {reports.map((r) => (
            <tr
              key={r.id}
              data-report={r.id}
              data-report-verdict={r.passed === null ? 'unknown' : r.passed ? 'passed' : 'failed'}
            >
              <td>
                <time dateTime={r.startedAt}>{new Date(r.startedAt).toLocaleString()}</time>
              </td>
              <th scope="row">{r.experiment}</th>
              <td>{r.short === null ? '—' : r.short ? 'short' : 'full'}</td>
              <td className={`verdict-text verdict-${r.passed === null ? 'unknown' : r.passed ? 'passed' : 'failed'}`}>
                {verdictText(r.passed)}
                {r.runs.length > 1 ? ` (${r.runs.filter((x) => x.passed).length} of ${r.runs.length} runs passed)` : ''}
              </td>
              <td>
                <ul className="links">
                  {r.runs.map((run) => (
                    <li key={run.url}>
                      <a href={run.url} target="_blank" rel="noopener">
                        Open {run.variant ?? run.sub ?? 'report'}
                        <span className="visually-hidden">
                          {' '}
                          of {r.experiment} started {r.startedAt}
                        </span>
                      </a>
                    </li>
                  ))}
                  {r.comparisonUrl && (
                    <li>
                      <a href={r.comparisonUrl} target="_blank" rel="noopener">
                        Side by side
                        <span className="visually-hidden">
                          {' '}
                          for {r.experiment} started {r.startedAt}
                        </span>
                      </a>
                    </li>
                  )}
                </ul>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {total > reports.length && (
        <p>
          The newest {reports.length} of {total} are listed; the rest are in results/.
        </p>
      )}
    </>
  );
}

/**
 * The shipped experiments with what each does and needs; run one (the console starts the lab's
 * own CLI), watch its phases, probes and verdict arrive, cancel it; and the past reports, opened.
 */
export function ExperimentsPage() {
  const [catalogue, setCatalogue] = useState<ExperimentList | undefined>();
  const experiments = catalogue?.experiments;
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>();
  const [now, setNow] = useState(Date.now());
  const feed = useRunFeed();
  const loadReports = useCallback(() => apiGet<ReportList>('/api/experiments/reports'), []);
  const reports = usePoll(loadReports, 10_000);
  const lastState = useRef<string | undefined>(undefined);

  useEffect(() => {
    apiGet<ExperimentList>('/api/experiments').then(setCatalogue, (e: Error) =>
      setMessage({ kind: 'error', text: `Could not list the experiments: ${e.message}` }),
    );
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  // A run that ended has written its report: list it now. What was said about the run before is stale.
  const state = feed.run?.state;
  const reloadReports = reports.reload;
  useEffect(() => {
    if (lastState.current && lastState.current !== state && !feed.active) {
      void reloadReports();
      setMessage(undefined);
    }
    lastState.current = state;
  }, [state, feed.active, reloadReports]);

  const run = async (name: string, short: boolean) => {
    try {
      await apiSend<RunView>('POST', '/api/experiments/runs', { experiment: name, short });
      setMessage({ kind: 'ok', text: `Started ${name}${short ? ' (short)' : ''}.` });
    } catch (e) {
      setMessage({ kind: 'error', text: e instanceof Error ? e.message : String(e) });
    }
    await feed.refresh();
  };

  const cancel = async () => {
    if (!feed.run) return;
    try {
      await apiSend<RunView>('POST', `/api/experiments/runs/${feed.run.id}/cancel`);
      setMessage({ kind: 'ok', text: `Cancelling ${feed.run.experiment}: it rolls back and writes its report.` });
    } catch (e) {
      setMessage({ kind: 'error', text: e instanceof Error ? e.message : String(e) });
    }
    await feed.refresh();
  };

  const plan = (() => {
    const e = experiments?.find((x) => x.name === feed.run?.experiment);
    return e && (feed.run?.short ? e.short : e.full);
  })();

  return (
    <section aria-labelledby="experiments-heading">
      <h2 id="experiments-heading">Experiments</h2>
      <div role={message?.kind === 'error' ? 'alert' : 'status'} className={`notice ${message?.kind ?? ''}`}>
        {message ? (message.kind === 'error' ? `Error: ${message.text}` : message.text) : ''}
      </div>
      {feed.error && <p role="alert">Error: could not read the run: {feed.error}</p>}
      {feed.run && (
        <ExperimentRun
          run={feed.run}
          entries={feed.entries}
          plan={plan}
          phases={catalogue?.phases}
          now={now}
          onCancel={() => void cancel()}
        />
      )}
      <h3 id="catalogue-heading">Shipped experiments</h3>
      {feed.active && (
        <p className="hint">One experiment runs at a time: another can start once {feed.run?.experiment} has ended.</p>
      )}
      {experiments ? (
        <ul className="experiments" aria-labelledby="catalogue-heading">
          {experiments.map((e) => (
            <ExperimentCard key={e.name} experiment={e} onRun={run} />
          ))}
        </ul>
      ) : (
        !message && <p>Loading the experiments…</p>
      )}
      <h3 id="reports-heading">Past reports</h3>
      {reports.error && <p role="alert">Error: could not list the reports: {reports.error}</p>}
      {reports.value && <ReportsTable reports={reports.value.reports} total={reports.value.total} />}
    </section>
  );
}
