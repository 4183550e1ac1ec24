// The console API's answers, as apps/console/src declares them (the browser build does not import
// server code; the browser spec exercises both sides together).

export interface FaultParamField {
  readonly name: string;
  readonly kind: 'integer' | 'number' | 'choice';
  readonly required: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly defaultValue?: number | string;
  readonly choices?: readonly string[];
}

export type TargetKind = 'route' | 'topic' | 'dependency';

export interface FaultForm {
  readonly type: string;
  readonly params: readonly FaultParamField[];
  readonly targets: readonly TargetKind[];
  readonly durationMs: { readonly min: number; readonly max: number; readonly defaultValue: number };
}

export interface FaultForms {
  readonly forms: readonly FaultForm[];
  readonly topics: readonly string[];
}

export interface Fault {
  readonly id: string;
  readonly type: string;
  readonly target: string | null;
  readonly params: Record<string, string | number | boolean>;
  readonly createdAt: string;
  readonly expiresAt: string;
}

export interface ServiceFaults {
  readonly service: string;
  readonly faults: readonly Fault[];
  readonly problem?: string;
}

export interface ChatMessage {
  readonly id: string;
  readonly status: string;
  readonly text?: string;
  readonly reply?: string | null;
  readonly degraded?: boolean;
  readonly failureReason?: string | null;
  readonly traceId?: string | null;
  readonly traceUrl?: string;
}

export interface ServiceView {
  readonly service: string;
  readonly readiness: 'ready' | 'not-ready' | 'down';
  readonly breakers: ReadonlyArray<{ dependency: string; state: string }>;
  readonly lag: ReadonlyArray<{ group: string; topic: string; lagMessages: number }>;
}
