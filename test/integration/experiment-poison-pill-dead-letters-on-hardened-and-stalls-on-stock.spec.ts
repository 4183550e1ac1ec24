import { openLab, restart } from '../../tools/lab';
import { runAndReport } from '../../experiments/src';
import { TEST_STATE_DIR } from './support/settings';
import { waitPipelineSettled } from './resilience-helpers';

const log = (line: string): void => void process.stderr.write(`[experiment] ${line}\n`);
const config = () => openLab(process.env, { stateDir: TEST_STATE_DIR });

/** Restarts the test lab's bot on the given Kafka transport (the lab's own config otherwise unchanged). */
async function restartBotOn(transport: 'hardened' | 'stock'): Promise<void> {
  await restart({ ...config(), kafkaTransport: transport }, 'bot', log, 120_000);
}

/**
 * `lab experiment poison-pill --short` against the test lab: a malformed record and a valid
 * envelope the bot's handler rejects, both produced under one load user's key while 50 users post.
 * With the hardened transport both reach the DLQ within 5 s, the partition's lag stays low, nothing
 * is left behind and the consumer never crashes. With the bot on Nest's stock transport the same run
 * must fail: no dead letter, the poisoned partition's lag grows and stays, kafkajs crashes and
 * restarts the consumer. The bot is restored to the hardened transport afterwards, which dead-letters
 * the poison it left behind, so later specs find the partition moving.
 */
describe('experiment: poison-pill', () => {
  // An experiment's load thresholds count from its first second: start on a settled pipeline,
  // not in the aftermath of the spec before (a broker restart, a killed consumer).
  beforeAll(() => waitPipelineSettled(), 120_000);

  // Back on the lab's own transport (hardened), whatever happened above.
  afterAll(() => restartBotOn(config().kafkaTransport), 180_000);

  it('passes on the hardened transport, and times the dead letters', async () => {
    const { record } = await runAndReport('poison-pill', config(), { short: true, log });
    expect(record.verdict.failures).toEqual([]);
    const value = (name: string): number | undefined => record.measurements.find((m) => m.name === name)?.value;
    for (const name of ['malformedDeadLetterSeconds', 'handlerThrowsDeadLetterSeconds']) {
      expect(value(name)).toBeGreaterThanOrEqual(0);
      expect(value(name)).toBeLessThanOrEqual(5);
    }
    expect(value('stuckBehindPoison')).toBe(0);
    expect(value('botConsumerCrashes')).toBe(0);
  }, 300_000);

  it('fails on the stock transport, naming the blocked partition and the crashes', async () => {
    await restartBotOn('stock');
    const { record } = await runAndReport('poison-pill', config(), { short: true, log });
    expect(record.verdict.passed).toBe(false);
    const failures = record.verdict.failures;
    expect(failures).toContainEqual(expect.stringMatching(/^measurement malformedDeadLetterSeconds = no data/));
    expect(failures).toContainEqual(
      expect.stringMatching(/^measurement poisonedPartitionPeakLag = \d+, expected < 20$/),
    );
    expect(failures).toContainEqual(expect.stringMatching(/^measurement stuckBehindPoison = [1-9]\d*, expected == 0$/));
    expect(failures).toContainEqual(
      expect.stringMatching(/^measurement botConsumerCrashes = [1-9]\d*, expected == 0$/),
    );
    expect(record.rollbacks.every((r) => r.ok)).toBe(true);
  }, 300_000);
});
