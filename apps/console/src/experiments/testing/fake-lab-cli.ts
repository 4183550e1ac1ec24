import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentDescription, ExperimentEvent, ExperimentPlan } from '#libs/contracts';
import type { CliExit, CliRun, CliRunListener, LabCli } from '../lab-cli';

/** A planned version of an experiment in the contract's shape: one step at 10 s for 5 s, 30 s of load. */
export function samplePlan(overrides: Partial<ExperimentPlan> = {}): ExperimentPlan {
  return {
    load: { scenario: 'chaos', ratePerSecond: 5, rampSeconds: 5, durationSeconds: 30 },
    steps: [{ index: 0, id: 'outage', label: 'inject error into provider', atS: 10, forS: 5 }],
    phases: [
      { phase: 'baseline', fromS: 0, toS: 10 },
      { phase: 'method', fromS: 10, toS: 15 },
      { phase: 'recovery', fromS: 15, toS: 22 },
      { phase: 'load-end', fromS: 15, toS: 30 },
    ],
    hypothesis: {
      steadyState: [{ name: 'breaker closed', source: 'min of breaker on worker', expect: '== 1' }],
      deviation: [{ name: 'breaker opens', source: 'max of breaker on worker', expect: '== 1', holds: 'sometimes' }],
      recovery: { withinSeconds: 7, probes: [] },
      loadThresholds: { checks: ['rate>0.99'] },
    },
    measurements: [{ name: 'breakerReactionSeconds', unit: 's' }],
    ledger: null,
    settings: {},
    ...overrides,
  };
}

/** A described experiment in the contract's shape. */
export function sampleDescription(name: string, overrides: Partial<ExperimentDescription> = {}): ExperimentDescription {
  return {
    name,
    description: `${name}: what happens and what should`,
    needs: ['prometheus', 'kafka', 'worker/metrics'],
    variants: [],
    full: samplePlan(),
    short: samplePlan({ load: { scenario: 'chaos', ratePerSecond: 5, rampSeconds: 5, durationSeconds: 20 } }),
    ...overrides,
  };
}

/** One run started on the FakeLabCli: tell it events and lines, end it, see what was asked of it. */
export class FakeCliRun implements CliRun {
  readonly pid = 4242;
  readonly exited: Promise<CliExit>;
  interrupts = 0;
  kills = 0;
  /** What an interrupt does; by default the run tells an interrupted verdict and exits 1, as the CLI does. */
  onInterrupt: () => void = () => {
    this.event({
      type: 'verdict',
      passed: false,
      failures: ['interrupted'],
      noData: [],
      durationSeconds: 1,
      recoverySeconds: null,
      interrupted: true,
    });
    this.exit({ code: 1, signal: null });
  };
  private resolveExit!: (exit: CliExit) => void;

  constructor(
    readonly name: string,
    readonly short: boolean,
    private readonly listener: CliRunListener,
  ) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  event(event: ExperimentEvent): void {
    this.listener.event(event);
  }

  log(line: string): void {
    this.listener.log(line);
  }

  exit(exit: CliExit): void {
    this.resolveExit(exit);
  }

  interrupt(): void {
    this.interrupts += 1;
    this.onInterrupt();
  }

  kill(): void {
    this.kills += 1;
    this.exit({ code: null, signal: 'SIGKILL' });
  }
}

/** A LabCli in memory: describes `described`, and records each run it starts. */
export class FakeLabCli implements LabCli {
  readonly runs: FakeCliRun[] = [];
  describeCalls = 0;

  constructor(public described: ExperimentDescription[] = [sampleDescription('provider-outage')]) {}

  async describeExperiments(): Promise<ExperimentDescription[]> {
    this.describeCalls += 1;
    return this.described;
  }

  runExperiment(name: string, options: { readonly short: boolean }, listener: CliRunListener): FakeCliRun {
    const run = new FakeCliRun(name, options.short, listener);
    this.runs.push(run);
    return run;
  }
}

/**
 * A stand-in for the lab CLI as a real program (`node <file> experiments --json`, `node <file>
 * experiment <name> [--short] --events --results <dir>`), for specs of the process side. Its
 * experiments: `quick` passes at once and writes a report under `--results`; `down` exits 2 as the
 * preflight does; `waits` runs until interrupted, then tells an interrupted verdict and exits 1;
 * `stubborn` ignores the interrupt. `lab experiments --json` prints LAB_FAKE_DESCRIBED; every run
 * prints LAB_FAKE_LEAK on stderr when set (what the console must redact).
 */
export const FAKE_LAB_CLI = String.raw`
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const [verb, ...args] = process.argv.slice(2);
const out = (event) => process.stdout.write(JSON.stringify(event) + '\n');
if (verb === 'experiments') {
  process.stdout.write(process.env.LAB_FAKE_DESCRIBED || '[]');
  process.exit(0);
}
const name = args[0];
const results = args[args.indexOf('--results') + 1];
process.stderr.write('fake lab: state ' + process.env.LAB_STATE_DIR + ', console secret ' + (process.env.CONSOLE_ADMIN_CLIENT_SECRET || 'none') + ', port ' + (process.env.PORT || 'none') + '\n');
if (process.env.LAB_FAKE_LEAK) process.stderr.write('leaking ' + process.env.LAB_FAKE_LEAK + '\n');
out({ type: 'run', experiment: name, short: args.includes('--short'), index: 1, of: 1 });
out({ type: 'phase', phase: 'setup', atS: 0 });
if (name === 'down') {
  process.stderr.write('lab experiment: Prometheus is not answering on http://127.0.0.1:9090 (not running): start it with npm run lab -- up\n');
  process.exit(2);
}
if (name === 'quick') {
  out({ type: 'phase', phase: 'baseline', atS: 0 });
  out({ type: 'probe', phase: 'before', name: 'breaker closed', source: 'watch', expect: '== 1', measured: 1, outcome: 'within bounds' });
  out({ type: 'step', state: 'started', index: 0, id: 'outage', label: 'inject error into provider', startS: 1 });
  out({ type: 'verdict', passed: true, failures: [], noData: [], durationSeconds: 2, recoverySeconds: 0.5, interrupted: false });
  const dir = join(results, 'results', '2026-12-01T10-00-00Z-quick');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.html'), '<!doctype html><title>quick</title><style>h1{color:green}</style><h1>PASSED</h1>');
  writeFileSync(join(dir, 'report.json'), JSON.stringify({ experiment: 'quick', short: true, durationSeconds: 2, interrupted: false, verdict: { passed: true, failures: [] } }));
  out({ type: 'report', html: 'results/2026-12-01T10-00-00Z-quick/report.html', json: 'results/2026-12-01T10-00-00Z-quick/report.json' });
  process.stderr.write('quick (short): PASSED in 2.0 s\n');
  process.exit(0);
}
if (name === 'waits' || name === 'stubborn') {
  process.on('SIGINT', () => {
    if (name === 'stubborn') return void process.stderr.write('still rolling back; wait for it to finish\n');
    out({ type: 'phase', phase: 'rollback', atS: 3 });
    out({ type: 'verdict', passed: false, failures: ['interrupted'], noData: [], durationSeconds: 3, recoverySeconds: null, interrupted: true });
    process.exit(1);
  });
  process.stdout.write('a line that is no event\n');
  out({ type: 'phase', phase: 'baseline', atS: 0 });
  setInterval(() => undefined, 1000);
} else {
  process.exit(3);
}
`;

/** Writes FAKE_LAB_CLI into `dir` and returns its path. */
export function writeFakeLabCli(dir: string): string {
  const path = join(dir, 'fake-lab-cli.js');
  writeFileSync(path, FAKE_LAB_CLI);
  return path;
}
