/** One sample of a Prometheus text exposition: metric name, labels, value. */
export interface MetricSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

// Label values are quoted and may hold `}`; an exemplar (`# {...}`) follows the value and is ignored.
// eslint-disable-next-line security/detect-unsafe-regex -- each alternation's branches start with disjoint characters (no catastrophic backtracking); the input is our own services' /metrics
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[^"}]|"(?:[^"\\]|\\.)*")*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * The samples of the metrics named in `names` from a Prometheus text (or OpenMetrics) exposition.
 * Comments, other metrics, exemplars and timestamps are skipped; label values are unescaped
 * (`\\`, `\"`, `\n`, as the format defines them).
 */
export function parseSamples(text: string, names: ReadonlySet<string>): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match || !names.has(match[1])) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(LABEL))
      labels[label[1]] = label[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const value = Number(match[3]);
    if (!Number.isNaN(value)) samples.push({ name: match[1], labels, value });
  }
  return samples;
}
