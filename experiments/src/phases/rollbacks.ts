import type { RollbackResult } from '../run-record';

/**
 * What undoes what the run did, as a stack: each change registers its undo the moment there is
 * something to undo, and `runAll` undoes them last first — after the method, and again (whatever
 * is left) when the run fails or is interrupted.
 */
export class Rollbacks {
  private readonly pending: Array<{ action: string; run: () => Promise<unknown> }> = [];
  /** Every undo that ran, in the order it ran. */
  readonly results: RollbackResult[] = [];

  constructor(private readonly log: (line: string) => void) {}

  /** Registers `run` as what undoes `action` (a line for the report: `scale worker back to 1`). */
  push(action: string, run: () => Promise<unknown>): void {
    this.pending.push({ action, run });
  }

  /** Runs every pending undo, last registered first; one that throws is recorded as failed and the rest still run. */
  async runAll(): Promise<void> {
    for (const r of this.pending.splice(0).reverse()) {
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
