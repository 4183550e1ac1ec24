import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRIC_TYPES, type MetricStore } from '../metrics';
import { SUMMARY_TREND_STATS } from '../k6-options';
import type { Aggregation } from '../thresholds';
import type { RunResult } from './runner';
import type { SecondSummary } from './timeline';

/** k6-shaped summary (`metrics.<name>.values`), plus the thresholds, faults and per-second timeline. */
export interface RunSummary {
  readonly tool: 'jeeves-lab built-in driver';
  readonly scenario: string;
  readonly description: string;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly passed: boolean;
  readonly aborted: string | null;
  readonly stages: RunResult['scenario']['stages'];
  readonly metrics: Record<string, { type: string; values: Record<string, number> }>;
  readonly thresholds: RunResult['thresholds'];
  readonly checks: Record<string, { passes: number; fails: number }>;
  readonly faults: RunResult['faults'];
  readonly timeline: SecondSummary[];
}

function aggregationOf(stat: string): Aggregation {
  const p = /^p\((\d+(?:\.\d+)?)\)$/.exec(stat);
  return p ? { kind: 'p', percentile: Number(p[1]) } : { kind: stat as Exclude<Aggregation['kind'], 'p'> };
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

function metricValues(
  metrics: MetricStore,
  name: string,
  tags: Record<string, string> = {},
): Record<string, number> | undefined {
  const selector = { metric: name, tags };
  const values: Record<string, number> = {};
  const put = (key: string, v: number | undefined): void => {
    if (v !== undefined && Number.isFinite(v)) values[key] = round(v);
  };
  switch (METRIC_TYPES[name]) {
    case 'trend':
      for (const stat of SUMMARY_TREND_STATS) put(stat, metrics.aggregate(selector, aggregationOf(stat)));
      break;
    case 'counter':
      put('count', metrics.aggregate(selector, { kind: 'count' }));
      put('rate', metrics.aggregate(selector, { kind: 'rate' }));
      break;
    case 'rate':
      put('rate', metrics.aggregate(selector, { kind: 'rate' }));
      break;
    case 'gauge':
      put('value', metrics.aggregate(selector, { kind: 'value' }));
      put('max', metrics.aggregate(selector, { kind: 'max' }));
      break;
  }
  return Object.keys(values).length > 0 ? values : undefined;
}

export function buildSummary(result: RunResult): RunSummary {
  const metrics: RunSummary['metrics'] = {};
  const series = result.metrics.snapshot();
  for (const name of Object.keys(METRIC_TYPES)) {
    const values = metricValues(result.metrics, name);
    if (values) metrics[name] = { type: METRIC_TYPES[name], values };
  }
  // Per-endpoint sub-metrics, named as k6 names them.
  const endpoints = [
    ...new Set(
      series
        .filter((s) => s.metric === 'http_req_duration')
        .map((s) => s.tags.endpoint)
        .filter(Boolean),
    ),
  ].sort();
  for (const endpoint of endpoints) {
    for (const name of ['http_req_duration', 'http_req_failed']) {
      const values = metricValues(result.metrics, name, { endpoint });
      if (values) metrics[`${name}{endpoint:${endpoint}}`] = { type: METRIC_TYPES[name], values };
    }
  }
  // Threshold sub-metrics not covered above (e.g. by flow).
  for (const t of result.thresholds) {
    if (metrics[t.metric]) continue;
    const m = /^([a-z_0-9]+)\{(.*)\}$/.exec(t.metric);
    if (!m) continue;
    const tags = Object.fromEntries(
      m[2].split(',').map((pair) => pair.split(':').map((s) => s.trim()) as [string, string]),
    );
    const values = metricValues(result.metrics, m[1], tags);
    if (values) metrics[t.metric] = { type: METRIC_TYPES[m[1]], values };
  }
  const checks: RunSummary['checks'] = {};
  for (const name of [...new Set(series.filter((s) => s.metric === 'checks').map((s) => s.tags.check))].sort()) {
    const rate = result.metrics.aggregate({ metric: 'checks', tags: { check: name } }, { kind: 'rate' }) ?? 0;
    const total = result.metrics.sampleCount({ metric: 'checks', tags: { check: name } });
    checks[name] = { passes: Math.round(rate * total), fails: total - Math.round(rate * total) };
  }
  return {
    tool: 'jeeves-lab built-in driver',
    scenario: result.scenario.name,
    description: result.scenario.description,
    startedAt: result.startedAt,
    durationSeconds: round(result.durationSeconds),
    passed: result.passed,
    aborted: result.aborted ?? null,
    stages: result.scenario.stages,
    metrics,
    thresholds: result.thresholds,
    checks,
    faults: result.faults,
    timeline: result.timeline.summarize(),
  };
}

/** `results/<timestamp>-load-<scenario>/` under the given root. */
export function resultDir(root: string, scenario: string, at = new Date()): string {
  const stamp = at
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-\d{3}Z$/, 'Z');
  return join(root, 'results', `${stamp}-load-${scenario}`);
}

export function writeSummary(dir: string, summary: RunSummary): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'summary.json');
  const html = join(dir, 'summary.html');
  writeFileSync(json, JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(html, renderHtml(summary));
  return { json, html };
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A line chart as inline SVG; `null` points are gaps. No scripts, no external assets. */
export function svgChart(
  title: string,
  unit: string,
  series: ReadonlyArray<{ name: string; color: string; points: ReadonlyArray<number | null> }>,
): string {
  const width = 720;
  const height = 200;
  const pad = { left: 56, right: 12, top: 24, bottom: 28 };
  const n = Math.max(1, ...series.map((s) => s.points.length));
  const max = Math.max(1e-9, ...series.flatMap((s) => s.points.filter((p): p is number => p !== null)));
  const x = (i: number): number => pad.left + (i / Math.max(1, n - 1)) * (width - pad.left - pad.right);
  const y = (v: number): number => height - pad.bottom - (v / max) * (height - pad.top - pad.bottom);
  const paths = series.map((s) => {
    let d = '';
    let pen = false;
    s.points.forEach((p, i) => {
      if (p === null) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(p).toFixed(1)}`;
      pen = true;
    });
    return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`;
  });
  const ticks = [0, 0.5, 1].map(
    (f) =>
      `<text x="${pad.left - 6}" y="${y(max * f) + 4}" text-anchor="end">${fmt(max * f)}</text><line x1="${pad.left}" x2="${width - pad.right}" y1="${y(max * f)}" y2="${y(max * f)}" stroke="#ddd"/>`,
  );
  const legend = series.map(
    (s, i) => `<text x="${pad.left + 10 + i * 140}" y="14" fill="${s.color}">■ ${esc(s.name)}</text>`,
  );
  return `<figure><figcaption>${esc(title)} (${esc(unit)})</figcaption><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-size="11" font-family="sans-serif">${ticks.join('')}${paths.join('')}${legend.join('')}<text x="${width - pad.right}" y="${height - 8}" text-anchor="end">${n} s</text></svg></figure>`;
}

const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(3));

export function renderHtml(s: RunSummary): string {
  const t = s.timeline;
  const charts = [
    svgChart('Requests per second', 'req/s', [
      { name: 'requests', color: '#1f77b4', points: t.map((p) => p.requests) },
      { name: 'failed', color: '#d62728', points: t.map((p) => p.failed) },
      { name: 'dropped iterations', color: '#ff7f0e', points: t.map((p) => p.dropped) },
    ]),
    svgChart('HTTP request duration', 'ms', [
      { name: 'p95', color: '#2ca02c', points: t.map((p) => p.p95Ms) },
      { name: 'p99', color: '#9467bd', points: t.map((p) => p.p99Ms) },
    ]),
    svgChart('End-to-end latency (POST → reply visible)', 'ms', [
      { name: 'p95', color: '#17becf', points: t.map((p) => p.e2eP95Ms) },
      { name: 'p99', color: '#8c564b', points: t.map((p) => p.e2eP99Ms) },
    ]),
    svgChart('Iterations in flight (VUs)', 'count', [{ name: 'vus', color: '#7f7f7f', points: t.map((p) => p.vus) }]),
  ];
  const thresholdRows = s.thresholds
    .map(
      (r) =>
        `<tr class="${r.ok ? 'ok' : 'fail'}"><td>${r.ok ? '✓' : '✗'}</td><td><code>${esc(r.metric)}</code></td><td><code>${esc(r.threshold)}</code></td><td>${r.value === undefined ? 'no samples' : fmt(r.value)}</td></tr>`,
    )
    .join('');
  const metricRows = Object.entries(s.metrics)
    .map(
      ([name, m]) =>
        `<tr><td><code>${esc(name)}</code></td><td>${m.type}</td><td>${Object.entries(m.values)
          .map(([k, v]) => `${esc(k)}=${fmt(v)}`)
          .join(' ')}</td></tr>`,
    )
    .join('');
  const checkRows = Object.entries(s.checks)
    .map(
      ([name, c]) =>
        `<tr class="${c.fails === 0 ? 'ok' : 'fail'}"><td>${esc(name)}</td><td>${c.passes}</td><td>${c.fails}</td></tr>`,
    )
    .join('');
  const faultRows = s.faults
    .map(
      (f) =>
        `<tr><td>${f.atSeconds}s</td><td>${esc(f.service)}</td><td><code>${esc(JSON.stringify(f.fault))}</code></td><td>${f.status}${f.error ? ` ${esc(f.error)}` : ''}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Load test ${esc(s.scenario)} — ${s.passed ? 'passed' : 'FAILED'}</title>
<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}.ok td:first-child{color:#2a2}.fail{background:#fee}figure{margin:1em 0}figcaption{font-weight:bold}</style></head>
<body><h1>Load test <code>${esc(s.scenario)}</code>: ${s.passed ? 'passed' : 'FAILED'}</h1>
<p>${esc(s.description)}</p>
<p>Started ${esc(s.startedAt)}, ran ${s.durationSeconds.toFixed(1)} s${s.aborted ? `, <strong>stopped early: ${esc(s.aborted)}</strong>` : ''}. Driver: ${esc(s.tool)} (open model; latency from each iteration's scheduled start).</p>
<h2>Thresholds (SLOs)</h2><table><tr><th></th><th>metric</th><th>threshold</th><th>value</th></tr>${thresholdRows}</table>
<h2>Timeline</h2>${charts.join('\n')}
<h2>Checks</h2><table><tr><th>check</th><th>passes</th><th>fails</th></tr>${checkRows}</table>
${faultRows ? `<h2>Faults injected</h2><table><tr><th>at</th><th>service</th><th>fault</th><th>answer</th></tr>${faultRows}</table>` : ''}
<h2>Metrics</h2><table><tr><th>metric</th><th>type</th><th>values</th></tr>${metricRows}</table>
</body></html>
`;
}
