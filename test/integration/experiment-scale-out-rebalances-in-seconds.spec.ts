import { openLab } from '../../tools/lab';
import { runAndReport } from '../../experiments/src';
import { TEST_STATE_DIR } from './support/settings';
import { waitPipelineSettled } from './resilience-helpers';

const log = (line: string): void => void process.stderr.write(`[experiment] ${line}\n`);

/**
 * `lab experiment scale-out --short` against the test lab: workers 1 → 2 → 4 with a 250 ms provider
 * and a backlog. Each join must cost seconds, not the backlog: throughput grows with the members
 * (efficiency ≥ 0.85 at n = 2 and 4) and no completion gap after a scale step exceeds 5 s. The
 * rollback scales the worker back to one instance with the lab's settings.
 */
describe('experiment: scale-out', () => {
  // An experiment's load thresholds count from its first second: start on a settled pipeline,
  // not in the aftermath of the spec before (a broker restart, a killed consumer).
  beforeAll(() => waitPipelineSettled(), 120_000);

  it('scales 1 → 2 → 4 workers with efficiency ≥ 0.85 and rebalance pauses ≤ 5 s', async () => {
    const { record } = await runAndReport('scale-out', openLab(process.env, { stateDir: TEST_STATE_DIR }), {
      short: true,
      log,
    });
    const value = (name: string): number | undefined => record.measurements.find((m) => m.name === name)?.value;
    expect(record.verdict.failures).toEqual([]);
    expect(value('efficiencyN2')).toBeGreaterThanOrEqual(0.85);
    expect(value('efficiencyN4')).toBeGreaterThanOrEqual(0.85);
    expect(value('rebalancePauseTo2Seconds')).toBeLessThanOrEqual(5);
    expect(value('rebalancePauseTo4Seconds')).toBeLessThanOrEqual(5);
    expect(record.rollbacks.every((r) => r.ok)).toBe(true);
  }, 420_000);
});
