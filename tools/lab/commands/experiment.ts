import { relative } from 'node:path';
import { parseArgs, UsageError, type LabCommand } from '../command';
import { REPO_ROOT } from '../config';
import { openLab, readLabDescription } from '../lab';
import { prometheusUrl } from '../prometheus';
import { experimentNames, loadExperiment } from '../../../experiments/src/definition';
import { RealLabActions } from '../../../experiments/src/lab-actions';
import { driverLoad } from '../../../experiments/src/load';
import { HttpPrometheus } from '../../../experiments/src/prometheus-api';
import { collectCharts, reportDir, writeReport } from '../../../experiments/src/report';
import { runExperiment } from '../../../experiments/src/runner';

export const command: LabCommand = {
  name: 'experiment',
  usage: '<name> [--short] [--results DIR]',
  summary: `run a chaos experiment (experiments/<name>/experiment.yaml: ${experimentNames().join(', ')}); exit 0 pass, 1 fail`,
  async run(args, io) {
    const { positional, flags } = parseArgs(args);
    const unknown = [...flags.keys()].filter((f) => f !== 'short' && f !== 'results');
    if (unknown.length > 0) throw new UsageError(`Unknown option --${unknown[0]}. Options: --short, --results=DIR.`);
    if (positional.length !== 1) throw new UsageError(`Name one experiment: ${experimentNames().join(', ')}.`);
    const short = flags.has('short');
    const experiment = loadExperiment(positional[0], { short });
    const config = openLab(io.env);
    const lab = readLabDescription(config.stateDir);
    if (!lab) throw new Error(`No lab is up in ${config.stateDir}. Start it first: npm run lab -- up`);
    const prometheus = new HttpPrometheus(lab.prometheusUrl ?? prometheusUrl(config));
    const urls = Object.fromEntries(Object.entries(lab.apps).map(([app, a]) => [app, a.url])) as Record<string, string> & { gateway: string; 'token-dealer': string };

    const interrupt = new AbortController();
    const onSigint = (): void => {
      if (interrupt.signal.aborted) io.log('still rolling back; wait for it to finish');
      else io.log('interrupted: stopping the method and rolling back');
      interrupt.abort();
    };
    process.on('SIGINT', onSigint);
    io.log(`experiment ${experiment.name}${short ? ' (short)' : ''}: ${experiment.description}`);
    let record;
    try {
      record = await runExperiment(
        experiment,
        {
          lab: new RealLabActions(config, io.log, () => prometheus.reload()),
          prometheus,
          load: driverLoad(urls),
          log: io.log,
          signal: interrupt.signal,
        },
        { short },
      );
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    const charts = await collectCharts(record, prometheus);
    const root = typeof flags.get('results') === 'string' ? (flags.get('results') as string) : (io.env.EXPERIMENT_RESULTS_ROOT ?? REPO_ROOT);
    const files = writeReport(reportDir(root, experiment.name), record, charts);
    const lines = [
      `${experiment.name}: ${record.verdict.passed ? 'PASSED' : 'FAILED'} in ${record.durationSeconds.toFixed(1)} s`,
      ...record.verdict.failures.map((f) => `  ✗ ${f}`),
      ...record.measurements.map((m) => `  ${m.name} = ${m.value === undefined ? 'no data' : Number(m.value.toPrecision(4))} ${m.unit}${m.expect ? ` (expected ${m.expect})` : ''}`),
      ...(record.recoverySeconds !== undefined ? [`  recovered ${record.recoverySeconds.toFixed(1)} s after the method ended (limit ${experiment.recovery.withinSeconds} s)`] : []),
      `  report: ${relative(process.cwd(), files.html) || files.html}`,
      `  data:   ${relative(process.cwd(), files.json) || files.json}`,
    ];
    io.out(lines.join('\n'));
    return record.verdict.passed ? 0 : 1;
  },
};
