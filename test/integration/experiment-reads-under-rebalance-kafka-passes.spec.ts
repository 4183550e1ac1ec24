import { openLab, readLabDescription } from '../../tools/lab';
import { runAndReport } from '../../experiments/src';
import { TEST_STATE_DIR } from './support/settings';
import { waitPipelineSettled } from './resilience-helpers';

const log = (line: string): void => void process.stderr.write(`[experiment] ${line}\n`);
const config = () => openLab(process.env, { stateDir: TEST_STATE_DIR });

/**
 * `lab experiment reads-under-rebalance --short --variant kafka` against the test lab (whose own
 * mode is http): the gateway is restarted reading over Kafka request-reply, data-service goes
 * 1 → 2 → 1 and is SIGKILLed and restarted under reads, and the verdict holds — no read waits past
 * the read timeout + 1 s, reads healthy again within 30 s — then the gateway is back in http mode.
 */
describe('experiment: reads-under-rebalance, kafka variant', () => {
  beforeAll(() => waitPipelineSettled(), 120_000);

  it('passes, with every read answered within the read timeout + 1 s, and puts the gateway back', async () => {
    const { record, files } = await runAndReport('reads-under-rebalance', config(), {
      short: true,
      variant: 'kafka',
      log,
    });
    expect(record.variant).toBe('kafka');
    expect(files.html).toMatch(/reads-under-rebalance[/\\]kafka[/\\]report\.html$/);
    expect(record.verdict.failures).toEqual([]);
    const value = (name: string): number | undefined => record.measurements.find((m) => m.name === name)?.value;
    expect(value('readP99Seconds')).toBeLessThanOrEqual(3);
    // The reads went over Kafka request-reply (0 in http mode, where the series does not exist).
    expect(value('readsOverKafka')).toBeGreaterThan(100);
    expect(value('lateReplies')).toBeGreaterThanOrEqual(0);
    expect(value('readsHealthyAfterRestartSeconds')).toBeLessThan(30);
    expect(record.rollbacks.every((r) => r.ok)).toBe(true);
    // Rolled back to the lab's own mode: its gateway answers without the Kafka read path's series.
    const lab = readLabDescription(config().stateDir);
    const metrics = await (await fetch(`${lab?.apps.gateway.url}/metrics`)).text();
    expect(metrics).not.toContain('jeeves_kafka_requests_in_flight');
  }, 420_000);
});
