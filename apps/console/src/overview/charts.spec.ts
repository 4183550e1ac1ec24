import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHARTS, chartData, MAX_POINTS, rangeWindow, seriesName } from './charts';
import { COUNTER_FAMILIES } from './edges';

describe('rangeWindow', () => {
  it('ends on a step boundary, spans the minutes asked, and never exceeds MAX_POINTS or goes under 5 s', () => {
    expect(rangeWindow(15, 1_000_003.7)).toEqual({ startS: 999_100, endS: 1_000_000, stepS: 5 });
    const day = rangeWindow(360, 1_000_000);
    expect(day.stepS).toBe(90);
    expect((day.endS - day.startS) / day.stepS + 1).toBeLessThanOrEqual(MAX_POINTS + 1);
  });
});

describe('chartData', () => {
  const spec = CHARTS.find((c) => c.id === 'throughput');
  if (!spec) throw new Error('no throughput chart');
  const window = { startS: 100, endS: 120, stepS: 5 };

  it('lays every series on the shared grid, null where a point is missing, NaN or infinite', () => {
    const data = chartData(spec, window, [
      [
        {
          labels: {},
          points: [
            [100, 1],
            [105, 2],
            [115, Number.NaN],
            [130, 9],
          ],
        },
      ],
      [
        {
          labels: { status: 'replied' },
          points: [
            [110, 3],
            [120, Number.POSITIVE_INFINITY],
          ],
        },
        { labels: { status: 'failed' }, points: [] },
      ],
    ]);
    expect(data.timestamps).toEqual([100, 105, 110, 115, 120]);
    expect(data.series).toEqual([
      { name: 'accepted (gateway)', values: [1, 2, null, null, null] },
      { name: 'failed (data-service)', values: [null, null, null, null, null] },
      { name: 'replied (data-service)', values: [null, null, 3, null, null] },
    ]);
    expect(data).toMatchObject({ id: 'throughput', unit: 'messages/s' });
  });

  it('names series from their labels', () => {
    expect(seriesName('{group} on {topic}', { group: 'jeeves-bot' })).toBe('jeeves-bot on ?');
  });
});

describe('every query names what the lab records and exports', () => {
  const rules = parse(readFileSync(join(__dirname, '../../../../prometheus/rules/recording.yml'), 'utf8')) as {
    groups: Array<{ rules: Array<{ record?: string }> }>;
  };
  const recorded = new Set(rules.groups.flatMap((g) => g.rules.map((r) => r.record)).filter(Boolean));
  const documented = readFileSync(join(__dirname, '../../../../docs/observability.md'), 'utf8');
  const queries = [...CHARTS.flatMap((c) => c.queries.map((q) => q.promql)), ...COUNTER_FAMILIES.map((f) => f.promql)];

  it.each(queries)('%s', (query) => {
    const names = query.match(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=[[{)\s]|$)/g) ?? [];
    const series = names.filter((n) => n.includes(':') || n.startsWith('jeeves_'));
    expect(series.length).toBeGreaterThan(0);
    for (const name of series) {
      if (name.includes(':')) expect(recorded).toContain(name);
      else expect(documented).toContain(`\`${name.replace(/_(count|bucket|sum)$/, '')}`);
    }
  });
});
