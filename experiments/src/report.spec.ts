import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectCharts, renderChart, renderHtml, reportDir, writeReport } from './report';
import { FakePrometheus } from '../../tools/common/testing';
import { sampleRecord } from './testing';

const record = sampleRecord;

// Canned Prometheus answers: a request rate that dips in the fault window, by status class.
const canned = new FakePrometheus(
  () => 0,
  (query, startS, endS) => {
    if (!query.includes('http_server_request_duration_seconds_count') || query.includes('5xx')) return [];
    const points: Array<[number, number]> = [];
    for (let t = startS; t <= endS; t += 1) points.push([t, t - startS > 20 && t - startS < 40 ? 2 : 8]);
    return [{ labels: { status_class: '2xx' }, points }];
  },
);

describe('report', () => {
  it('plots Prometheus range data with the fault window shaded', async () => {
    const r = record();
    const charts = await collectCharts(r, canned);
    const rate = charts.find((c) => c.title.startsWith('Request rate'));
    expect(rate?.series[0].name).toBe('2xx');
    expect(rate?.series[0].points).toHaveLength(61);
    expect(rate?.series[0].points[0]).toEqual([0, 8]);
    const svg = renderChart(rate!, r);
    expect(svg).toMatch(/<path class="series" data-series="2xx" data-points="61" d="M52\.0 [\d.]+ L/);
    // 20 s → 40 s of 60 s over a 496 px wide plot area starting at x = 52.
    expect(svg).toContain('<rect class="fault-window" x="217.3" y="10" width="165.3"');
    expect(svg).toContain('&lt;route:/v1/weather&gt;');
  });

  it('writes report.json and a self-contained report.html with the verdict and the hypothesis table', async () => {
    const root = mkdtempSync(join(tmpdir(), 'experiment-report-'));
    try {
      const r = record({
        verdict: { passed: false, failures: ['during: "opens" expected == 1, measured 0'], noData: [] },
      });
      const files = writeReport(join(root, 'out'), r, await collectCharts(r, canned));
      const html = readFileSync(files.html, 'utf8');
      expect(html).toContain('<span id="verdict" class="verdict fail">FAILED</span>');
      expect(html).toContain('during: &quot;opens&quot; expected == 1, measured 0');
      expect(html).toContain('<td>breakerReactionSeconds</td><td>1.25 s</td>');
      // Self-contained: no scripts, stylesheets or images fetched from anywhere.
      expect(html).not.toMatch(/<script|<link|src=|@import|url\(/);
      expect((html.match(/class="series"/g) ?? []).length).toBeGreaterThanOrEqual(4);
      const json = JSON.parse(readFileSync(files.json, 'utf8')) as {
        experiment: string;
        verdict: { passed: boolean };
        charts: unknown[];
      };
      expect(json.experiment).toBe('mini');
      expect(json.verdict.passed).toBe(false);
      expect(json.charts.length).toBeGreaterThan(7);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('shows a probe without data as "no data", apart from the out-of-bounds misses', async () => {
    const gap = 'no data from "fallback replies" (during; PromQL: replies; 0 samples of 21 1-s steps)';
    const r = record({
      probes: [
        {
          phase: 'during',
          name: 'opens',
          source: 'watch',
          expect: '== 1 (sometimes)',
          measured: 0,
          ok: false,
          outcome: 'out of bounds',
        },
        {
          phase: 'during',
          name: 'fallback replies',
          source: 'PromQL: replies',
          expect: '> 0 (sometimes)',
          measured: undefined,
          ok: false,
          outcome: 'no data',
        },
      ],
      verdict: {
        passed: false,
        failures: ['during: "opens" expected == 1 (sometimes), measured 0, out of bounds', gap],
        noData: [gap],
      },
    });
    const html = renderHtml(r, []);
    expect(html).toContain('<td>✗ out of bounds');
    expect(html).toMatch(/<tr class="nodata"><td>during<\/td><td>fallback replies<\/td>.*<td>no data<\/td><td>no data/);
    const failures = /<ul id="failures" class="badtext">(.*?)<\/ul>/.exec(html)?.[1] ?? '';
    const noData = /<ul id="no-data" class="nodatatext">(.*?)<\/ul>/.exec(html)?.[1] ?? '';
    expect(failures).toContain('opens');
    expect(failures).not.toContain('fallback replies');
    expect(noData).toContain('no data from &quot;fallback replies&quot;');
    expect(noData).not.toContain('opens');
  });

  it('still reports when Prometheus is not there', async () => {
    const charts = await collectCharts(record(), undefined);
    expect(charts.find((c) => c.title.startsWith('Request rate'))?.series).toEqual([]);
    expect(renderChart(charts[0], record())).toContain('no data');
    expect(charts.find((c) => c.title.startsWith('Load driver'))?.series[0].points).toEqual([[0, 5]]);
  });

  it('plots a sampled partition count as partitions over time, named by what it counts', async () => {
    const r = record({
      watched: {
        'cluster:under-replicated:all': [
          { t: 19.5, value: 0 },
          { t: 21, value: 67 },
          { t: 22, value: undefined },
          { t: 45, value: 0 },
        ],
      },
    });
    const charts = await collectCharts(r, undefined);
    const chart = charts.find((c) => c.title === 'Partitions under-replicated (every contract topic)');
    expect(chart?.unit).toBe('partitions (cluster metadata, sampled every 0.5 s)');
    expect(chart?.series).toEqual([
      {
        name: 'under-replicated',
        points: [
          [19.5, 0],
          [21, 67],
          [45, 0],
        ],
      },
    ]);
  });

  it('names result folders by time and experiment', () => {
    expect(reportDir('/r', 'flood', new Date('2026-11-27T20:15:03.456Z'))).toBe(
      '/r/results/2026-11-27T20-15-03Z-flood',
    );
  });
});
