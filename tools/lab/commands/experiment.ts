import { relative } from 'node:path';
import { UsageError, type LabCommand } from '../command';
import { openLab } from '../lab';
import { experimentNames } from '../../../experiments/src/definition';
import { runAndReport } from '../../../experiments/src/run';

export const command: LabCommand = {
  name: 'experiment',
  usage: '<name> [--short] [--results DIR]',
  summary: `run a chaos experiment (experiments/<name>/experiment.yaml: ${experimentNames().join(', ')}); exit 0 pass, 1 fail`,
  flags: {
    short: { type: 'boolean', description: "the experiment's short version (CI's)" },
    results: {
      type: 'string',
      valueName: 'DIR',
      description: 'where report.html and record.json go (default: EXPERIMENT_RESULTS_ROOT, else results/)',
    },
  },
  async run({ positional, flags }, io) {
    if (positional.length !== 1) throw new UsageError(`Name one experiment: ${experimentNames().join(', ')}.`);
    const short = flags.has('short');
    const results = flags.get('results');

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
      outcome = await runAndReport(positional[0], openLab(io.env), {
        short,
        resultsRoot: typeof results === 'string' ? results : io.env.EXPERIMENT_RESULTS_ROOT,
        log: io.log,
        signal: interrupt.signal,
      });
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    const { record, files } = outcome;
    const e = record.experiment;
    // Probes without data are the instrument's failure, not the system's: listed apart, marked `?`.
    const noData = new Set(record.verdict.noData);
    const misses = record.verdict.failures.filter((f) => !noData.has(f));
    const onlyNoData = !record.verdict.passed && misses.length === 0;
    io.out(
      [
        `${e.name}${short ? ' (short)' : ''}: ${record.verdict.passed ? 'PASSED' : 'FAILED'}${onlyNoData ? ` (no data from ${noData.size} probe${noData.size === 1 ? '' : 's'}; nothing measured out of bounds)` : ''} in ${record.durationSeconds.toFixed(1)} s`,
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
      ].join('\n'),
    );
    return record.verdict.passed ? 0 : 1;
  },
};
