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

export interface EdgeView {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly kind: 'produce' | 'consume' | 'call';
  readonly errorName: string;
  readonly ratePerSecond: number | null;
  readonly errorShare: number | null;
  readonly lagMessages?: number;
}

export interface RatesView {
  readonly source: 'prometheus' | 'metrics';
  readonly windowSeconds: number | null;
  readonly prometheus: 'ok' | 'not-configured' | 'unreachable' | 'refused';
  readonly problem?: string;
}

export interface OverviewView {
  readonly services: readonly ServiceView[];
  readonly edges: readonly EdgeView[];
  readonly rates: RatesView;
}

export interface ChartData {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly timestamps: readonly number[];
  readonly series: ReadonlyArray<{ readonly name: string; readonly values: ReadonlyArray<number | null> }>;
}

export interface ChartsView {
  readonly minutes: number;
  readonly stepSeconds: number;
  readonly charts: readonly ChartData[];
}

export interface ToxicView {
  readonly name: string;
  readonly type: string;
  readonly stream: string;
  readonly toxicity: number;
  readonly attributes: Readonly<Record<string, number>>;
}

export interface ProxyView {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
  readonly enabled: boolean;
  readonly toxics: readonly ToxicView[];
}

export type NetworkView =
  | { readonly running: true; readonly url: string; readonly version: string; readonly proxies: readonly ProxyView[] }
  | { readonly running: false; readonly problem: string };

export interface ToxicForm {
  readonly type: string;
  readonly attributes: ReadonlyArray<{
    readonly name: string;
    readonly unit: string;
    readonly required: boolean;
    readonly min: number;
    readonly max: number;
  }>;
}
