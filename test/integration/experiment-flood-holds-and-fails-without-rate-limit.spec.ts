import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openLab } from '../../tools/lab/lab';
import { dumpDom, plottedSeries, screenshot } from '../../experiments/src/browser';
import { REPO_ROOT } from '../../tools/lab/config';
import { runAndReport } from '../../experiments/src/run';
import { TEST_STATE_DIR } from './support/settings';

const log = (line: string): void => void process.stderr.write(`[experiment] ${line}\n`);
const config = () => openLab(process.env, { stateDir: TEST_STATE_DIR });

/**
 * `lab experiment flood --short` against the test lab: one client floods and is refused with 429s
 * while the other keeps its SLOs. Then the same run with the protection removed (per-client rate
 * limit lifted): the flooder is never refused, so the verdict must fail. The passing run's report
 * is opened in headless Chromium and kept, with a screenshot, under results/.
 */
describe('experiment: flood', () => {
  it('passes: the flooder gets 429s, the demo client keeps its SLOs, and the report renders', async () => {
    const { record, files } = await runAndReport('flood', config(), { short: true, log });
    expect(record.verdict.failures).toEqual([]);
    expect(record.verdict.passed).toBe(true);
    const refused = record.measurements.find((m) => m.name === 'flooderRefusedPerSecond')?.value;
    expect(refused).toBeGreaterThan(1);
    expect(record.rollbacks.every((r) => r.ok)).toBe(true);

    const dom = dumpDom(files.html);
    expect(dom).toContain('<span id="verdict" class="verdict pass">PASSED</span>');
    const series = plottedSeries(dom);
    const drawn = (name: string): number =>
      Math.max(0, ...series.filter((s) => s.series === name).map((s) => s.points));
    // Prometheus range data (2xx request rate) and the driver's own per-second series, with points.
    expect(drawn('2xx')).toBeGreaterThan(10);
    expect(drawn('requests/s')).toBeGreaterThan(20);
    expect(dom).toContain('class="fault-window"');
    const png = join(files.dir, 'report.png');
    screenshot(files.html, png);
    expect(existsSync(png) && statSync(png).size).toBeGreaterThan(20_000);
    expect(files.dir.startsWith(join(REPO_ROOT, 'results'))).toBe(true);
  }, 300_000);

  it('fails when the per-client rate limit is lifted: the flooder is never refused', async () => {
    const { record } = await runAndReport('flood', config(), {
      short: true,
      log,
      adjust: (e) => ({
        ...e,
        env: { ...e.env, gateway: { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' } },
        // A gentler flood: without a limit every request becomes a message for the whole pipeline.
        method: e.method.map((s) => ('flood' in s ? { ...s, flood: { ...s.flood, rate: 25 } } : s)),
      }),
    });
    expect(record.verdict.passed).toBe(false);
    expect(record.verdict.failures).toContainEqual(
      expect.stringMatching(/^during: "the flooder gets 429s" expected > 0 \(sometimes\), measured 0/),
    );
    expect(record.rollbacks.every((r) => r.ok)).toBe(true);
  }, 300_000);
});
