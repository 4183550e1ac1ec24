/**
 * The footprint benchmark's numbers and how they read: spreads over rounds, the Markdown tables for
 * docs/performance.md and an HTML page with bar charts (inline SVG). Pure: no processes, no files.
 */
import { APPS, type AppName } from '../lab';
import { fmtMs, median, ratio, table } from './support';

export type BuildKey = 'current' | 'baseline';
export const BUILD_KEYS: readonly BuildKey[] = ['current', 'baseline'];

/** One build measured in one round. */
export interface FootprintRound {
  readonly build: BuildKey;
  /** 1-based. */
  readonly round: number;
  /** 1 when this build went first in its round, 2 when second. */
  readonly position: number;
  /** Spawn to the first 200 from /health/ready, per app, started one at a time. */
  readonly startupMs: Readonly<Record<AppName, number>>;
  /** VmRSS after the idle wait, per app. */
  readonly rssBytes: Readonly<Record<AppName, number>>;
  /** The broker JVM's VmRSS at the same moment; NaN when the broker is not the bench's own. */
  readonly brokerRssBytes: number;
}

/** Median and range of one measurement over rounds; NaN throughout when there is no finite value. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** Spread of the finite values in `xs` (a broker that is not ours reads NaN and is left out). */
export function spread(xs: readonly number[]): Spread {
  const finite = xs.filter(Number.isFinite);
  if (finite.length === 0) return { median: NaN, min: NaN, max: NaN };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite) };
}

/** Bytes as MiB with one decimal; '-' when not a number. */
export const fmtMiB = (bytes: number): string => (Number.isFinite(bytes) ? (bytes / 2 ** 20).toFixed(1) : '-');

/** `median (min–max)` with `fmt` for each number; '-' when there is no median. */
export function fmtSpread(s: Spread, fmt: (v: number) => string): string {
  if (!Number.isFinite(s.median)) return '-';
  return s.min === s.max ? `${fmt(s.median)} (${fmt(s.min)})` : `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

const APP_ORDER: readonly AppName[] = APPS.map((a) => a.name);

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const appsStartupMs = (r: FootprintRound): number => sum(APP_ORDER.map((a) => r.startupMs[a]));
const appsRssBytes = (r: FootprintRound): number => sum(APP_ORDER.map((a) => r.rssBytes[a]));

/** A row of the summary: what it reads from each round (sums are taken per round, then the median). */
interface Measure {
  readonly label: string;
  readonly startupMs?: (r: FootprintRound) => number;
  readonly rssBytes?: (r: FootprintRound) => number;
  /** Which chart shows it: per service, or the whole lab (its scale dwarfs one service). */
  readonly chart: 'service' | 'lab';
}

const MEASURES: readonly Measure[] = [
  ...APP_ORDER.map((app): Measure => ({
    label: app,
    startupMs: (r) => r.startupMs[app],
    rssBytes: (r) => r.rssBytes[app],
    chart: 'service',
  })),
  { label: 'broker (Kafka JVM, started once)', rssBytes: (r) => r.brokerRssBytes, chart: 'service' },
  {
    label: 'six apps (sum)',
    startupMs: appsStartupMs,
    rssBytes: appsRssBytes,
    chart: 'lab',
  },
  { label: 'whole lab (six apps + broker)', rssBytes: (r) => appsRssBytes(r) + r.brokerRssBytes, chart: 'lab' },
];

function spreadOf(rounds: readonly FootprintRound[], build: BuildKey, read: (r: FootprintRound) => number): Spread {
  return spread(rounds.filter((r) => r.build === build).map(read));
}

/** A table as data, so that the Markdown and the HTML page show the same cells. */
export interface TableData {
  readonly header: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
}

/** Per service and for the lab: start-up ms and idle RSS MiB as `median (min–max)`, current, baseline, ratio. */
export function summaryTable(rounds: readonly FootprintRound[]): TableData {
  const cells = (read: ((r: FootprintRound) => number) | undefined, fmt: (v: number) => string): string[] => {
    if (!read) return ['-', '-', '-'];
    const current = spreadOf(rounds, 'current', read);
    const baseline = spreadOf(rounds, 'baseline', read);
    return [fmtSpread(current, fmt), fmtSpread(baseline, fmt), ratio(current.median, baseline.median)];
  };
  return {
    header: [
      'service',
      'start-up to ready ms: current',
      'baseline',
      'current ÷ baseline',
      'idle RSS MiB: current',
      'baseline',
      'current ÷ baseline',
    ],
    rows: MEASURES.map((m) => [m.label, ...cells(m.startupMs, fmtMs), ...cells(m.rssBytes, fmtMiB)]),
  };
}

const byRound = (rounds: readonly FootprintRound[]): FootprintRound[] =>
  [...rounds].sort((a, b) => a.round - b.round || a.position - b.position);

/** Every round in the order the builds ran: round, build, whether it ran first, then `cells` of it under `header`. */
function roundsTable(
  rounds: readonly FootprintRound[],
  header: readonly string[],
  cells: (r: FootprintRound) => string[],
): TableData {
  return {
    header: ['round', 'build', 'ran', ...header],
    rows: byRound(rounds).map((r) => [String(r.round), r.build, r.position === 1 ? 'first' : 'second', ...cells(r)]),
  };
}

/** Every round's start-up times, in the order the builds ran. */
export function startupRoundsTable(rounds: readonly FootprintRound[]): TableData {
  return roundsTable(rounds, [...APP_ORDER, 'six apps'], (r) => [
    ...APP_ORDER.map((a) => fmtMs(r.startupMs[a])),
    fmtMs(appsStartupMs(r)),
  ]);
}

/** Every round's idle RSS in MiB, in the order the builds ran. */
export function rssRoundsTable(rounds: readonly FootprintRound[]): TableData {
  return roundsTable(rounds, [...APP_ORDER, 'six apps', 'broker', 'whole lab'], (r) => [
    ...APP_ORDER.map((a) => fmtMiB(r.rssBytes[a])),
    fmtMiB(appsRssBytes(r)),
    fmtMiB(r.brokerRssBytes),
    fmtMiB(appsRssBytes(r) + r.brokerRssBytes),
  ]);
}

export const markdownTable = (t: TableData): string => table(t.header, t.rows);

/** One bar chart: groups of bars (one per build), each bar a median with a min–max whisker. */
export interface Chart {
  readonly title: string;
  readonly unit: string;
  readonly groups: ReadonlyArray<{ readonly label: string; readonly bars: Readonly<Record<BuildKey, Spread>> }>;
}

/** The three charts of the page: start-up per service, idle RSS per service and broker, the lab's RSS. */
export function footprintCharts(rounds: readonly FootprintRound[]): Chart[] {
  const groups = (
    read: (m: Measure) => ((r: FootprintRound) => number) | undefined,
    chart: Measure['chart'],
    scale: number,
  ): Chart['groups'] =>
    MEASURES.filter((m) => m.chart === chart && read(m)).map((m) => {
      const fn = read(m) as (r: FootprintRound) => number;
      const bars = Object.fromEntries(
        BUILD_KEYS.map((b) => {
          const s = spreadOf(rounds, b, fn);
          return [b, { median: s.median / scale, min: s.min / scale, max: s.max / scale }];
        }),
      ) as Record<BuildKey, Spread>;
      return { label: m.label, bars };
    });
  return [
    { title: 'Start-up to ready, per service', unit: 'ms', groups: groups((m) => m.startupMs, 'service', 1) },
    { title: 'Idle RSS, per process', unit: 'MiB', groups: groups((m) => m.rssBytes, 'service', 2 ** 20) },
    { title: 'Idle RSS, whole lab', unit: 'MiB', groups: groups((m) => m.rssBytes, 'lab', 2 ** 20) },
  ];
}

const COLORS: Readonly<Record<BuildKey, string>> = { current: '#2f6fb0', baseline: '#b0b0b0' };

export const escapeHtml = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** Horizontal bars (median) with min–max whiskers, one group per row, as an inline `<svg>` element. */
export function barChartSvg(chart: Chart): string {
  const labelWidth = 260;
  const plotWidth = 420;
  const barHeight = 14;
  const groupHeight = BUILD_KEYS.length * barHeight + 12;
  const top = 40;
  const height = top + chart.groups.length * groupHeight + 10;
  const width = labelWidth + plotWidth + 90;
  const values = chart.groups.flatMap((g) => BUILD_KEYS.map((b) => g.bars[b].max)).filter(Number.isFinite);
  const scaleMax = Math.max(...values, 0) * 1.05 || 1;
  const x = (v: number): number => labelWidth + (plotWidth * v) / scaleMax;
  const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  const parts: string[] = [
    `<text x="0" y="16" font-weight="bold">${escapeHtml(chart.title)} (${escapeHtml(chart.unit)}; bar: median, whisker: min–max)</text>`,
    ...BUILD_KEYS.map(
      (b, i) =>
        `<rect x="${labelWidth + i * 110}" y="24" width="10" height="10" fill="${COLORS[b]}"/><text x="${labelWidth + i * 110 + 14}" y="33">${b}</text>`,
    ),
  ];
  chart.groups.forEach((g, gi) => {
    const y0 = top + gi * groupHeight;
    parts.push(`<text x="0" y="${y0 + barHeight + 4}">${escapeHtml(g.label)}</text>`);
    BUILD_KEYS.forEach((b, bi) => {
      const s = g.bars[b];
      const y = y0 + bi * barHeight;
      if (!Number.isFinite(s.median)) {
        parts.push(`<text x="${labelWidth + 4}" y="${y + barHeight - 3}">no value</text>`);
        return;
      }
      const mid = y + barHeight / 2;
      parts.push(
        `<rect x="${labelWidth}" y="${y + 1}" width="${(x(s.median) - labelWidth).toFixed(1)}" height="${barHeight - 2}" fill="${COLORS[b]}"><title>${b}: ${fmt(s.median)} ${escapeHtml(chart.unit)} (${fmt(s.min)}–${fmt(s.max)})</title></rect>`,
        `<line x1="${x(s.min).toFixed(1)}" y1="${mid}" x2="${x(s.max).toFixed(1)}" y2="${mid}" stroke="#000"/>`,
        `<line x1="${x(s.min).toFixed(1)}" y1="${y + 3}" x2="${x(s.min).toFixed(1)}" y2="${y + barHeight - 3}" stroke="#000"/>`,
        `<line x1="${x(s.max).toFixed(1)}" y1="${y + 3}" x2="${x(s.max).toFixed(1)}" y2="${y + barHeight - 3}" stroke="#000"/>`,
        `<text x="${(x(s.max) + 6).toFixed(1)}" y="${y + barHeight - 3}">${fmt(s.median)}</text>`,
      );
    });
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">${parts.join('')}</svg>`;
}

function htmlTable(t: TableData): string {
  const row = (cells: readonly string[], tag: 'th' | 'td'): string =>
    `<tr>${cells.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;
  return `<table>${row(t.header, 'th')}${t.rows.map((r) => row(r, 'td')).join('')}</table>`;
}

/** The whole page: what was compared (`intro` lines, plain text), the charts, then every table. */
export function footprintHtml(intro: readonly string[], rounds: readonly FootprintRound[]): string {
  const css =
    'body{font-family:sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:first-child,th:first-child{text-align:left}svg{display:block;margin:1rem 0}';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Footprint: current vs baseline</title><style>${css}</style></head>
<body>
<h1>Footprint: current vs baseline</h1>
${intro.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n')}
${footprintCharts(rounds).map(barChartSvg).join('\n')}
<h2>Medians over rounds (min–max)</h2>
${htmlTable(summaryTable(rounds))}
<h2>Start-up to ready per round, ms</h2>
${htmlTable(startupRoundsTable(rounds))}
<h2>Idle RSS per round, MiB</h2>
${htmlTable(rssRoundsTable(rounds))}
</body></html>
`;
}
