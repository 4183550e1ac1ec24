import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HttpPrometheus } from '../../tools/common';
import { openLab, REPO_ROOT } from '../../tools/lab';
import { dumpDom, plottedSeries, screenshot, runAndReport } from '../../experiments/src';
import { lab, waitFor } from './support/lab';
import { TEST_STATE_DIR } from './support/settings';
import { waitPipelineSettled } from './resilience-helpers';

const log = (line: string): void => void process.stderr.write(`[experiment] ${line}\n`);
const config = () => openLab(process.env, { stateDir: TEST_STATE_DIR });

/**
 * `lab experiment flood --short` against the test lab: one client floods and is refused with 429s
 * while the other keeps its SLOs. Then the same run with the protection removed (per-client rate
 * limit lifted): the flooder is never refused, so the verdict must fail. The passing run's report
 * is opened in headless Chromium and kept, with a screenshot, under results/.
 */
/** The steady-state probe of experiments/flood: the gateway's 5xx share over the last 30 s. */
const GATEWAY_5XX_SHARE =
  '(sum(rate(http_server_request_duration_seconds_count{service="gateway",status_class="5xx"}[30s])) or vector(0)) / sum(rate(http_server_request_duration_seconds_count{service="gateway"}[30s]))';

describe('experiment: flood', () => {
  // An experiment's load thresholds count from its first second: start on a settled pipeline,
  // not in the aftermath of the spec before (a broker restart, a killed consumer).
  beforeAll(() => waitPipelineSettled(), 120_000);

  // Specs before this one break the gateway's dependencies on purpose; start once their 503s have
  // left the probe's 30 s window, as an operator would wait for a steady system.
  beforeAll(async () => {
    const prometheusUrl = lab().prometheusUrl;
    if (!prometheusUrl) throw new Error(`the test lab has no Prometheus: ${lab().prometheusProblem ?? 'see its log'}`);
    const prometheus = new HttpPrometheus(prometheusUrl);
    await waitFor(
      async () => {
        const share = (await prometheus.instant(GATEWAY_5XX_SHARE)) ?? 0;
        return Number.isNaN(share) || share < 0.01;
      },
      {
        timeoutMs: 90_000,
        intervalMs: 2000,
        what: "the gateway's 5xx share to settle below 1 % before the experiment",
      },
    );
  }, 120_000);

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
