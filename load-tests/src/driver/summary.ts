import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART_CSS, renderLineChart, type ChartSeries } from '../../../tools/common';
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

const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(3));

export function renderHtml(s: RunSummary): string {
  const t = s.timeline;
  const line = (name: string, color: string, value: (p: SecondSummary) => number | null): ChartSeries => ({
    name,
    color,
    points: t.map((p) => [p.t, value(p)] as const),
  });
  const chart = (title: string, unit: string, series: ChartSeries[]): string =>
    renderLineChart({ title, unit, series }, { widthPx: 720, heightPx: 200 });
  const charts = [
    chart('Requests and iterations per second', '/s', [
      line('requests', '#1f77b4', (p) => p.requests),
      line('iterations offered', '#2ca02c', (p) => p.started + p.dropped),
      line('failed', '#d62728', (p) => p.failed),
      line('dropped iterations', '#ff7f0e', (p) => p.dropped),
    ]),
    chart('HTTP request duration', 'ms', [
      line('p95', '#2ca02c', (p) => p.p95Ms),
      line('p99', '#9467bd', (p) => p.p99Ms),
    ]),
    chart('End-to-end latency (POST → reply visible)', 'ms', [
      line('p95', '#17becf', (p) => p.e2eP95Ms),
      line('p99', '#8c564b', (p) => p.e2eP99Ms),
    ]),
    chart('Iterations in flight (VUs)', 'count', [line('vus', '#7f7f7f', (p) => p.vus)]),
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
<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}.ok td:first-child{color:#2a2}.fail{background:#fee}${CHART_CSS}figure{margin:1em 0}</style></head>
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
