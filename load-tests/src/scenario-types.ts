/**
 * The scenario's shape as plain types, with no imports: k6 type-checks and runs the code that uses
 * them (plan.ts, k6-options.ts), and k6 has neither Node nor zod. scenario.ts proves at compile
 * time that its zod schema infers exactly these types, so the two cannot drift.
 */

export type FlowName = 'e2e' | 'post' | 'history';
export type ServiceName = 'gateway' | 'token-dealer' | 'data-service' | 'provider' | 'bot' | 'worker';

export interface Stage {
  durationSeconds: number;
  targetRate: number;
  stretch?: boolean | undefined;
}

export type ThresholdSpec =
  string | { threshold: string; abortOnFail?: boolean | undefined; delayAbortEval?: string | undefined };

export interface FaultStep {
  atSeconds: number;
  service: ServiceName;
  fault: { [key: string]: unknown; type: string; target?: string | undefined; durationMs?: number | undefined };
}

export interface Scenario {
  name: string;
  description: string;
  startRate: number;
  stages: Stage[];
  maxVUs: number;
  mix: Array<{ flow: FlowName; weight: number }>;
  texts: string[];
  users: number;
  e2e: { pollIntervalMs: number; deadlineMs: number };
  thresholds: Record<string, ThresholdSpec[]>;
  faults: FaultStep[];
}
