import { relative } from 'node:path';
import { booleanFlag, type LabCommand, stringFlag, UsageError } from '../command';
import { labSetting, labSettings, openLab } from '..';
import {
  ExperimentError,
  experimentNames,
  runVariantsAndReport,
  type RunEventSink,
  type RunRecord,
  type ReportFiles,
} from '../../../experiments/src';

/** The verb's own variable: EXPERIMENT_RESULTS_ROOT, where results/ goes without --results (blank: unset). */
const experimentVerbShape = { EXPERIMENT_RESULTS_ROOT: labSetting.text() };

/** EXPERIMENT_RESULTS_ROOT from `env`, undefined when unset or blank (the runner's default then). */
export function experimentResultsRoot(env: NodeJS.ProcessEnv): string | undefined {
  return labSettings(experimentVerbShape, env).EXPERIMENT_RESULTS_ROOT;
}

export const command: LabCommand = {
  name: 'experiment',
  usage: '<name> [--short] [--variant NAME[,NAME…]] [--rounds N] [--results DIR] [--events]',
  summary: `run a chaos experiment (experiments/<name>/experiment.yaml: ${experimentNames().join(', ')}); exit 0 pass (every variant), 1 fail, 2 could not run`,
  flags: {
    short: booleanFlag("the experiment's short version (CI's)"),
    variant: stringFlag(
      'NAME[,NAME…]',
      "only these of the experiment's variants (default: each in turn, then a side-by-side comparison)",
    ),
    rounds: stringFlag('N', 'run it N times, variants alternating (comparison.html: medians and min–max); default 1'),
    results: stringFlag(
      'DIR',
      'where report.html and report.json go (default: EXPERIMENT_RESULTS_ROOT, else results/)',
    ),
    events: booleanFlag(
      "the run's events (phases, steps, probes, verdict, report) as JSON lines on stdout; the summary goes to stderr",
    ),
  },
  async run({ positional, flags }, io) {
    if (positional.length !== 1) throw new UsageError(`Name one experiment: ${experimentNames().join(', ')}.`);
    const short = flags.has('short');
    const results = flags.get('results');

    const variant = flags.get('variant');
    const variants = typeof variant === 'string' ? variant.split(',').map((v) => v.trim()) : [];
    if (variants.some((v) => v === ''))
      throw new UsageError(`--variant takes variant names separated by commas, not "${String(variant)}"`);
    const roundsFlag = flags.get('rounds');
    const rounds = typeof roundsFlag === 'string' ? Number(roundsFlag) : 1;
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20)
      throw new UsageError(`--rounds takes a whole number from 1 to 20, not ${String(roundsFlag)}`);
    const resultsRoot = typeof results === 'string' ? results : experimentResultsRoot(io.env);
    // --events: stdout carries only the events (libs/contracts experimentEventSchema), one per line.
    const events = flags.has('events');
    const onEvent: RunEventSink | undefined = events ? (event) => io.out(JSON.stringify(event)) : undefined;
    const say = events ? io.log : io.out;

    // First Ctrl-C stops the method and rolls back; later ones only say that it is still doing so.
    const interrupt = new AbortController();
    const onSigint = (): void => {
      io.log(
        interrupt.signal.aborted
          ? 'still rolling back; wait for it to finish'
          : 'interrupted: stopping the method and rolling back',
      );
      interrupt.abort();
    };
    process.on('SIGINT', onSigint);
    let outcome;
    try {
      outcome = await runVariantsAndReport(positional[0], openLab(io.env), {
        short,
        variants,
        rounds,
        resultsRoot,
        log: io.log,
        signal: interrupt.signal,
        onEvent,
      });
    } catch (error) {
      // No such experiment or variant, or a definition that does not validate: nothing ran, no verdict.
      if (error instanceof ExperimentError) throw new UsageError(error.message);
      throw error;
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    for (const { record, files } of outcome.runs) say(summary(record, files, short));
    if (outcome.comparison)
      say(`side by side: ${relative(process.cwd(), outcome.comparison.html) || outcome.comparison.html}`);
    return outcome.runs.length > 0 && outcome.runs.every((r) => r.record.verdict.passed) ? 0 : 1;
  },
};

/** The verdict, misses, measurements and report paths of one run, as the terminal shows them. */
function summary(record: RunRecord, files: ReportFiles, short: boolean): string {
  const e = record.experiment;
  // Probes without data are the instrument's failure, not the system's: listed apart, marked `?`.
  const noData = new Set(record.verdict.noData);
  const misses = record.verdict.failures.filter((f) => !noData.has(f));
  const onlyNoData = !record.verdict.passed && misses.length === 0;
  return [
    `${e.name}${record.variant ? ` [${record.variant}]` : ''}${short ? ' (short)' : ''}: ${record.verdict.passed ? 'PASSED' : 'FAILED'}${onlyNoData ? ` (no data from ${noData.size} probe${noData.size === 1 ? '' : 's'}; nothing measured out of bounds)` : ''} in ${record.durationSeconds.toFixed(1)} s`,
    ...misses.map((f) => `  ✗ ${f}`),
    ...[...noData].map((f) => `  ? ${f}`),
    ...record.measurements.map(
      (m) =>
        `  ${m.name} = ${m.value === undefined ? 'no data' : Number(m.value.toPrecision(4))} ${m.unit}${m.expect ? ` (expected ${m.expect}: ${m.ok ? 'ok' : 'MISSED'})` : ''}`,
    ),
    ...(record.ledger
      ? [
          `  ledger: accepted ${record.ledger.acceptedByGateway ?? '?'}, completed ${record.ledger.completedByDataService ?? '?'}, lost ${record.ledger.lost ?? '?'}, completed without an acceptance ${record.ledger.extraCompletions ?? '?'}`,
        ]
      : []),
    ...(record.recoverySeconds !== undefined
      ? [
          `  recovered ${record.recoverySeconds.toFixed(1)} s after the method ended (limit ${e.recovery.withinSeconds} s)`,
        ]
      : []),
    `  report: ${relative(process.cwd(), files.html) || files.html}`,
    `  data:   ${relative(process.cwd(), files.json) || files.json}`,
  ].join('\n');
}
