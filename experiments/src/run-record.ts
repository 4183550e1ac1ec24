import type { Experiment } from './definition';
import type { LoadOutcome } from './load';
import type { TimedValue } from './watcher';

/**
 * What one run of an experiment produced: the record the runner returns, the report renders and
 * the comparison of variants reads.
 */

/** What happened to one step of the method; times in seconds from the start of the load. */
export interface StepEvent {
  readonly index: number;
  readonly id?: string;
  readonly label: string;
  readonly startS: number;
  endS: number;
  error?: string;
}

/**
 * `no data`: the source gave no value (an instant query with no series, a window without one
 * sample): the instrument failed, not the system. `out of bounds`: a value was measured and missed.
 */
export type ProbeOutcome = 'within bounds' | 'out of bounds' | 'no data';

/** One probe judged: before the method, during it (over its window) or after it (recovery). */
export interface ProbeResult {
  readonly phase: 'before' | 'during' | 'after';
  readonly name: string;
  readonly source: string;
  readonly expect: string;
  /** The value judged: the instant value, or the worst/best sample in the window. */
  readonly measured: number | undefined;
  readonly ok: boolean;
  readonly outcome: ProbeOutcome;
  readonly note?: string;
}

/** A probe with no value never passes, and is no measured miss either. */
export function probeOutcome(ok: boolean, measured: number | undefined): ProbeOutcome {
  if (measured === undefined || Number.isNaN(measured)) return 'no data';
  return ok ? 'within bounds' : 'out of bounds';
}

/** One number the run measured (`measurements:`), with its judgement when it has an `expect`. */
export interface MeasurementResult {
  readonly name: string;
  readonly description?: string;
  readonly unit: string;
  readonly value: number | undefined;
  readonly expect?: string;
  readonly ok?: boolean;
}

/** The ledger after the drain: what the gateway accepted against what data-service completed. */
export interface LedgerResult {
  /**
   * Messages the gateway put on the bus: answered 202, or answered 503 publish-unconfirmed (the
   * answer named the id) and published later all the same (ADR 0041).
   */
  readonly acceptedByGateway: number | undefined;
  /** Where acceptedByGateway was counted: the gateway's counters, or the records on jeeves.messages.v1 (absent in older records: the gateway). */
  readonly acceptedCountedFrom?: 'gateway' | 'messages-topic';
  readonly completedByDataService: number | undefined;
  readonly acceptedSeenByDriver: number;
  readonly lost: number | undefined;
  /**
   * Completions beyond the acceptances: an effect counted twice, or a message published that the
   * gateway never saw go through (neither in time nor late). Either way a client was told
   * something other than what happened.
   */
  readonly extraCompletions: number | undefined;
  readonly drainedAfterSeconds: number | undefined;
  /**
   * Records appended since the load began to jeeves.messages.v1, jeeves.replies.v1 and the DLQ,
   * counted by the broker (end offsets; producer retries may add copies): with a loss, fewer
   * messages records than acceptances points at the gateway's count, fewer replies plus dead
   * letters at the bot or worker, and enough of both at data-service (absent in older records).
   */
  readonly recordsAppended?: {
    readonly messages: number | undefined;
    readonly replies: number | undefined;
    readonly dlq: number | undefined;
  };
  readonly ok: boolean;
}

/** One undo that ran, and whether it worked. */
export interface RollbackResult {
  readonly action: string;
  readonly ok: boolean;
  readonly error?: string;
}

/** Passed or failed, with one line per reason. */
export interface Verdict {
  readonly passed: boolean;
  /**
   * One line per reason the experiment failed; empty when it passed. A probe without data fails it
   * too, with a line of its own (`no data from "<probe>" (…)`), never as a measured miss.
   */
  readonly failures: readonly string[];
  /** The lines of `failures` that are probes without data (`no data from "<probe>" (<phase>; <source>…)`). */
  readonly noData: readonly string[];
}

/** Everything one run saw, in the order of its phases; what the report and the comparison read. */
export interface RunRecord {
  readonly experiment: Experiment;
  readonly short: boolean;
  /** The variant this run was (definition `variants`), if the experiment has them. */
  readonly variant?: string;
  /** Wall-clock start of the load, unix seconds (Prometheus time). */
  readonly startedAtS: number;
  readonly durationSeconds: number;
  readonly events: readonly StepEvent[];
  readonly disruption: { readonly startS: number; readonly endS: number } | undefined;
  readonly probes: readonly ProbeResult[];
  readonly recoverySeconds: number | undefined;
  readonly measurements: readonly MeasurementResult[];
  readonly ledger: LedgerResult | undefined;
  readonly load: LoadOutcome | undefined;
  readonly rollbacks: readonly RollbackResult[];
  readonly watched: Record<string, readonly TimedValue[]>;
  readonly interrupted: boolean;
  readonly verdict: Verdict;
}
