import type { Disruption } from '../../tools/ledger/ledger';
import { crashAndRestart, runLabLedger, waitPipelineSettled } from './resilience-helpers';
import { lab, restartApp } from './support/lab';

const MESSAGES = Number(process.env.LEDGER_TEST_MESSAGES || 300);

/**
 * The short no-loss ledger (the full one is `npm run lab -- ledger-test`, 2,000 messages): a worker
 * is SIGKILLed and restarted mid-run, and the broker restarted when this lab owns it; every accepted
 * message ends replied or failed, none twice.
 */
describe('resilience: no loss and no duplicate effects across a worker crash and a broker restart', () => {
  // The crash and the broker restart leave rebalances behind (the killed member's session expires
  // later): the next spec must meet a steady lab.
  afterAll(() => waitPipelineSettled(), 120_000);

  it(`settles all of ${MESSAGES} messages exactly once`, async () => {
    const disruptions: Disruption[] = [
      {
        name: 'kill -9 worker, then restart it',
        atFraction: 0.3,
        run: () => crashAndRestart('worker'),
      },
    ];
    // A broker this lab did not start (a developer's, shared) is not ours to restart.
    if (lab().kafkaMode === 'started')
      disruptions.push({ name: 'restart kafka', atFraction: 0.6, run: () => restartApp('kafka', 120_000) });
    const report = await runLabLedger({ messages: MESSAGES, concurrency: 8, disruptions, settleTimeoutMs: 180_000 });
    expect(report.disruptions.filter((d) => d.error)).toEqual([]);
    expect(report.accepted).toBe(MESSAGES);
    expect(report.lost).toEqual([]);
    expect(report.duplicated).toEqual([]);
    // Nothing in the store that no client was told about (ADR 0041).
    expect(report.unacknowledged).toEqual([]);
    expect(report.replied + report.failed).toBe(report.accepted);
  }, 600_000);
});
