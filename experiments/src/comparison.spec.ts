import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { comparisonRows, spread, writeComparison, type ComparedRun } from './comparison';
import type { RunRecord } from './runner';
import { sampleRecord } from './testing';

const run = (dir: string, variant: string, overrides: Partial<RunRecord>): ComparedRun => ({
  record: sampleRecord({ variant, ...overrides }),
  charts: [{ title: 'p99 latency (gateway)', unit: 's', series: [{ name: 'p99', points: [[1_800_000_010, 0.5]] }] }],
  files: { dir: join(dir, variant), json: join(dir, variant, 'report.json'), html: join(dir, variant, 'report.html') },
});

describe('variants side by side', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'comparison-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const runs = (): ComparedRun[] => [
    run(dir, 'http', { measurements: [{ name: 'readP99Seconds', unit: 's', value: 0.05, expect: '<= 3', ok: true }] }),
    run(dir, 'kafka', {
      measurements: [
        { name: 'readP99Seconds', unit: 's', value: 3.4, expect: '<= 3', ok: false },
        { name: 'lateReplies', unit: '', value: 7 },
      ],
      verdict: { passed: false, failures: ['readP99Seconds = 3.4 (expected <= 3)'], noData: [] },
    }),
  ];

  it('puts each measurement of either run in one row, a value per variant', () => {
    const { variants, rows } = comparisonRows(runs().map((r) => r.record));
    expect(variants).toEqual(['http', 'kafka']);
    expect(rows.find((r) => r.name === 'readP99Seconds')).toMatchObject({
      values: [[0.05], [3.4]],
      ok: [[true], [false]],
    });
    // A measurement only one run has is "no data" for the other, never a zero.
    expect(rows.find((r) => r.name === 'lateReplies')).toMatchObject({ values: [[undefined], [7]] });
    // The sample runs have no ledger: no row for it.
    expect(rows.map((r) => r.name).slice(-2)).toEqual(['recoverySeconds', 'loadFailedShare']);
  });

  it('writes comparison.html linking each run and comparison.json with the verdicts', () => {
    const files = writeComparison(dir, runs());
    const html = readFileSync(files.html, 'utf8');
    expect(html).toContain('NOT ALL PASSED');
    expect(html).toContain('href="http/report.html"');
    expect(html).toContain('href="kafka/report.html"');
    expect(html).toContain('p99 latency (gateway) — kafka');
    expect(html).toContain('3.4 ✗');
    const json = JSON.parse(readFileSync(files.json, 'utf8')) as {
      passed: boolean;
      runs: Array<{ variant: string; passed: boolean; report: string }>;
    };
    expect(json.passed).toBe(false);
    expect(json.runs).toEqual([
      expect.objectContaining({ variant: 'http', passed: true, report: 'http/report.json' }),
      expect.objectContaining({ variant: 'kafka', passed: false, report: 'kafka/report.json' }),
    ]);
  });

  it('shows several rounds as median (min–max) per variant, and counts the rounds that missed', () => {
    const p99 = (variant: string, value: number, ok: boolean): ComparedRun =>
      run(dir, variant, { measurements: [{ name: 'readP99Seconds', unit: 's', value, expect: '<= 3', ok }] });
    const rounds = [
      p99('http', 0.05, true),
      p99('kafka', 2.2, true),
      p99('http', 0.07, true),
      p99('kafka', 3.4, false),
      p99('http', 0.04, true),
      p99('kafka', 2.3, true),
    ];
    const { rows } = comparisonRows(rounds.map((r) => r.record));
    expect(rows[0].values).toEqual([
      [0.05, 0.07, 0.04],
      [2.2, 3.4, 2.3],
    ]);
    expect(spread(rows[0].values[1])).toEqual({ median: 2.3, min: 2.2, max: 3.4, n: 3 });
    const html = readFileSync(writeComparison(dir, rounds).html, 'utf8');
    expect(html).toContain('2.3 <small>(2.2–3.4)</small> ✗ 1/3');
    expect(html).toContain('0.05 <small>(0.04–0.07)</small> ✓');
  });
});
