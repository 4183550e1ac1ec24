// The Experiments API's answers, as apps/console/src/experiments declares them and
// libs/contracts/src/experiment-events.ts defines the CLI's events (the browser build does not
// import server code; the browser spec exercises both sides together).

export const PHASES = ['setup', 'baseline', 'method', 'recovery', 'load-end', 'rollback', 'drain', 'measure'] as const;
export type Phase = (typeof PHASES)[number];

export interface ProbeDescription {
  readonly name: string;
  readonly source: string;
  readonly expect: string;
  readonly holds?: 'always' | 'sometimes';
}

export interface ExperimentPlan {
  readonly load: { scenario: string; ratePerSecond: number; rampSeconds: number; durationSeconds: number };
  readonly steps: ReadonlyArray<{ index: number; id?: string; label: string; atS: number; forS?: number }>;
  readonly phases: ReadonlyArray<{ phase: Phase; fromS: number; toS: number }>;
  readonly hypothesis: {
    readonly steadyState: readonly ProbeDescription[];
    readonly deviation: readonly ProbeDescription[];
    readonly recovery: { withinSeconds: number; probes: readonly ProbeDescription[] };
    readonly loadThresholds: Readonly<Record<string, readonly string[]>>;
  };
  readonly measurements: ReadonlyArray<{ name: string; unit: string; description?: string; expect?: string }>;
  readonly ledger: { drainSeconds: number; accepted: string } | null;
  readonly settings: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface ExperimentDescription {
  readonly name: string;
  readonly description: string;
  readonly requiresBrokers?: number;
  readonly needs: readonly string[];
  readonly variants: ReadonlyArray<{ name: string; description: string }>;
  readonly full: ExperimentPlan;
  readonly short: ExperimentPlan;
}

export type ProbeOutcome = 'within bounds' | 'out of bounds' | 'no data';

export type RunEvent =
  | { type: 'run'; experiment: string; short: boolean; variant?: string; round?: number; index: number; of: number }
  | { type: 'phase'; phase: Phase; atS: number }
  | {
      type: 'step';
      state: 'started' | 'ended';
      index: number;
      id?: string;
      label: string;
      startS: number;
      endS?: number;
      error?: string;
    }
  | {
      type: 'probe';
      phase: 'before' | 'during' | 'after';
      name: string;
      source: string;
      expect: string;
      measured?: number | null;
      outcome: ProbeOutcome;
      note?: string;
    }
  | {
      type: 'progress';
      phase: Phase;
      elapsedS: number;
      loadSeconds: number;
      load: string;
      watched: ReadonlyArray<{ name: string; value?: number | null }>;
    }
  | { type: 'measurement'; name: string; unit: string; value?: number | null; expect?: string; ok?: boolean }
  | { type: 'rollback'; action: string; ok: boolean; error?: string }
  | {
      type: 'verdict';
      passed: boolean;
      failures: readonly string[];
      noData: readonly string[];
      durationSeconds: number;
      recoverySeconds?: number | null;
      interrupted: boolean;
    }
  | { type: 'report'; html: string; json: string }
  | { type: 'comparison'; html: string };

export type FeedEntry =
  | { readonly seq: number; readonly kind: 'event'; readonly event: RunEvent }
  | { readonly seq: number; readonly kind: 'log'; readonly line: string };

export type RunState = 'running' | 'cancelling' | 'passed' | 'failed' | 'cancelled' | 'could-not-run' | 'crashed';

export interface RunView {
  readonly id: string;
  readonly experiment: string;
  readonly short: boolean;
  readonly state: RunState;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly exitCode?: number | null;
  readonly problem?: string;
  readonly lastSeq: number;
}

export interface ReportRun {
  readonly sub?: string;
  readonly variant?: string;
  readonly passed: boolean | null;
  readonly interrupted: boolean;
  readonly failures: number;
  readonly durationSeconds: number | null;
  readonly url: string;
}

export interface ReportSummary {
  readonly id: string;
  readonly experiment: string;
  readonly startedAt: string;
  readonly short: boolean | null;
  readonly passed: boolean | null;
  readonly runs: readonly ReportRun[];
  readonly comparisonUrl?: string;
}
