import { runLabLedger } from './resilience-helpers';
import { lab, pauseApp, waitFor } from './support/lab';

const MESSAGES = Number(process.env.LEDGER_PAUSE_MESSAGES || 240);
/** Longer than the gateway's publish timeout (5 s) and kafkajs's request timeout (10 s). */
const PAUSE_MS = 15_000;

/**
 * ADR 0041: a POST whose publish the broker did not confirm in time is answered 503 naming the
 * message, because the send cannot be recalled and may still land. The broker is frozen (SIGSTOP)
 * while POSTs arrive: half of them carry an Idempotency-Key and retry with it, half carry none and
 * give up on the first 503, keeping the id it names. Afterwards every message in the store must be
 * one its client was told about — answered 202, or named in a 503 — and no key made two messages.
 */
describe('resilience: with the broker paused during POSTs, every stored message was answered 202 or named in a 503', () => {
  it(`holds for ${MESSAGES} messages, half without an Idempotency-Key`, async () => {
    if (lab().kafkaMode !== 'started')
      throw new Error(
        "this spec freezes the broker, and the test lab shares another lab's (ADR 0011): run it where the test lab starts its own, e.g. KAFKA_PORT=9392 KAFKA_CONTROLLER_PORT=9393",
      );
    const report = await runLabLedger({
      messages: MESSAGES,
      concurrency: 8,
      keylessShare: 0.5,
      disruptions: [{ name: `pause kafka ${PAUSE_MS} ms`, atFraction: 0.2, run: () => pauseApp('kafka', PAUSE_MS) }],
      settleTimeoutMs: 180_000,
      unconfirmedWaitMs: 60_000,
    });

    expect(report.disruptions.filter((d) => d.error)).toEqual([]);
    // The pause did what it is for: POSTs answered 503 naming their message ...
    expect(report.unconfirmedAnswers).toBeGreaterThan(0);
    expect(report.gaveUp).toBeGreaterThan(0);
    // ... some of which were published all the same (the send is not recalled) ...
    expect(report.storedAfterUnconfirmed).toBeGreaterThan(0);
    // ... and yet nothing reached the store that its client was not told about.
    expect(report.unacknowledged).toEqual([]);
    // Every message ended in a 202 or a 503 that named it; keyed ones all in a 202, once each.
    expect(report.accepted + report.gaveUp).toBe(MESSAGES);
    expect(report.accepted).toBeGreaterThanOrEqual(MESSAGES - report.keyless);
    expect(report.lost).toEqual([]);
    expect(report.duplicated).toEqual([]);
    expect(report.replied + report.failed).toBe(report.accepted);

    // The lab is whole again for the specs after this one.
    await waitFor(
      async () => {
        const ready = await Promise.all(
          Object.values(lab().urls).map((url) =>
            fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
              (r) => r.ok,
              () => false,
            ),
          ),
        );
        return ready.every(Boolean);
      },
      { timeoutMs: 120_000, intervalMs: 1000, what: 'every app ready after the pause' },
    );
  }, 600_000);
});
