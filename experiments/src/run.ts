import { REPO_ROOT, type LabConfig } from '../../tools/lab/config';
import { readLabDescription } from '../../tools/lab/lab';
import { LabNotRunningError } from '../../tools/lab/lab-not-running';
import { prometheusUrl } from '../../tools/lab/prometheus';
import { requireRunning } from '../../tools/lab/running';
import { loadExperiment, type Experiment } from './definition';
import { RealLabActions } from './lab-actions';
import { driverLoad } from './load';
import { experimentNeeds } from './preflight';
import { HttpPrometheus } from './prometheus-api';
import { collectCharts, reportDir, writeReport, type ReportFiles } from './report';
import { runExperiment, type RunRecord } from './runner';

export interface RunOptions {
  readonly short?: boolean;
  /** `results/<timestamp>-<name>/` goes under this directory; the repository root by default. */
  readonly resultsRoot?: string;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
  /** Changes the definition before it runs (tests remove a protection this way). */
  readonly adjust?: (experiment: Experiment) => Experiment;
}

/**
 * Loads, runs and reports one experiment against a running lab: what `lab experiment` and the
 * integration specs do. Throws LabNotRunningError, writing no report, when a part the experiment
 * needs does not answer (experimentNeeds: Prometheus, the broker, watched /metrics, the load's targets).
 */
export async function runAndReport(
  name: string,
  config: LabConfig,
  options: RunOptions,
): Promise<{ record: RunRecord; files: ReportFiles }> {
  const loaded = loadExperiment(name, { short: options.short });
  const experiment = options.adjust ? options.adjust(loaded) : loaded;
  const preflight = (e: Experiment): Promise<void> => requireRunning(config, experimentNeeds(e));
  const lab = readLabDescription(config.stateDir);
  if (!lab) {
    // Names the parts that do not answer; when (oddly) all do, still no lab of this state dir is up.
    await preflight(experiment);
    throw new LabNotRunningError([], config.stateDir, false);
  }
  const prometheus = new HttpPrometheus(lab.prometheusUrl ?? prometheusUrl(config));
  const urls = Object.fromEntries(Object.entries(lab.apps).map(([app, a]) => [app, a.url])) as Record<
    string,
    string
  > & { gateway: string; 'token-dealer': string };
  const labActions = new RealLabActions(config, options.log, () => prometheus.reload());
  let record: RunRecord;
  try {
    record = await runExperiment(
      experiment,
      { lab: labActions, prometheus, load: driverLoad(urls), log: options.log, signal: options.signal, preflight },
      { short: options.short },
    );
  } finally {
    await labActions.close();
  }
  const charts = await collectCharts(record, prometheus);
  const files = writeReport(reportDir(options.resultsRoot ?? REPO_ROOT, experiment.name), record, charts);
  return { record, files };
}
