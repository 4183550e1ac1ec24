/**
 * Durations as k6 writes them: `500ms`, `30s`, `2m`, `1h`, `1m30s`, `1.5s`, or a bare number of
 * seconds. Dependency-free on purpose: k6 runs a generated copy (load-tests/k6/lib/duration.js,
 * written by load-tests/src/generate-k6-lib.ts).
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const UNITS = 'ms, s, m or h';
const EXAMPLES = '500ms, 30s, 2m, 1h or 1m30s';

/** A text that is not a duration; the message says what is wrong and where. */
export class DurationError extends Error {
  readonly code = 'EDURATION';
  override readonly name = 'DurationError';
}

/** A parsed duration in the two units the lab uses. */
export interface Duration {
  readonly ms: number;
  readonly seconds: number;
}

/**
 * Parses one or more `<number><unit>` parts (units ms, s, m, h; `1m30s`) or a bare number of
 * seconds, with optional decimals; surrounding blanks are ignored. Throws DurationError, naming
 * the part that is wrong (no unit, an unknown unit, a sign, stray text).
 */
export function parseDuration(text: string): Duration {
  const trimmed = text.trim();
  if (trimmed === '') throw new DurationError(`"${text}" is not a duration: it is empty; use e.g. ${EXAMPLES}`);
  if (/^\d+(\.\d+)?$/.test(trimmed)) return { ms: Number(trimmed) * 1000, seconds: Number(trimmed) };
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)(?![a-zA-Z])/y;
  let ms = 0;
  for (let at = 0; at < trimmed.length; at = part.lastIndex) {
    part.lastIndex = at;
    const match = part.exec(trimmed);
    if (!match) throw new DurationError(`"${text}" is not a duration: ${problemAt(trimmed, at)}; use e.g. ${EXAMPLES}`);
    ms += Number(match[1]) * UNIT_MS[match[2]];
  }
  return { ms, seconds: ms / 1000 };
}

/** What stands at `at` instead of a `<number><unit>` part. */
function problemAt(text: string, at: number): string {
  const rest = text.slice(at);
  const number = /^\d+(?:\.\d+)?/.exec(rest)?.[0];
  if (number !== undefined) {
    const unit = /^[^\d\s.]+/.exec(rest.slice(number.length))?.[0];
    return unit === undefined
      ? `${number} has no unit (${UNITS})`
      : `"${unit}" after ${number} is not a unit (${UNITS})`;
  }
  if (rest.startsWith('-')) return 'a duration cannot be negative';
  return `"${rest}" at character ${at + 1} is not a number with a unit`;
}
