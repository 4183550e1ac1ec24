import { compare } from '../../load-tests/src';
/**
 * Bounds a probe or measurement must meet: `< 0.01`, `>= 1`, `== 0`, `!= 0`, or `increases` (the
 * value rose above where it stood when the check began: a counter moving again).
 */
export type Expectation =
  | {
      readonly kind: 'compare';
      readonly operator: '<' | '<=' | '>' | '>=' | '==' | '!=';
      readonly bound: number;
      readonly source: string;
    }
  | { readonly kind: 'increases'; readonly source: string };

export class ExpectationError extends Error {
  readonly code = 'EEXPECTATION';
  override readonly name = 'ExpectationError';
}

const COMPARE = /^\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/;

export function parseExpectation(text: string): Expectation {
  if (text.trim() === 'increases') return { kind: 'increases', source: 'increases' };
  const m = COMPARE.exec(text);
  if (!m) throw new ExpectationError(`"${text}" is not a bound; use e.g. "< 0.01", ">= 1", "== 0" or "increases"`);
  return { kind: 'compare', operator: m[1] as '<', bound: Number(m[2]), source: text.trim() };
}

/**
 * Does `value` meet the expectation? No value (no data, NaN) never does: a probe that measures
 * nothing must not pass. `baseline` is the value when the check began, for `increases`.
 */
export function meets(expectation: Expectation, value: number | undefined, baseline?: number): boolean {
  if (value === undefined || Number.isNaN(value)) return false;
  if (expectation.kind === 'increases') return baseline !== undefined && !Number.isNaN(baseline) && value > baseline;
  const b = expectation.bound;
  // Equality within 1e-9: a value computed from samples is seldom exactly the bound.
  if (expectation.operator === '==') return Math.abs(value - b) < 1e-9;
  if (expectation.operator === '!=') return Math.abs(value - b) >= 1e-9;
  return compare(value, expectation.operator, b);
}
