import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHART_CSS,
  escapeHtml,
  renderLineChart,
  type Chart,
  type ChartSeries,
  type PrometheusApi,
} from '../../tools/common';
import { formatRecordsAppended } from './phases/ledger';
import type { RunRecord } from './runner';

export type { Chart, ChartSeries } from '../../tools/common';

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
    // `cluster:under-replicated:messages`: a partition count from the cluster's metadata.
    const cluster = /^cluster:([a-z-]+):([a-z]+)$/.exec(key);
    charts.push({
      title: cluster
        ? `Partitions ${cluster[1]} (${cluster[2] === 'all' ? 'every contract topic' : cluster[2]})`
        : `Watched: ${key}`,
      unit: cluster ? 'partitions (cluster metadata, sampled every 0.5 s)' : 'value (sampled every 0.5 s)',
      series: [
        {
          name: cluster ? cluster[1] : key.split(':').slice(-1)[0] || key,
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
export const esc = escapeHtml;

/**
 * One chart of a run as a `<figure>` with inline SVG: the time axis is the run's length, the
 * method's steps shaded (tools/common/charts.ts draws it).
 */
export function renderChart(
  chart: Chart,
  record: Pick<RunRecord, 'events' | 'durationSeconds'>,
  width = 560,
  height = 220,
): string {
  return renderLineChart(chart, {
    xMaxSeconds: record.durationSeconds,
    windows: record.events,
    widthPx: width,
    heightPx: height,
  });
}

/** A number for a report cell: `digits`+2 significant digits, or "no data". */
export function fmt(v: number | undefined, digits = 3): string {
  return v === undefined || Number.isNaN(v) ? 'no data' : String(Number(v.toPrecision(digits + 2)));
}

/** The reports' stylesheet (the experiment report and the variants' comparison). */
export const REPORT_CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}h1{margin:0 0 4px}table{border-collapse:collapse;margin:8px 0 16px;width:100%}td,th{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}th{background:#f6f6f6}tr.bad td{background:#fdecea}tr.nodata td{background:#fff4e0}code{font-size:11px;word-break:break-all}.verdict{display:inline-block;padding:6px 14px;border-radius:4px;color:#fff;font-weight:bold;font-size:18px}.pass{background:#2a9d4b}.fail{background:#c62828}.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:12px}.badtext{color:#c62828}.nodatatext{color:#9a5b00}${CHART_CSS}`;

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
    ? `<h2>Ledger</h2><table><tr><th>${record.ledger.acceptedCountedFrom === 'messages-topic' ? 'accepted (records the gateway put on the messages topic, counted by the broker)' : 'accepted (gateway: 202, or published after its 503)'}</th><th>completed (data-service)</th><th>202s seen by the driver</th><th>lost</th><th>completed without an acceptance (duplicates, or messages published that the gateway never saw go through)</th><th>drained after</th><th>records appended since the load began (broker: messages, replies, DLQ)</th></tr><tr class="${record.ledger.ok ? 'ok' : 'bad'}"><td>${fmt(record.ledger.acceptedByGateway)}</td><td>${fmt(record.ledger.completedByDataService)}</td><td>${record.ledger.acceptedSeenByDriver}</td><td>${fmt(record.ledger.lost)}</td><td>${fmt(record.ledger.extraCompletions)}</td><td>${record.ledger.drainedAfterSeconds === undefined ? 'not drained' : `${record.ledger.drainedAfterSeconds.toFixed(1)} s`}</td><td>${escapeHtml(formatRecordsAppended(record.ledger))}</td></tr></table>`
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
