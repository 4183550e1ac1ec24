import {
  REPO_ROOT,
  type LabConfig,
  readLabDescription,
  LabNotRunningError,
  prometheusUrl,
  requireRunning,
} from '../../tools/lab';
import { join, relative } from 'node:path';
import { ExperimentError, loadExperiment, variantRuns, type Experiment } from './definition';
import { writeComparison, type ComparedRun } from './comparison';
import { RealLabActions } from './lab-actions';
import { driverLoad } from './load';
import { experimentNeeds, missingBrokers } from './preflight';
import { HttpPrometheus } from '../../tools/common';
import { collectCharts, reportDir, writeReport, type ReportFiles } from './report';
import { runExperiment, type RunEventSink, type RunRecord } from './runner';

export interface RunOptions {
  readonly short?: boolean;
  /** `results/<timestamp>-<name>/` goes under this directory; the repository root by default. */
  readonly resultsRoot?: string;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
  /** Changes the definition before it runs (tests remove a protection this way). */
  readonly adjust?: (experiment: Experiment) => Experiment;
  /**
   * Told each run's start, its events as they happen (RunnerDeps.onEvent), its report once written,
   * and the comparison (`lab experiment --events`). Report paths are relative to the results root.
   */
  readonly onEvent?: RunEventSink;
}

/**
 * Loads, runs and reports one run of an experiment against a running lab: what the integration
 * specs do. `variant` names one of the definition's variants (required when it has any). Throws
 * LabNotRunningError, writing no report, when a part the experiment needs does not answer
 * (experimentNeeds: Prometheus, the broker, watched /metrics, the load's targets) or the lab runs
 * fewer brokers than its `requires.brokers` (missingBrokers); ExperimentError
 * for an unknown variant.
 */
export async function runAndReport(
  name: string,
  config: LabConfig,
  options: RunOptions & { readonly variant?: string },
): Promise<{ record: RunRecord; files: ReportFiles }> {
  const experiment = loaded(name, options);
  if (experiment.variants.length > 0 && options.variant === undefined)
    throw new ExperimentError(
      `${name} has variants (${experiment.variants.map((v) => v.name).join(', ')}); name one, or run them all with runVariantsAndReport.`,
    );
  const [run] = variantRuns(experiment, options.variant === undefined ? [] : [options.variant]);
  const dir = reportDir(options.resultsRoot ?? REPO_ROOT, experiment.name);
  options.onEvent?.({
    type: 'run',
    experiment: experiment.name,
    short: options.short === true,
    ...(run.variant === undefined ? {} : { variant: run.variant }),
    index: 1,
    of: 1,
  });
  const { record, files } = await runOne(
    run.experiment,
    run.variant,
    config,
    options,
    run.variant ? join(dir, run.variant) : dir,
  );
  return { record, files };
}

/**
 * `lab experiment`: every selected variant of the experiment (all of them by default; an
 * experiment without variants is one run), `rounds` times (default 1), variants alternating within
 * each round, one after the other on the same lab. Each run's report goes under
 * `results/<timestamp>-<name>/<variant>[-r<round>]/`; with two runs or more, a side-by-side
 * `comparison.html`/`.json` (medians and min–max over rounds) goes in that folder. Stops early when
 * interrupted. Throws as runAndReport does, and ExperimentError for rounds < 1.
 */
export async function runVariantsAndReport(
  name: string,
  config: LabConfig,
  options: RunOptions & { readonly variants?: readonly string[]; readonly rounds?: number },
): Promise<{ runs: ComparedRun[]; comparison: ReportFiles | undefined }> {
  const rounds = options.rounds ?? 1;
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new ExperimentError(`rounds must be a whole number ≥ 1, not ${rounds}`);
  const experiment = loaded(name, options);
  const runs = variantRuns(experiment, options.variants);
  const dir = reportDir(options.resultsRoot ?? REPO_ROOT, experiment.name);
  const done: ComparedRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const [i, run] of runs.entries()) {
      if (options.signal?.aborted) break;
      const label = [
        run.variant && `variant ${run.variant} (${i + 1} of ${runs.length})`,
        rounds > 1 && `round ${round} of ${rounds}`,
      ];
      if (label.some(Boolean)) options.log(label.filter(Boolean).join(', '));
      options.onEvent?.({
        type: 'run',
        experiment: experiment.name,
        short: options.short === true,
        ...(run.variant === undefined ? {} : { variant: run.variant }),
        ...(rounds > 1 ? { round } : {}),
        index: (round - 1) * runs.length + i + 1,
        of: rounds * runs.length,
      });
      const sub = [run.variant, rounds > 1 ? `r${round}` : undefined].filter(Boolean).join('-');
      done.push(await runOne(run.experiment, run.variant, config, options, sub ? join(dir, sub) : dir));
    }
  }
  const comparison = done.length >= 2 ? writeComparison(dir, done) : undefined;
  if (comparison)
    options.onEvent?.({ type: 'comparison', html: relative(options.resultsRoot ?? REPO_ROOT, comparison.html) });
  return { runs: done, comparison };
}

function loaded(name: string, options: RunOptions): Experiment {
  const experiment = loadExperiment(name, { short: options.short });
  return options.adjust ? options.adjust(experiment) : experiment;
}

async function runOne(
  experiment: Experiment,
  variant: string | undefined,
  config: LabConfig,
  options: RunOptions,
  dir: string,
): Promise<ComparedRun> {
  const preflight = async (e: Experiment): Promise<void> => {
    // Before the network checks: a lab with too few brokers answers all of them and still cannot run it.
    const brokers = missingBrokers(e, readLabDescription(config.stateDir));
    if (brokers) throw new LabNotRunningError([brokers], config.stateDir, true);
    await requireRunning(config, experimentNeeds(e));
  };
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
      {
        lab: labActions,
        prometheus,
        load: driverLoad(urls),
        log: options.log,
        signal: options.signal,
        preflight,
        onEvent: options.onEvent,
      },
      { short: options.short, ...(variant === undefined ? {} : { variant }) },
    );
  } finally {
    await labActions.close();
  }
  const charts = await collectCharts(record, prometheus);
  const files = writeReport(dir, record, charts);
  const root = options.resultsRoot ?? REPO_ROOT;
  options.onEvent?.({ type: 'report', html: relative(root, files.html), json: relative(root, files.json) });
  return { record, charts, files };
}
