import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  knownInstances,
  openLab,
  prometheusPid,
  prometheusUrl,
  startPrometheus,
  stopPrometheus,
} from '../../tools/lab';
import { HttpPrometheus } from '../../tools/common';
import { lab, waitFor } from './support/lab';
import { runLabCli } from './support/lab-cli';
import { TEST_STATE_DIR } from './support/settings';

const log = (line: string): void => void process.stderr.write(`[no-prometheus] ${line}\n`);
const config = () => openLab(process.env, { stateDir: TEST_STATE_DIR });

/**
 * The case: Prometheus stopped on purpose, `lab experiment provider-outage` must exit 2 in
 * under 10 s with one line naming Prometheus and how to start it — no run, no verdict, no report
 * that says FAILED. The test lab's Prometheus is stopped for this spec only and started again
 * afterwards with the lab's own config and targets, scraping every instance before the next spec.
 */
describe('experiment with Prometheus stopped', () => {
  let results: string;

  beforeAll(async () => {
    results = mkdtempSync(join(tmpdir(), 'no-prometheus-'));
    if (!lab().prometheusUrl) throw new Error('the test lab runs without Prometheus; this spec needs it up to stop it');
    expect(await stopPrometheus(config(), log)).toBe(true);
    expect(prometheusPid(config())).toBeUndefined();
  });

  afterAll(async () => {
    rmSync(results, { recursive: true, force: true });
    const c = config();
    const state = await startPrometheus(c, knownInstances(c), log);
    if (!state.url) throw new Error(`could not start the test lab's Prometheus again: ${state.skipped}`);
    // Later specs read rates from it: wait until every instance of the lab is scraped again.
    const prometheus = new HttpPrometheus(prometheusUrl(c));
    const instances = knownInstances(c).length;
    await waitFor(async () => ((await prometheus.instant('count(up{job="jeeves"} == 1)')) ?? 0) >= instances, {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: `Prometheus to scrape all ${instances} instances again`,
    });
  }, 90_000);

  it('exits 2 in under 10 s with one line naming Prometheus and `npm run lab -- up`; writes no report', async () => {
    // Far above the bound: a run that did start would hold the lab for minutes (SIGINT rolls it back).
    const {
      code,
      stdout,
      stderr,
      ms: elapsedMs,
    } = await runLabCli(['experiment', 'provider-outage'], {
      env: { ...process.env, LAB_STATE_DIR: TEST_STATE_DIR, EXPERIMENT_RESULTS_ROOT: results },
      timeoutMs: 60_000,
      killSignal: 'SIGINT',
    });
    log(`exit ${code} after ${elapsedMs} ms: ${stderr.trim()}`);

    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(elapsedMs).toBeLessThan(10_000);
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      `lab experiment: Prometheus is not answering on ${prometheusUrl(config())} (not running): start it with npm run lab -- up`,
    ]);
    expect(existsSync(join(results, 'results'))).toBe(false);
  }, 90_000);
});
