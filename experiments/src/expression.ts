/**
 * Arithmetic over named numbers (`throughputN2 / (2 * throughputN1)`) for derived measurements:
 * + - * / and parentheses, nothing else, so a definition can never run code.
 */
export class ExpressionError extends Error {
  readonly code = 'EEXPRESSION';
  override readonly name = 'ExpressionError';
}

type Token = { kind: 'num'; value: number } | { kind: 'name'; value: string } | { kind: 'op'; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/()]))/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < text.length && (m = re.exec(text)) !== null) {
    if (m[1] !== undefined) tokens.push({ kind: 'num', value: Number(m[1]) });
    else if (m[2] !== undefined) tokens.push({ kind: 'name', value: m[2] });
    else tokens.push({ kind: 'op', value: m[3] });
    at = re.lastIndex;
  }
  if (text.slice(at).trim() !== '') throw new ExpressionError(`cannot read "${text.slice(at).trim()}" in "${text}"`);
  return tokens;
}

/** Evaluates; a name without a value (or a division by zero) yields undefined rather than a made-up number. */
export function evaluateExpression(
  text: string,
  values: Readonly<Record<string, number | undefined>>,
): number | undefined {
  const tokens = tokenize(text);
  let i = 0;
  let missing = false;
  const peek = (): Token | undefined => tokens[i];
  const primary = (): number => {
    const t = tokens[i++];
    if (!t) throw new ExpressionError(`"${text}" ends too early`);
    if (t.kind === 'num') return t.value;
    if (t.kind === 'name') {
      if (!(t.value in values)) throw new ExpressionError(`"${t.value}" in "${text}" is not an earlier measurement`);
      const v = values[t.value];
      if (v === undefined || Number.isNaN(v)) missing = true;
      return v ?? NaN;
    }
    if (t.value === '(') {
      const v = sum();
      if (tokens[i++]?.value !== ')') throw new ExpressionError(`missing ) in "${text}"`);
      return v;
    }
    if (t.value === '-') return -primary();
    throw new ExpressionError(`unexpected "${t.value}" in "${text}"`);
  };
  const product = (): number => {
    let v = primary();
    while (peek()?.kind === 'op' && (peek()?.value === '*' || peek()?.value === '/')) {
      const op = tokens[i++].value;
      const r = primary();
      if (op === '/' && r === 0) missing = true;
      v = op === '*' ? v * r : v / r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (peek()?.kind === 'op' && (peek()?.value === '+' || peek()?.value === '-')) {
      const op = tokens[i++].value;
      const r = product();
      v = op === '+' ? v + r : v - r;
    }
    return v;
  };
  const result = sum();
  if (i !== tokens.length) throw new ExpressionError(`unexpected "${String(tokens[i].value)}" in "${text}"`);
  return missing || !Number.isFinite(result) ? undefined : result;
}
