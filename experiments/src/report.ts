import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PrometheusApi } from '../../tools/common';
import type { RunRecord } from './runner';

/** One line of a chart: points are [seconds from the start of the run, value]. */
export interface ChartSeries {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface Chart {
  readonly title: string;
  readonly unit: string;
  readonly series: readonly ChartSeries[];
}

/** The standard plots of every report, as PromQL over the lab's Prometheus. */
export const STANDARD_CHARTS: ReadonlyArray<{ title: string; unit: string; queries: Record<string, string> }> = [
  {
    title: 'Request rate (gateway)',
    unit: 'req/s',
    queries: {
      'by status class':
        'sum by (status_class) (rate(http_server_request_duration_seconds_count{service="gateway"}[20s]))',
    },
  },
  {
    title: 'Error rate (gateway, share of requests)',
    unit: 'ratio',
    queries: {
      '5xx share':
        '(sum(rate(http_server_request_duration_seconds_count{service="gateway",status_class="5xx"}[20s])) or vector(0)) / sum(rate(http_server_request_duration_seconds_count{service="gateway"}[20s]))',
      '4xx share':
        '(sum(rate(http_server_request_duration_seconds_count{service="gateway",status_class="4xx"}[20s])) or vector(0)) / sum(rate(http_server_request_duration_seconds_count{service="gateway"}[20s]))',
    },
  },
  {
    title: 'p99 latency (gateway)',
    unit: 's',
    queries: {
      p99: 'histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{service="gateway"}[20s])))',
    },
  },
  {
    title: 'End-to-end latency (data-service)',
    unit: 's',
    queries: {
      p99: 'histogram_quantile(0.99, sum by (le) (rate(jeeves_message_end_to_end_seconds_bucket[20s])))',
      p50: 'histogram_quantile(0.5, sum by (le) (rate(jeeves_message_end_to_end_seconds_bucket[20s])))',
    },
  },
  {
    title: 'Breaker state (worker → provider)',
    unit: '1 = in state',
    queries: { state: 'max by (state) (jeeves_breaker_state{service="worker"})' },
  },
  {
    title: 'Consumer lag',
    unit: 'messages',
    queries: {
      // Each partition once: around a rebalance two members may both report it.
      group: 'sum by (group) (max by (group, topic, partition) (jeeves_kafka_consumer_lag_messages))',
    },
  },
  { title: 'Instances up', unit: 'instances', queries: { service: 'count by (service) (up{job="jeeves"} == 1)' } },
];

/** Range-queries every chart over the run; a query that fails leaves its chart empty, not the report. */
export async function collectCharts(record: RunRecord, prometheus: PrometheusApi | undefined): Promise<Chart[]> {
  const charts: Chart[] = [];
  const start = record.startedAtS;
  const end = record.startedAtS + record.durationSeconds;
  const step = Math.max(1, Math.ceil(record.durationSeconds / 400));
  const definitions = [...STANDARD_CHARTS, ...record.experiment.charts];
  for (const def of definitions) {
    const series: ChartSeries[] = [];
    for (const [name, query] of Object.entries(def.queries)) {
      const result = prometheus ? await prometheus.range(query, start, end, step).catch(() => []) : [];
      for (const r of result) {
        const labelText = Object.entries(r.labels)
          .filter(([k]) => k !== '__name__')
          .map(([, v]) => v)
          .join(' ');
        const several = Object.keys(def.queries).length > 1;
        series.push({
          name: labelText ? (several ? `${name}: ${labelText}` : labelText) : name,
          points: r.points.filter(([, v]) => Number.isFinite(v)).map(([t, v]) => [round(t - start), v] as const),
        });
      }
    }
    charts.push({ title: def.title, unit: def.unit, series });
  }
  // The driver's own view, second by second: exact, and there even without Prometheus.
  const timeline = record.load?.timeline ?? [];
  if (timeline.length > 0) {
    charts.push({
      title: 'Load driver: requests and failures',
      unit: 'per second',
      series: [
        { name: 'requests/s', points: timeline.map((s) => [s.t, s.requests] as const) },
        { name: 'failed/s', points: timeline.map((s) => [s.t, s.failed] as const) },
      ],
    });
    const ms = (key: 'p99Ms' | 'e2eP99Ms'): Array<readonly [number, number]> =>
      timeline.flatMap((s) => (s[key] === null ? [] : [[s.t, (s[key] as number) / 1000] as const]));
    charts.push({
      title: 'Load driver: p99 request and end-to-end latency',
      unit: 's',
      series: [
        { name: 'request p99', points: ms('p99Ms') },
        { name: 'e2e p99', points: ms('e2eP99Ms') },
      ],
    });
  }
  const watched = Object.entries(record.watched).filter(([, samples]) => samples.length > 0);
  for (const [key, samples] of watched) {
    charts.push({
      title: `Watched: ${key}`,
      unit: 'value (sampled every 0.5 s)',
      series: [
        {
          name: key.split(':').slice(-1)[0] || key,
          points: samples.flatMap((s) => (s.value === undefined ? [] : [[round(s.t), s.value] as const])),
        },
      ],
    });
  }
  return charts;
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

export interface ReportFiles {
  readonly dir: string;
  readonly json: string;
  readonly html: string;
}

/** `results/2026-11-27T20-15-03-provider-outage/` under `root`. */
export function reportDir(root: string, name: string, at = new Date()): string {
  return join(
    root,
    'results',
    `${at
      .toISOString()
      .replace(/[:.]/g, '-')
      .replace(/-\d{3}Z$/, 'Z')}-${name}`,
  );
}

export function writeReport(dir: string, record: RunRecord, charts: readonly Chart[]): ReportFiles {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'report.json');
  const html = join(dir, 'report.html');
  const { experiment, ...rest } = record;
  writeFileSync(
    json,
    JSON.stringify({ experiment: experiment.name, definition: experiment, ...rest, charts }, null, 2) + '\n',
  );
  writeFileSync(html, renderHtml(record, charts));
  return { dir, json, html };
}

/** Text as HTML (element content or a quoted attribute). */
export const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** Round, readable axis ticks (1, 2, 5 × 10^n). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000) return `${(v / 1000).toFixed(a >= 10_000 ? 0 : 1)}k`;
  if (a < 0.01) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

/**
 * One chart as inline SVG: fault windows shaded, step markers, one path per series. Each path
 * carries `data-points` (its number of points) so a test can tell a drawn line from an empty frame.
 */
export function renderChart(
  chart: Chart,
  record: Pick<RunRecord, 'events' | 'durationSeconds'>,
  width = 560,
  height = 220,
): string {
  const pad = { left: 52, right: 12, top: 10, bottom: 28 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const xMax = Math.max(1, record.durationSeconds);
  const values = chart.series.flatMap((s) => s.points.map(([, v]) => v));
  const yMaxRaw = values.length ? Math.max(...values) : 1;
  const yMin = Math.min(0, ...(values.length ? values : [0]));
  const yMax = yMaxRaw > yMin ? yMaxRaw * 1.08 : yMin + 1;
  const x = (t: number): number => pad.left + (Math.min(Math.max(t, 0), xMax) / xMax) * w;
  const y = (v: number): number => pad.top + h - ((v - yMin) / (yMax - yMin)) * h;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(chart.title)}">`,
  );
  parts.push(`<rect x="${pad.left}" y="${pad.top}" width="${w}" height="${h}" fill="#fff" stroke="#ccc"/>`);
  for (const e of record.events) {
    const x0 = x(e.startS);
    const x1 = Math.max(x(e.endS), x0 + 2);
    parts.push(
      `<rect class="fault-window" x="${x0.toFixed(1)}" y="${pad.top}" width="${(x1 - x0).toFixed(1)}" height="${h}" fill="#f4a261" fill-opacity="0.22"><title>${esc(e.label)} (${e.startS.toFixed(1)}–${e.endS.toFixed(1)} s)</title></rect>`,
    );
  }
  for (const t of niceTicks(yMin, yMax, 4)) {
    parts.push(
      `<line x1="${pad.left}" x2="${pad.left + w}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#eee"/>`,
    );
    parts.push(
      `<text x="${pad.left - 4}" y="${(y(t) + 3).toFixed(1)}" font-size="10" text-anchor="end" fill="#555">${tickLabel(t)}</text>`,
    );
  }
  for (const t of niceTicks(0, xMax, 8)) {
    parts.push(
      `<text x="${x(t).toFixed(1)}" y="${height - 12}" font-size="10" text-anchor="middle" fill="#555">${tickLabel(t)}</text>`,
    );
  }
  parts.push(
    `<text x="${pad.left + w / 2}" y="${height - 1}" font-size="10" text-anchor="middle" fill="#555">seconds since the load started</text>`,
  );
  chart.series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map(([t, v], k) => `${k === 0 ? 'M' : 'L'}${x(t).toFixed(1)} ${y(v).toFixed(1)}`).join(' ');
    parts.push(
      `<path class="series" data-series="${esc(s.name)}" data-points="${s.points.length}" d="${d}" fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="1.6"/>`,
    );
  });
  if (values.length === 0)
    parts.push(
      `<text x="${pad.left + w / 2}" y="${pad.top + h / 2}" font-size="12" text-anchor="middle" fill="#999">no data</text>`,
    );
  parts.push('</svg>');
  const legend = chart.series
    .filter((s) => s.points.length > 0)
    .map((s, i) => `<span class="key"><i style="background:${PALETTE[i % PALETTE.length]}"></i>${esc(s.name)}</span>`)
    .join(' ');
  return `<figure><figcaption>${esc(chart.title)} <small>(${esc(chart.unit)})</small></figcaption>${parts.join('')}<div class="legend">${legend}</div></figure>`;
}

/** A number for a report cell: `digits`+2 significant digits, or "no data". */
export function fmt(v: number | undefined, digits = 3): string {
  return v === undefined || Number.isNaN(v) ? 'no data' : String(Number(v.toPrecision(digits + 2)));
}

/** The reports' stylesheet (the experiment report and the variants' comparison). */
export const REPORT_CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}h1{margin:0 0 4px}table{border-collapse:collapse;margin:8px 0 16px;width:100%}td,th{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}th{background:#f6f6f6}tr.bad td{background:#fdecea}tr.nodata td{background:#fff4e0}code{font-size:11px;word-break:break-all}.verdict{display:inline-block;padding:6px 14px;border-radius:4px;color:#fff;font-weight:bold;font-size:18px}.pass{background:#2a9d4b}.fail{background:#c62828}.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:12px}figure{margin:0;border:1px solid #eee;padding:6px}figcaption{font-weight:600}.legend{font-size:11px}.key{margin-right:10px}.key i{display:inline-block;width:10px;height:10px;margin-right:4px}.badtext{color:#c62828}.nodatatext{color:#9a5b00}`;

export function renderHtml(record: RunRecord, charts: readonly Chart[]): string {
  const e = record.experiment;
  const passed = record.verdict.passed;
  // A probe without data is the instrument's failure: its own colour and word, never a ✗.
  const rows = record.probes
    .map(
      (p) =>
        `<tr class="${p.ok ? 'ok' : p.outcome === 'no data' ? 'nodata' : 'bad'}"><td>${p.phase}</td><td>${esc(p.name)}</td><td><code>${esc(p.source)}</code></td><td>${esc(p.expect)}</td><td>${fmt(p.measured)}</td><td>${p.ok ? '✓' : p.outcome === 'no data' ? 'no data' : '✗ out of bounds'}${p.note ? ` <small>${esc(p.note)}</small>` : ''}</td></tr>`,
    )
    .join('');
  const noData = new Set(record.verdict.noData);
  const misses = record.verdict.failures.filter((f) => !noData.has(f));
  const thresholdRows = (record.load?.thresholds ?? [])
    .map(
      (t) =>
        `<tr class="${t.ok ? 'ok' : 'bad'}"><td>load</td><td>${esc(t.metric)}</td><td>k6 threshold</td><td>${esc(t.threshold)}</td><td>${fmt(t.value)}</td><td>${t.ok ? '✓' : '✗'}</td></tr>`,
    )
    .join('');
  const measurementRows = record.measurements
    .map(
      (m) =>
        `<tr class="${m.ok === false ? 'bad' : 'ok'}"><td>${esc(m.name)}</td><td>${fmt(m.value)} ${esc(m.unit)}</td><td>${m.expect ? esc(m.expect) : ''}</td><td>${m.ok === undefined ? '' : m.ok ? '✓' : '✗'}</td><td>${esc(m.description ?? '')}</td></tr>`,
    )
    .join('');
  const events = record.events
    .map(
      (ev) =>
        `<li><b>${ev.startS.toFixed(1)}–${ev.endS.toFixed(1)} s</b> ${esc(ev.label)}${ev.error ? ` <span class="badtext">failed: ${esc(ev.error)}</span>` : ''}</li>`,
    )
    .join('');
  const rollbacks = record.rollbacks
    .map(
      (r) =>
        `<li>${esc(r.action)}: ${r.ok ? 'done' : `<span class="badtext">failed: ${esc(r.error ?? '')}</span>`}</li>`,
    )
    .join('');
  const ledger = record.ledger
    ? `<h2>Ledger</h2><table><tr><th>accepted (gateway: 202, or published after its 503)</th><th>completed (data-service)</th><th>202s seen by the driver</th><th>lost</th><th>completed without an acceptance (duplicates, or messages published that the gateway never saw go through)</th><th>drained after</th></tr><tr class="${record.ledger.ok ? 'ok' : 'bad'}"><td>${fmt(record.ledger.acceptedByGateway)}</td><td>${fmt(record.ledger.completedByDataService)}</td><td>${record.ledger.acceptedSeenByDriver}</td><td>${fmt(record.ledger.lost)}</td><td>${fmt(record.ledger.extraCompletions)}</td><td>${record.ledger.drainedAfterSeconds === undefined ? 'not drained' : `${record.ledger.drainedAfterSeconds.toFixed(1)} s`}</td></tr></table>`
    : '';
  const css = REPORT_CSS;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(e.name)}${record.variant ? ` (${esc(record.variant)})` : ''}: ${passed ? 'PASSED' : 'FAILED'}</title><style>${css}</style></head>
<body>
<h1>Experiment ${esc(e.name)}${record.variant ? ` — variant ${esc(record.variant)}` : ''}${record.short ? ' (short)' : ''}</h1>
<p>${esc(e.description)}</p>
<p><span id="verdict" class="verdict ${passed ? 'pass' : 'fail'}">${passed ? 'PASSED' : 'FAILED'}</span> started ${new Date(record.startedAtS * 1000).toISOString()}, ran ${record.durationSeconds.toFixed(1)} s${record.recoverySeconds !== undefined ? `, recovered ${record.recoverySeconds.toFixed(1)} s after the method ended (limit ${e.recovery.withinSeconds} s)` : ''}.</p>
${misses.length ? `<ul id="failures" class="badtext">${misses.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>` : ''}
${noData.size ? `<p class="nodatatext">No data (the instrument gave no value; nothing was measured out of bounds here):</p><ul id="no-data" class="nodatatext">${[...noData].map((f) => `<li>${esc(f)}</li>`).join('')}</ul>` : ''}
<h2>Method</h2><ul>${events}</ul>
<h2>Hypothesis</h2>
<table><tr><th>phase</th><th>check</th><th>source</th><th>expected</th><th>measured</th><th></th></tr>${rows}${thresholdRows}</table>
${measurementRows ? `<h2>Measurements</h2><table><tr><th>name</th><th>value</th><th>expected</th><th></th><th>meaning</th></tr>${measurementRows}</table>` : ''}
${ledger}
<h2>Plots</h2><p><small>Shaded: the method's steps, from start to end.</small></p>
<div class="charts">${charts.map((c) => renderChart(c, record)).join('\n')}</div>
<h2>Rollbacks</h2><ul>${rollbacks || '<li>nothing to undo</li>'}</ul>
</body></html>
`;
}
