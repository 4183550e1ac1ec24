import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExperimentReports } from './experiment-reports';

/** A results/ folder as the lab leaves it: experiment reports beside a load run, screenshots, and traps. */
function resultsFolder() {
  const root = mkdtempSync(join(tmpdir(), 'console-results-'));
  const results = join(root, 'results');
  const write = (path: string, body: string | object): void => {
    const full = join(results, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, typeof body === 'string' ? body : JSON.stringify(body));
  };
  const report = (experiment: string, passed: boolean, extra: object = {}) => ({
    experiment,
    short: true,
    durationSeconds: 55.2,
    interrupted: false,
    verdict: { passed, failures: passed ? [] : ['a', 'b'], noData: [] },
    ...extra,
  });
  // A plain run that passed, and an older one that failed.
  write('2026-12-01T10-00-00Z-provider-outage/report.html', '<h1>PASSED</h1>');
  write('2026-12-01T10-00-00Z-provider-outage/report.json', report('provider-outage', true));
  write('2026-11-30T09-00-00Z-flood/report.html', '<h1>FAILED</h1>');
  write('2026-11-30T09-00-00Z-flood/report.json', report('flood', false));
  // Variants, side by side.
  write('2026-12-01T11-00-00Z-reads-under-rebalance/http/report.html', '<h1>http</h1>');
  write(
    '2026-12-01T11-00-00Z-reads-under-rebalance/http/report.json',
    report('reads-under-rebalance', true, { variant: 'http' }),
  );
  write('2026-12-01T11-00-00Z-reads-under-rebalance/kafka/report.html', '<h1>kafka</h1>');
  write(
    '2026-12-01T11-00-00Z-reads-under-rebalance/kafka/report.json',
    report('reads-under-rebalance', false, { variant: 'kafka' }),
  );
  write('2026-12-01T11-00-00Z-reads-under-rebalance/comparison.html', '<h1>side by side</h1>');
  write('2026-12-01T11-00-00Z-reads-under-rebalance/comparison.json', {
    experiment: 'reads-under-rebalance',
    passed: false,
  });
  // Not experiment reports: a load run, the console's screenshots, a folder whose JSON names another experiment.
  write('2026-12-01T12-00-00Z-load-smoke/summary.html', '<h1>load</h1>');
  write('2026-12-01T12-00-00Z-load-smoke/summary.json', { scenario: 'smoke' });
  write('console/2026-12-01T12-00-00-000Z/experiments.png', 'png');
  write('2026-12-01T13-00-00Z-provider-outage/report.html', '<h1>look-alike</h1>');
  write('2026-12-01T13-00-00Z-provider-outage/report.json', report('flood', true));
  // Symbolic links that lead out of results/: a folder and a page.
  const outside = join(root, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'report.html'), 'SECRET');
  writeFileSync(join(outside, 'report.json'), JSON.stringify(report('worker-crash', true)));
  symlinkSync(outside, join(results, '2026-12-01T14-00-00Z-worker-crash'));
  mkdirSync(join(results, '2026-12-01T15-00-00Z-scale-out'));
  symlinkSync(join(outside, 'report.html'), join(results, '2026-12-01T15-00-00Z-scale-out', 'report.html'));
  writeFileSync(
    join(results, '2026-12-01T15-00-00Z-scale-out', 'report.json'),
    JSON.stringify(report('scale-out', true)),
  );
  writeFileSync(join(root, 'package.json'), '{"name":"not-a-report"}');
  return { root, results };
}

describe('experiment reports under results/', () => {
  const { results } = resultsFolder();
  const reports = new ExperimentReports(results);

  it('lists experiment report folders, newest first, with each run verdict and the comparison', () => {
    const { reports: listed, total } = reports.list();
    expect(listed.map((r) => r.id)).toEqual([
      '2026-12-01T11-00-00Z-reads-under-rebalance',
      '2026-12-01T10-00-00Z-provider-outage',
      '2026-11-30T09-00-00Z-flood',
    ]);
    expect(total).toBe(3);
    const [variants, outage, flood] = listed;
    expect(outage).toEqual({
      id: '2026-12-01T10-00-00Z-provider-outage',
      experiment: 'provider-outage',
      startedAt: '2026-12-01T10:00:00Z',
      short: true,
      passed: true,
      runs: [
        {
          passed: true,
          interrupted: false,
          failures: 0,
          durationSeconds: 55.2,
          url: '/reports/2026-12-01T10-00-00Z-provider-outage/report.html',
        },
      ],
    });
    expect(flood).toMatchObject({ passed: false, runs: [{ passed: false, failures: 2 }] });
    expect(variants).toMatchObject({
      passed: false,
      comparisonUrl: '/reports/2026-12-01T11-00-00Z-reads-under-rebalance/comparison.html',
      runs: [
        {
          sub: 'http',
          variant: 'http',
          passed: true,
          url: '/reports/2026-12-01T11-00-00Z-reads-under-rebalance/http/report.html',
        },
        { sub: 'kafka', variant: 'kafka', passed: false },
      ],
    });
  });

  it('lists at most `limit` folders, and says how many there are', () => {
    const { reports: listed, total } = new ExperimentReports(results, 1).list();
    expect(listed.map((r) => r.experiment)).toEqual(['reads-under-rebalance']);
    expect(total).toBe(3);
  });

  it('lists nothing, without failing, when results/ does not exist yet', () => {
    expect(new ExperimentReports(join(results, 'missing')).list()).toEqual({ reports: [], total: 0 });
  });

  it('serves a report page, a variant report and the comparison', () => {
    expect(reports.page('2026-12-01T10-00-00Z-provider-outage', undefined, 'report.html')?.toString()).toBe(
      '<h1>PASSED</h1>',
    );
    expect(reports.page('2026-12-01T11-00-00Z-reads-under-rebalance', 'kafka', 'report.html')?.toString()).toBe(
      '<h1>kafka</h1>',
    );
    expect(reports.page('2026-12-01T11-00-00Z-reads-under-rebalance', undefined, 'comparison.html')?.toString()).toBe(
      '<h1>side by side</h1>',
    );
  });

  it.each([
    ['path traversal in the folder', '..', undefined, 'report.html'],
    ['path traversal after a real folder', '2026-12-01T10-00-00Z-provider-outage', '..', 'report.html'],
    ['an encoded traversal', '%2e%2e', '%2e%2e', 'report.html'],
    ['a slash in the folder name', '2026-12-01T10-00-00Z-provider-outage/../..', undefined, 'report.html'],
    ['an absolute path', '/etc', undefined, 'passwd'],
    ['the report data, not its page', '2026-12-01T10-00-00Z-provider-outage', undefined, 'report.json'],
    ['a file that is not a report page', '2026-12-01T10-00-00Z-provider-outage', undefined, 'package.json'],
    ['a load run', '2026-12-01T12-00-00Z-load-smoke', undefined, 'summary.html'],
    ['a load run asked as a report', '2026-12-01T12-00-00Z-load-smoke', undefined, 'report.html'],
    ['the console screenshots', 'console', '2026-12-01T12-00-00-000Z', 'report.html'],
    [
      'a look-alike whose JSON names another experiment',
      '2026-12-01T13-00-00Z-provider-outage',
      undefined,
      'report.html',
    ],
    ['a folder that is a symbolic link out of results/', '2026-12-01T14-00-00Z-worker-crash', undefined, 'report.html'],
    ['a page that is a symbolic link out of results/', '2026-12-01T15-00-00Z-scale-out', undefined, 'report.html'],
    ['a comparison inside a variant', '2026-12-01T11-00-00Z-reads-under-rebalance', 'kafka', 'comparison.html'],
    ['a variant that does not exist', '2026-12-01T11-00-00Z-reads-under-rebalance', 'grpc', 'report.html'],
    ['a run that does not exist', '2026-12-02T10-00-00Z-provider-outage', undefined, 'report.html'],
  ])('serves nothing for %s', (_what, id, sub, page) => {
    expect(reports.page(id, sub, page)).toBeUndefined();
  });

  it('never lists what it would not serve', () => {
    const urls = reports.list().reports.flatMap((r) => [...r.runs.map((run) => run.url), r.comparisonUrl ?? []].flat());
    for (const url of urls) {
      const [, , id, ...rest] = url.split('/');
      const page = rest.pop()!;
      expect(reports.page(id, rest[0], page)).toBeInstanceOf(Buffer);
    }
    expect(urls.some((u) => /worker-crash|scale-out|load-smoke|13-00-00Z/.test(u))).toBe(false);
  });
});
