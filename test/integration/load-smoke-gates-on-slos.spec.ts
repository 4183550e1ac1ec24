import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chaosRequest } from './resilience-helpers';
import { runLabCli, type CliRun } from './support/lab-cli';
import { TEST_STATE_DIR } from './support/settings';

interface SmokeRun extends Pick<CliRun, 'code' | 'stdout' | 'stderr'> {
  readonly summary: {
    passed: boolean;
    thresholds: Array<{ metric: string; threshold: string; ok: boolean; value?: number }>;
    metrics: Record<string, unknown>;
  };
}

/** `npm run lab -- load smoke --duration 12s` against the test lab, as a user runs it. */
async function labLoadSmoke(): Promise<SmokeRun> {
  const results = mkdtempSync(join(tmpdir(), 'jeeves-load-'));
  // Bounded: 12 s of load, up to 10 s for the last replies, 30 s of slack for a busy machine.
  const { code, stdout, stderr } = await runLabCli(['load', 'smoke', '--duration', '12s'], {
    env: { ...process.env, LAB_STATE_DIR: TEST_STATE_DIR, LOAD_RESULTS_ROOT: results },
    timeoutMs: 90_000,
  });
  const dirs = readdirSync(join(results, 'results'));
  expect(dirs).toHaveLength(1);
  expect(dirs[0]).toMatch(/-load-smoke$/);
  expect(readdirSync(join(results, 'results', dirs[0])).sort()).toEqual(['summary.html', 'summary.json']);
  const summary = JSON.parse(
    readFileSync(join(results, 'results', dirs[0], 'summary.json'), 'utf8'),
  ) as SmokeRun['summary'];
  return { code, stdout, stderr, summary };
}

describe('lab load smoke: the SLO thresholds gate the exit code', () => {
  it('passes against the healthy lab: every flow and intent, thresholds met, exit 0', async () => {
    const run = await labLoadSmoke();
    expect({ code: run.code, failing: run.summary.thresholds.filter((t) => !t.ok) }).toEqual({ code: 0, failing: [] });
    expect(run.summary.passed).toBe(true);
    // The thresholds judged real samples, not empty metrics.
    for (const metric of [
      'http_req_duration{endpoint:post_message}',
      'http_req_duration{endpoint:get_message}',
      'http_req_duration{endpoint:user_history}',
      'jeeves_e2e_latency',
    ]) {
      expect(run.summary.thresholds.filter((t) => t.metric === metric).every((t) => typeof t.value === 'number')).toBe(
        true,
      );
    }
    expect(run.stdout).toMatch(/smoke: PASSED/);
    expect(run.stderr).toMatch(/rate .* req\/s .*p95/);
  });

  it('exits 99 (k6: thresholds failed) once a 600 ms latency fault on POST /v1/messages breaks the p95 < 500 ms SLO', async () => {
    const slowPosts = { type: 'latency', ms: 600, target: 'route:/v1/messages', durationMs: 60_000 };
    const added = await chaosRequest('gateway', 'POST', '', slowPosts);
    expect(added.status).toBe(201);
    const { id } = added.body as { id: string };
    try {
      const run = await labLoadSmoke();
      expect(run.code).toBe(99);
      expect(run.summary.passed).toBe(false);
      const failing = run.summary.thresholds.filter((t) => !t.ok).map((t) => `${t.metric} ${t.threshold}`);
      expect(failing).toEqual(expect.arrayContaining(['http_req_duration{endpoint:post_message} p(95)<500']));
      expect(run.stdout).toMatch(/smoke: FAILED/);
    } finally {
      await chaosRequest('gateway', 'DELETE', `/${encodeURIComponent(id)}`);
    }
  });
});
