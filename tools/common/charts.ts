/**
 * One SVG line-chart renderer for the lab's HTML reports (experiments, load tests): inline SVG,
 * no scripts or external assets, so a report is one self-contained file.
 */

/** One line of a chart: points are [seconds, value]; a `null` value is a gap where the line lifts. */
export interface ChartSeries {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number | null]>;
  /** CSS colour; by default the series' place in CHART_PALETTE. */
  readonly color?: string;
}

/** A chart: a title, the unit of its values, and its lines. */
export interface Chart {
  readonly title: string;
  readonly unit: string;
  readonly series: readonly ChartSeries[];
}

/** A span of the time axis to shade (a fault's window), in seconds, with its label as a tooltip. */
export interface ChartWindow {
  readonly label: string;
  readonly startS: number;
  readonly endS: number;
}

export interface LineChartOptions {
  /** End of the time axis in seconds; by default the last point's time (at least 1). */
  readonly xMaxSeconds?: number;
  /** Spans to shade behind the lines. */
  readonly windows?: readonly ChartWindow[];
  /** 560 px by default. */
  readonly widthPx?: number;
  /** 220 px by default. */
  readonly heightPx?: number;
  /** Under the time axis; `seconds since the load started` by default. */
  readonly xLabel?: string;
}

/** Series colours, in order. */
export const CHART_PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** The stylesheet rules a page needs for the charts' figures and legends. */
export const CHART_CSS =
  'figure{margin:0;border:1px solid #eee;padding:6px}figcaption{font-weight:600}.legend{font-size:11px}.key{margin-right:10px}.key i{display:inline-block;width:10px;height:10px;margin-right:4px}';

/** Text as HTML (element content or a double-quoted attribute). */
export const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Round, readable axis ticks (1, 2, 5 × 10^n) from `min` to `max`, about `count` of them. */
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

/** SVG path data through the points; a gap (null) lifts the pen, so the next point starts a new stroke. */
function pathOf(points: ChartSeries['points'], x: (t: number) => number, y: (v: number) => number): string {
  const moves: string[] = [];
  let pen = false;
  for (const [t, v] of points) {
    if (v === null) {
      pen = false;
      continue;
    }
    moves.push(`${pen ? 'L' : 'M'}${x(t).toFixed(1)} ${y(v).toFixed(1)}`);
    pen = true;
  }
  return moves.join(' ');
}

/**
 * One chart as a `<figure>`: caption, inline SVG (shaded windows, value and time ticks, one path
 * per series, "no data" when there is no value at all) and a legend. Each path carries
 * `data-points` (its number of points with a value) so a test can tell a drawn line from an empty frame.
 */
export function renderLineChart(chart: Chart, options: LineChartOptions = {}): string {
  const drawn = drawnSeries(chart);
  const legend = drawn
    .map(({ s, color }) => `<span class="key"><i style="background:${color}"></i>${escapeHtml(s.name)}</span>`)
    .join(' ');
  return `<figure><figcaption>${escapeHtml(chart.title)} <small>(${escapeHtml(chart.unit)})</small></figcaption>${lineChartSvg(chart, options)}<div class="legend">${legend}</div></figure>`;
}

function drawnSeries(chart: Chart): Array<{ s: ChartSeries; color: string }> {
  return chart.series
    .map((s, i) => ({ s, color: s.color ?? CHART_PALETTE[i % CHART_PALETTE.length] }))
    .filter(({ s }) => s.points.some(([, v]) => v !== null));
}

/** Where a chart's `<svg>` sits inside a larger one, in px. */
interface Placement {
  readonly xPx?: number;
  readonly yPx?: number;
}

/** The chart's own `<svg>` element: frame, ticks, axis label and one path per series (no caption, no legend). */
function lineChartSvg(chart: Chart, options: LineChartOptions & Placement = {}): string {
  const width = options.widthPx ?? 560;
  const height = options.heightPx ?? 220;
  const pad = { left: 52, right: 12, top: 10, bottom: 28 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const drawn = drawnSeries(chart);
  const lastT = Math.max(0, ...chart.series.flatMap((s) => s.points.map(([t]) => t)));
  const xMax = Math.max(1, options.xMaxSeconds ?? lastT);
  const values = chart.series.flatMap((s) => s.points.flatMap(([, v]) => (v === null ? [] : [v])));
  const yMaxRaw = values.length ? Math.max(...values) : 1;
  const yMin = Math.min(0, ...(values.length ? values : [0]));
  const yMax = yMaxRaw > yMin ? yMaxRaw * 1.08 : yMin + 1;
  const x = (t: number): number => pad.left + (Math.min(Math.max(t, 0), xMax) / xMax) * w;
  const y = (v: number): number => pad.top + h - ((v - yMin) / (yMax - yMin)) * h;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart"${options.xPx !== undefined ? ` x="${options.xPx}" y="${options.yPx ?? 0}"` : ''} viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(chart.title)}">`,
  );
  parts.push(`<rect x="${pad.left}" y="${pad.top}" width="${w}" height="${h}" fill="#fff" stroke="#ccc"/>`);
  for (const e of options.windows ?? []) {
    const x0 = x(e.startS);
    const x1 = Math.max(x(e.endS), x0 + 2);
    parts.push(
      `<rect class="fault-window" x="${x0.toFixed(1)}" y="${pad.top}" width="${(x1 - x0).toFixed(1)}" height="${h}" fill="#f4a261" fill-opacity="0.22"><title>${escapeHtml(e.label)} (${e.startS.toFixed(1)}–${e.endS.toFixed(1)} s)</title></rect>`,
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
    `<text x="${pad.left + w / 2}" y="${height - 1}" font-size="10" text-anchor="middle" fill="#555">${escapeHtml(options.xLabel ?? 'seconds since the load started')}</text>`,
  );
  for (const { s, color } of drawn) {
    const d = pathOf(s.points, x, y);
    const count = s.points.filter(([, v]) => v !== null).length;
    parts.push(
      `<path class="series" data-series="${escapeHtml(s.name)}" data-points="${count}" d="${d}" fill="none" stroke="${color}" stroke-width="1.6"/>`,
    );
  }
  if (values.length === 0)
    parts.push(
      `<text x="${pad.left + w / 2}" y="${pad.top + h / 2}" font-size="12" text-anchor="middle" fill="#999">no data</text>`,
    );
  parts.push('</svg>');
  return parts.join('');
}

/**
 * Charts stacked in one standalone SVG document (for a picture beside a Markdown file, where no
 * HTML legend can follow): each chart's title, unit and legend drawn as SVG text above it.
 */
export function renderSvgDocument(charts: readonly Chart[], options: LineChartOptions = {}): string {
  const width = options.widthPx ?? 560;
  const height = options.heightPx ?? 220;
  const head = 34;
  const parts: string[] = [];
  charts.forEach((chart, i) => {
    const top = i * (height + head);
    parts.push(
      `<text x="4" y="${top + 14}" font-size="13" font-weight="600" fill="#222">${escapeHtml(chart.title)} <tspan font-weight="400" fill="#555">(${escapeHtml(chart.unit)})</tspan></text>`,
    );
    let x = 4;
    for (const { s, color } of drawnSeries(chart)) {
      parts.push(
        `<rect x="${x}" y="${top + 21}" width="10" height="10" fill="${color}"/><text x="${x + 14}" y="${top + 30}" font-size="11" fill="#333">${escapeHtml(s.name)}</text>`,
      );
      x += 24 + 6.5 * s.name.length;
    }
    parts.push(lineChartSvg(chart, { ...options, xPx: 0, yPx: top + head }));
  });
  const total = charts.length * (height + head);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${total}" width="${width}" height="${total}" font-family="sans-serif"><rect width="${width}" height="${total}" fill="#fff"/>${parts.join('')}</svg>\n`;
}
