import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatAxis, formatTime, formatValue } from './format';
import type { ChartData } from './types';

// Each line has its own colour and its own dash pattern, and is named in the text beside the chart:
// telling lines apart never depends on colour alone.
const STYLES: ReadonlyArray<{ stroke: string; dash: number[]; pattern: string }> = [
  { stroke: '#1f5fbf', dash: [], pattern: 'solid line' },
  { stroke: '#b00020', dash: [10, 5], pattern: 'dashed line' },
  { stroke: '#1e7b34', dash: [2, 4], pattern: 'dotted line' },
  { stroke: '#8a4b00', dash: [12, 4, 2, 4], pattern: 'dash-dot line' },
];
const HEIGHT = 200;
/** Rows of the data table: the newest points (the summary covers the whole window). */
const TABLE_ROWS = 12;

function styleOf(index: number) {
  return STYLES[index % STYLES.length];
}

function latest(values: ReadonlyArray<number | null>): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i];
  return null;
}

/** One sentence per line: latest value and peak over the window, or that it had no data. */
function summaryOf(chart: ChartData, minutes: number): string[] {
  if (chart.series.length === 0) return [`No series in the last ${minutes} minutes.`];
  return chart.series.map((s, i) => {
    const known = s.values.filter((v): v is number => v !== null);
    const where = `${s.name} (${styleOf(i).pattern})`;
    if (known.length === 0) return `${where}: no data in the last ${minutes} minutes.`;
    return `${where}: now ${formatValue(latest(s.values), chart.unit)}, peak ${formatValue(Math.max(...known), chart.unit)} in the last ${minutes} minutes.`;
  });
}

/**
 * A time-series chart drawn by uPlot on a canvas, which assistive technology cannot read: the
 * canvas is hidden from it, and the same data is given as text (latest and peak per line) and as
 * a table of the newest points.
 */
export function TimeChart({ chart, minutes }: { chart: ChartData; minutes: number }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const shape = chart.series.map((s) => s.name).join('\u0000');

  // A new set of lines builds a new plot; new points on the same lines only replace its data.
  useEffect(() => {
    const element = host.current;
    if (!element) return undefined;
    const options: uPlot.Options = {
      width: Math.max(280, element.clientWidth),
      height: HEIGHT,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
      // The unit is in the caption; the axis carries numbers (ms for seconds), whole ones for counts.
      axes: [
        {},
        {
          values: (_u, splits) => splits.map((v) => formatAxis(v, chart.unit)),
          size: 60,
          ...(chart.unit === 'messages'
            ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000] }
            : {}),
        },
      ],
      series: [
        {},
        ...chart.series.map((s, i) => ({
          label: s.name,
          stroke: styleOf(i).stroke,
          dash: styleOf(i).dash,
          width: 2,
          spanGaps: false,
        })),
      ],
    };
    const created = new uPlot(options, toAligned(chart), element);
    plot.current = created;
    const resize = new ResizeObserver(() =>
      created.setSize({ width: Math.max(280, element.clientWidth), height: HEIGHT }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      created.destroy();
      plot.current = undefined;
    };
    // Rebuilt for a new shape (line names) or unit only; new data goes through setData below.
  }, [shape, chart.unit]);

  useEffect(() => {
    plot.current?.setData(toAligned(chart));
  }, [chart]);

  const points = chart.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0);
  const rows = chart.timestamps.map((t, i) => ({ t, i })).slice(-TABLE_ROWS);
  return (
    <figure className="chart" data-chart={chart.id} data-points={points} aria-labelledby={`chart-${chart.id}`}>
      <figcaption id={`chart-${chart.id}`}>
        {chart.title} ({chart.unit}), last {minutes} minutes
      </figcaption>
      <ul className="chart-summary">
        {summaryOf(chart, minutes).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      <div ref={host} className="chart-canvas" aria-hidden="true" />
      {chart.series.length > 0 && (
        <details>
          <summary>{`Table of the newest ${rows.length} points`}</summary>
          <table>
            <caption className="visually-hidden">{`${chart.title}, newest points`}</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                {chart.series.map((s) => (
                  <th key={s.name} scope="col">
                    {s.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map(({ t, i }) => (
                <tr key={t}>
                  <th scope="row">{formatTime(t)}</th>
                  {chart.series.map((s) => (
                    <td key={s.name}>{formatValue(s.values[i] ?? null, chart.unit)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </figure>
  );
}

function toAligned(chart: ChartData): uPlot.AlignedData {
  return [chart.timestamps as number[], ...chart.series.map((s) => s.values as Array<number | null>)];
}
