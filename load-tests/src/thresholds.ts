/**
 * k6 threshold expressions (`p(95)<200`, `rate<0.01`, `count>0`, `avg<=100`) evaluated against the
 * built-in driver's metrics, with k6's meaning for each aggregation.
 */
import type { ThresholdSpec } from './scenario-types';

export type Aggregation =
  { kind: 'avg' | 'min' | 'max' | 'med' | 'count' | 'rate' | 'value' } | { kind: 'p'; percentile: number };
export type Operator = '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';

export interface ParsedThreshold {
  readonly source: string;
  readonly aggregation: Aggregation;
  readonly operator: Operator;
  readonly bound: number;
  readonly abortOnFail: boolean;
  /** Seconds into the run before an abort may fire. */
  readonly delayAbortEvalSeconds: number;
}

export interface MetricSelector {
  readonly metric: string;
  readonly tags: Readonly<Record<string, string>>;
}

export class ThresholdError extends Error {
  readonly code = 'ETHRESHOLD';
  override readonly name = 'ThresholdError';
}

const EXPRESSION =
  /^\s*(avg|min|max|med|count|rate|value|p\((\d+(?:\.\d+)?)\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

export function parseThreshold(spec: ThresholdSpec): ParsedThreshold {
  const source = typeof spec === 'string' ? spec : spec.threshold;
  const match = EXPRESSION.exec(source);
  if (!match)
    throw new ThresholdError(`"${source}" is not a k6 threshold; use e.g. p(95)<200, rate<0.01, avg<=100, count>0`);
  const percentile = match[2] === undefined ? undefined : Number(match[2]);
  if (percentile !== undefined && (percentile < 0 || percentile > 100))
    throw new ThresholdError(`"${source}": a percentile must be within 0..100`);
  const aggregation: Aggregation =
    percentile !== undefined ? { kind: 'p', percentile } : { kind: match[1] as Exclude<Aggregation['kind'], 'p'> };
  const delay = typeof spec === 'string' ? undefined : spec.delayAbortEval;
  return {
    source,
    aggregation,
    operator: match[3] as Operator,
    bound: Number(match[4]),
    abortOnFail: typeof spec !== 'string' && spec.abortOnFail === true,
    delayAbortEvalSeconds: delay ? parseK6Seconds(delay) : 0,
  };
}

function parseK6Seconds(text: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(text);
  if (!m) throw new ThresholdError(`"${text}" is not a k6 duration such as 10s`);
  return Number(m[1]) * (m[2] === 'ms' ? 0.001 : m[2] === 's' ? 1 : 60);
}

/** `http_req_duration{endpoint:post_message}` → metric + tag filter. */
export function parseSelector(key: string): MetricSelector {
  const m = /^([a-z_][a-z0-9_]*)(?:\{(.*)\})?$/.exec(key);
  if (!m) throw new ThresholdError(`"${key}" is not a metric name or metric{tag:value}`);
  const tags: Record<string, string> = {};
  for (const pair of m[2] ? m[2].split(',') : []) {
    const colon = pair.indexOf(':');
    if (colon <= 0) throw new ThresholdError(`"${key}": tag filter "${pair}" must be tag:value`);
    tags[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim();
  }
  return { metric: m[1], tags };
}

/** Whether `value` meets `operator bound` (k6 threshold operators; `==`/`===` exact, `!=` exact). */
export function compare(value: number, operator: Operator, bound: number): boolean {
  switch (operator) {
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    case '==':
    case '===':
      return value === bound;
    case '!=':
      return value !== bound;
  }
}

/** What a metric can answer; the store implements it (metrics.ts). */
export interface Aggregator {
  aggregate(selector: MetricSelector, aggregation: Aggregation): number | undefined;
}

export interface ThresholdResult {
  readonly metric: string;
  readonly threshold: string;
  /** The aggregated value; undefined when the metric has no samples (k6 then passes it). */
  readonly value: number | undefined;
  readonly ok: boolean;
  readonly abortOnFail: boolean;
  readonly delayAbortEvalSeconds: number;
}

export interface CompiledThreshold {
  readonly key: string;
  readonly selector: MetricSelector;
  readonly parsed: ParsedThreshold;
}

export function compileThresholds(thresholds: Readonly<Record<string, readonly ThresholdSpec[]>>): CompiledThreshold[] {
  return Object.entries(thresholds).flatMap(([key, specs]) =>
    specs.map((spec) => ({ key, selector: parseSelector(key), parsed: parseThreshold(spec) })),
  );
}

export function evaluateThresholds(compiled: readonly CompiledThreshold[], metrics: Aggregator): ThresholdResult[] {
  return compiled.map(({ key, selector, parsed }) => {
    const value = metrics.aggregate(selector, parsed.aggregation);
    return {
      metric: key,
      threshold: parsed.source,
      value,
      // Like k6: a threshold over a metric that got no samples does not fail the run.
      ok: value === undefined || Number.isNaN(value) ? true : compare(value, parsed.operator, parsed.bound),
      abortOnFail: parsed.abortOnFail,
      delayAbortEvalSeconds: parsed.delayAbortEvalSeconds,
    };
  });
}
