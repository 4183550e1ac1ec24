import type { RollbackResult } from '../run-record';

/**
 * What undoes what the run did, as a stack: each change registers its undo the moment there is
 * something to undo, and `runAll` undoes them last first — after the method, and again (whatever
 * is left) when the run fails or is interrupted.
 */
export class Rollbacks {
  private readonly pending: Array<{ action: string; run: () => Promise<unknown>; afterLedger: boolean }> = [];
  /** Every undo that ran, in the order it ran. */
  readonly results: RollbackResult[] = [];

  constructor(private readonly log: (line: string) => void) {}

  /**
   * Registers `run` as what undoes `action` (a line for the report: `scale worker back to 1`).
   * `afterLedger`: kept by `runAll({ keepAfterLedger: true })`, for an undo that would stop a process
   * the ledger counts from (its last increments would read as loss).
   */
  push(action: string, run: () => Promise<unknown>, options: { afterLedger?: boolean } = {}): void {
    this.pending.push({ action, run, afterLedger: options.afterLedger === true });
  }

  /**
   * Runs every pending undo (but those registered `afterLedger`, with `keepAfterLedger`), last
   * registered first; one that throws is recorded as failed and the rest still run.
   */
  async runAll(options: { keepAfterLedger?: boolean } = {}): Promise<void> {
    const now = this.pending.filter((r) => !(options.keepAfterLedger && r.afterLedger));
    const kept = this.pending.filter((r) => options.keepAfterLedger && r.afterLedger);
    this.pending.splice(0, this.pending.length, ...kept);
    for (const r of now.reverse()) {
      try {
        await r.run();
        this.results.push({ action: r.action, ok: true });
        this.log(`rollback: ${r.action}: done`);
      } catch (error) {
        this.results.push({ action: r.action, ok: false, error: (error as Error).message });
        this.log(`rollback: ${r.action}: FAILED: ${(error as Error).message}`);
      }
    }
  }
}
