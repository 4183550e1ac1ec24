import { openLab } from '../../tools/lab';
import { runAndReport } from '../../experiments/src';
import { TEST_STATE_DIR } from './support/settings';
import { waitPipelineSettled } from './resilience-helpers';

const log = (line: string): void => void process.stderr.write(`[experiment] ${line}\n`);
const config = () => openLab(process.env, { stateDir: TEST_STATE_DIR });

/**
 * `lab experiment provider-outage --short` against the test lab: the worker's breaker opens, users
 * get fallback replies (under 1 % see a failure), and the breaker closes within resetTimeout + 2 s
 * of the provider's recovery. With the breaker unable to trip (its volume threshold raised out of
 * reach: every call keeps hitting the failing provider) the same experiment must fail.
 */
describe('experiment: provider-outage', () => {
  // An experiment's load thresholds count from its first second: start on a settled pipeline,
  // not in the aftermath of the spec before (a broker restart, a killed consumer).
  beforeAll(() => waitPipelineSettled(), 120_000);

  it('passes, and measures the breaker reaction and recovery times', async () => {
    const { record } = await runAndReport('provider-outage', config(), { short: true, log });
    expect(record.verdict.failures).toEqual([]);
    const reaction = record.measurements.find((m) => m.name === 'breakerReactionSeconds')?.value;
    const recovery = record.measurements.find((m) => m.name === 'breakerRecoverySeconds')?.value;
    expect(reaction).toBeGreaterThanOrEqual(0);
    expect(reaction).toBeLessThan(15);
    expect(recovery).toBeLessThanOrEqual(7);
    expect(record.rollbacks.every((r) => r.ok)).toBe(true);
  }, 300_000);

  it('fails when the breaker cannot trip', async () => {
    const { record } = await runAndReport('provider-outage', config(), {
      short: true,
      log,
      adjust: (e) => ({ ...e, env: { ...e.env, worker: { PROVIDER_BREAKER_VOLUME_THRESHOLD: '1000000' } } }),
    });
    expect(record.verdict.passed).toBe(false);
    expect(record.verdict.failures).toContainEqual(expect.stringMatching(/^during: "breaker opens"/));
    expect(record.rollbacks.every((r) => r.ok)).toBe(true);
  }, 300_000);
});
