/**
 * Just enough of the Prometheus text format to read our own apps' /metrics: sample lines with
 * labels. The watcher uses it to time breaker transitions and stalls at sub-second resolution,
 * which a 5 s scrape interval cannot.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Selector {
  readonly name: string;
  readonly matchers: ReadonlyArray<{ readonly label: string; readonly op: '=' | '!='; readonly value: string }>;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(=|!=)\s*"((?:[^"\\]|\\.)*)"\s*,?/g;

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    // Exemplars (` # {trace_id="..."}`) follow the value and are not part of the labels.
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]] = l[3].replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    samples.push({ name: m[1], labels, value });
  }
  return samples;
}

export function parseSelector(text: string): Selector {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a metric selector`);
  const matchers = [...(m[2] ?? '').matchAll(LABEL)].map((l) => ({ label: l[1], op: l[2] as '=' | '!=', value: l[3] }));
  return { name: m[1], matchers };
}

/** Values of the samples a selector picks (an OpenMetrics counter's `_total` suffix is matched either way). */
export function select(samples: readonly Sample[], selector: Selector): number[] {
  return samples
    .filter((s) => s.name === selector.name || s.name === `${selector.name}_total`)
    .filter((s) =>
      selector.matchers.every((m) =>
        m.op === '=' ? (s.labels[m.label] ?? '') === m.value : (s.labels[m.label] ?? '') !== m.value,
      ),
    )
    .map((s) => s.value);
}

export function aggregate(values: readonly number[], how: 'sum' | 'max' | 'min'): number | undefined {
  if (values.length === 0) return undefined;
  if (how === 'max') return Math.max(...values);
  if (how === 'min') return Math.min(...values);
  return values.reduce((a, b) => a + b, 0);
}
