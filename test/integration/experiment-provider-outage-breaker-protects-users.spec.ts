import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLab } from '../../tools/lab';
import { runAndReport, type RunRecord } from '../../experiments/src';
import { runLabCli } from './support/lab-cli';
import { TEST_STATE_DIR } from './support/settings';
import { waitPipelineSettled } from './resilience-helpers';

const log = (line: string): void => void process.stderr.write(`[experiment] ${line}\n`);
const config = () => openLab(process.env, { stateDir: TEST_STATE_DIR });

/**
 * `lab experiment provider-outage --short` against the test lab, run as a user runs it (the CLI in
 * its own process: CI's proof that the verb passes on a working lab): the worker's breaker opens, users get
 * fallback replies (under 1 % see a failure), and the breaker closes within resetTimeout + 2 s of
 * the provider's recovery. With the breaker unable to trip (its volume threshold raised out of
 * reach: every call keeps hitting the failing provider) the same experiment must fail.
 */
describe('experiment: provider-outage', () => {
  let results: string;
  // An experiment's load thresholds count from its first second: start on a settled pipeline,
  // not in the aftermath of the spec before (a broker restart, a killed consumer).
  beforeAll(() => {
    results = mkdtempSync(join(tmpdir(), 'provider-outage-'));
    return waitPipelineSettled();
  }, 120_000);
  afterAll(() => rmSync(results, { recursive: true, force: true }));

  it('passes from the CLI (exit 0, the report written), and measures the breaker reaction and recovery times', async () => {
    // SIGINT past the bound: the experiment rolls back as on Ctrl-C, leaving the lab to the next spec.
    const run = await runLabCli(['experiment', 'provider-outage', '--short'], {
      env: { ...process.env, LAB_STATE_DIR: TEST_STATE_DIR, EXPERIMENT_RESULTS_ROOT: results },
      timeoutMs: 280_000,
      killSignal: 'SIGINT',
    });
    log(`exit ${run.code} after ${(run.ms / 1000).toFixed(1)} s`);
    expect({ code: run.code, tail: run.code === 0 ? '' : run.stderr.slice(-3000) }).toEqual({ code: 0, tail: '' });
    expect(run.stdout).toMatch(/^provider-outage \(short\): PASSED in /);
    const [dir, ...others] = readdirSync(join(results, 'results'));
    expect(others).toEqual([]);
    const record = JSON.parse(readFileSync(join(results, 'results', dir, 'report.json'), 'utf8')) as Omit<
      RunRecord,
      'experiment'
    > & { experiment: string };
    expect(record.experiment).toBe('provider-outage');
    expect(record.verdict.failures).toEqual([]);
    const reaction = record.measurements.find((m) => m.name === 'breakerReactionSeconds')?.value;
    const recovery = record.measurements.find((m) => m.name === 'breakerRecoverySeconds')?.value;
    expect(reaction).toBeGreaterThanOrEqual(0);
    expect(reaction).toBeLessThan(15);
    expect(recovery).toBeLessThanOrEqual(7);
    expect(record.rollbacks.every((r) => r.ok)).toBe(true);
  }, 300_000);

  it('fails when the breaker cannot trip', async () => {
    // Its report in the spec's own folder: the console's browser spec may run provider-outage in
    // another shard in the same second, and results/<second>-provider-outage would be both runs'.
    const { record } = await runAndReport('provider-outage', config(), {
      short: true,
      log,
      resultsRoot: results,
      adjust: (e) => ({ ...e, env: { ...e.env, worker: { PROVIDER_BREAKER_VOLUME_THRESHOLD: '1000000' } } }),
    });
    expect(record.verdict.passed).toBe(false);
    expect(record.verdict.failures).toContainEqual(expect.stringMatching(/^during: "breaker opens"/));
    expect(record.rollbacks.every((r) => r.ok)).toBe(true);
  }, 300_000);
});
