import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  artifactsDir,
  consoleUrl,
  launchChromium,
  leakingResponses,
  recordResponses,
  seriousAxeViolations,
} from './console-browser-helpers';
import { chaosRequest, clearFaults, waitPipelineSettled } from './resilience-helpers';
import { waitFor } from './support/lab';

/**
 * The console's Experiments page in Debian's Chromium (playwright-core) against the real test lab:
 * `provider-outage --short` started from the page (the console runs the lab's own CLI), its phases,
 * steps and probes shown while it runs and its verdict, PASSED, at the end; a second start refused
 * while it runs; its report listed under past reports and opened; a second run cancelled from the
 * page once its fault is in, which rolls the fault back; no secret or token in anything the browser
 * got; axe-core finds no serious or critical violation. A screenshot goes to results/console/<time>/.
 */

const ARTIFACTS = artifactsDir();

describe('console: an experiment run from the page in a real browser', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let responses: ReturnType<typeof recordResponses>;

  beforeAll(async () => {
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // The context's responses: the page's and the report's, which opens in a tab of its own.
    responses = recordResponses(context);
    page = await context.newPage();
    // An experiment's load thresholds count from its first second: start on a settled pipeline.
    await waitPipelineSettled();
  }, 150_000);

  afterAll(async () => {
    // A run left going by a failed test would load the lab under the next spec: stop it first.
    await stopRunInProgress().catch(() => undefined);
    await clearFaults('provider').catch(() => undefined);
    await browser?.close();
  }, 120_000);

  const run = () => page.locator('section.run');
  const runState = () =>
    run()
      .getAttribute('data-run-state', { timeout: 1000 })
      .catch(() => null);
  const phaseState = (phase: string) =>
    page
      .locator(`section.run li[data-phase="${phase}"]`)
      .getAttribute('data-phase-state', { timeout: 1000 })
      .catch(() => null);
  const card = (name: string) => page.locator(`li[data-experiment="${name}"]`);

  it('starts provider-outage --short from the page, shows its phases and probes live, then its verdict: PASSED', async () => {
    await page.goto(`${consoleUrl()}/#/experiments`);
    await page.getByRole('heading', { name: 'Experiments', level: 2 }).waitFor();
    const outage = card('provider-outage');
    await outage.waitFor({ timeout: 30_000 });
    // What the catalogue says of it, from its definition: what it does, what it needs, how long.
    expect(await outage.textContent()).toMatch(/503.*Needs:.*Prometheus.*worker's \/metrics/s);
    expect(await card('broker-failover').textContent()).toMatch(/a 3-broker cluster/);

    await outage.getByLabel(/Short version/).check();
    await outage.getByRole('button', { name: 'Run provider-outage' }).click();
    await page.getByRole('status').filter({ hasText: 'Started provider-outage (short)' }).waitFor({ timeout: 10_000 });

    // Live: the method phase is the current one, and the steady state has been judged, before any verdict.
    await waitFor(async () => (await phaseState('method')) === 'current', {
      timeoutMs: 90_000,
      intervalMs: 250,
      what: 'the method phase shown as current',
    });
    expect(await run().locator('[data-verdict]').count()).toBe(0);
    expect(await phaseState('baseline')).toBe('done');
    expect(await phaseState('recovery')).toBe('pending');
    expect(await run().locator('tr[data-probe]').count()).toBeGreaterThanOrEqual(3);
    expect(await run().locator('li[data-step="outage"]').textContent()).toMatch(/inject error on provider/);

    // One run at a time: another start is refused, and the page says why.
    await card('flood').getByRole('button', { name: 'Run flood' }).click();
    await page.getByRole('alert').filter({ hasText: 'one experiment runs at a time' }).waitFor({ timeout: 10_000 });

    const verdict = run().locator('[data-verdict]').first();
    await verdict.waitFor({ timeout: 180_000 });
    await waitFor(async () => (await runState()) === 'passed' || (await runState()) === 'failed', {
      timeoutMs: 30_000,
      what: 'the run to end',
    });
    const text = await verdict.textContent();
    expect(text).toMatch(/Verdict: ✓ PASSED/);
    expect(await verdict.getAttribute('data-verdict')).toBe('passed');
    expect(await run().locator('.run-headline').textContent()).toMatch(/State: PASSED/);
    for (const phase of ['setup', 'baseline', 'method', 'recovery', 'load-end', 'rollback', 'measure'])
      expect({ phase, state: await phaseState(phase) }).toEqual({ phase, state: 'done' });
    expect(await run().getByRole('link', { name: 'Open the report' }).getAttribute('href')).toMatch(
      /^\/reports\/[\dT-]+Z-provider-outage\/report\.html$/,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'experiments.png'), fullPage: true });
  }, 300_000);

  it("lists the run's report under past reports and opens it", async () => {
    const href = await run().getByRole('link', { name: 'Open the report' }).getAttribute('href');
    const id = /^\/reports\/([^/]+)\/report\.html$/.exec(href ?? '')?.[1];
    const row = page.locator(`tr[data-report="${id}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.getAttribute('data-report-verdict')).toBe('passed');
    expect(await row.textContent()).toMatch(/provider-outage.*short.*PASSED/);
    const [report] = await Promise.all([
      context.waitForEvent('page'),
      row.getByRole('link', { name: /^Open report/ }).click(),
    ]);
    await report.waitForLoadState();
    expect(report.url()).toBe(`${consoleUrl()}${href}`);
    expect(await report.locator('body').textContent()).toMatch(/provider-outage[\s\S]*PASSED/);
    await report.close();
    // Served as a page of its own: no script, sandboxed (an opaque origin, never the console's).
    const served = await fetch(`${consoleUrl()}${href}`);
    expect(served.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(served.headers.get('content-security-policy')).toMatch(/default-src 'none'.*sandbox/);
  }, 60_000);

  it('cancels a run from the page once its fault is in: it rolls back (the fault cleared) and says CANCELLED', async () => {
    await card('provider-outage').getByRole('button', { name: 'Run provider-outage' }).click();
    await waitFor(async () => (await phaseState('method')) === 'current', {
      timeoutMs: 90_000,
      intervalMs: 250,
      what: 'the method phase (the outage injected)',
    });
    await waitFor(async () => ((await chaosRequest('provider', 'GET')).body as unknown[]).length === 1, {
      timeoutMs: 10_000,
      what: "the experiment's fault on the provider",
    });
    const cancelledAt = Date.now();
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await waitFor(async () => (await runState()) === 'cancelled', {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'the run to be cancelled',
    });
    // Bounded well inside the console's grace (60 s): the CLI stopped, rolled back, reported.
    expect(Date.now() - cancelledAt).toBeLessThan(60_000);
    expect(await run().locator('.run-headline').textContent()).toMatch(/State: CANCELLED/);
    expect(await run().locator('[data-verdict]').first().textContent()).toMatch(/✗ FAILED.*\(interrupted\)/s);
    expect((await chaosRequest('provider', 'GET')).body).toEqual([]);
  }, 180_000);

  it('never hands the browser a client secret or a token, and talks to the console only', async () => {
    const seen = await responses.settled();
    const paths = new Set(seen.filter((r) => r.url.startsWith('http')).map((r) => new URL(r.url).pathname));
    expect([...paths]).toEqual(
      expect.arrayContaining([
        '/',
        '/api/experiments',
        '/api/experiments/runs',
        '/api/experiments/runs/current',
        '/api/experiments/reports',
      ]),
    );
    expect([...paths].some((p) => /^\/reports\/.+\/report\.html$/.test(p))).toBe(true);
    expect(seen.filter((r) => !r.url.startsWith(consoleUrl()) && !r.url.startsWith('data:'))).toEqual([]);
    expect(leakingResponses(seen)).toEqual([]);
    expect(seen.filter((r) => /access-control-allow/i.test(r.headers)).map((r) => r.url)).toEqual([]);
  });

  it('has no serious or critical accessibility violations on the Experiments page (axe-core)', async () => {
    const report = await seriousAxeViolations(browser, ['experiments'], async (audited) => {
      // The last run and the past reports drawn, and one plan opened.
      await audited.locator('section.run').waitFor({ timeout: 15_000 });
      await audited.locator('table.reports').waitFor({ timeout: 15_000 });
      await audited.locator('li[data-experiment="provider-outage"] details summary').click();
    });
    expect(report).toEqual({ experiments: [] });
  }, 60_000);
});

/** Cancels the console's run if one is going (as the page does), and waits until it has ended. */
async function stopRunInProgress(): Promise<void> {
  const current = async () =>
    (
      (await (await fetch(`${consoleUrl()}/api/experiments/runs/current`)).json()) as {
        run: { id: string; state: string } | null;
      }
    ).run;
  const run = await current();
  if (!run || (run.state !== 'running' && run.state !== 'cancelling')) return;
  await fetch(`${consoleUrl()}/api/experiments/runs/${run.id}/cancel`, {
    method: 'POST',
    headers: { 'x-console-request': '1' },
  });
  await waitFor(async () => !['running', 'cancelling'].includes((await current())?.state ?? ''), {
    timeoutMs: 90_000,
    intervalMs: 500,
    what: 'the run left going to end',
  });
}
