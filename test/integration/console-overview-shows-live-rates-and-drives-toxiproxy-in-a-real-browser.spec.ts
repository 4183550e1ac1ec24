import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import { HttpPrometheus, HttpToxiproxy } from '../../tools/common';
import { openLab, REPO_ROOT, type LabConfig } from '../../tools/lab';
import { labLinks, startToxiproxy, stopToxiproxy } from '../../tools/toxiproxy/server';
import { consoleUrl, launchChromium, seriousAxeViolations } from './console-browser-helpers';
import { postMessage, uniqueUser } from './pipeline-helpers';
import { lab, waitFor } from './support/lab';
import { TEST_STATE_DIR } from './support/settings';

/**
 * The console's Overview and Chaos pages in Debian's Chromium (playwright-core) against the real
 * test lab and its real Prometheus: while messages flow, the graph's edges show non-zero rates
 * from Prometheus and a chart draws Prometheus' data; the Chaos page adds a Toxiproxy latency toxic
 * that really delays traffic through the provider proxy, removes it, and turns the proxy off and on
 * (Toxiproxy started for the test lab as `lab chaos network up` does). The page talks to the console
 * only. axe-core finds no serious or critical violation; screenshots go to results/console/.
 */

const ARTIFACTS = join(REPO_ROOT, 'results', 'console', `rates-${new Date().toISOString().replace(/[:.]/g, '-')}`);
const LATENCY_MS = 400;

describe('console: live edge rates, charts and Toxiproxy network faults in a real browser', () => {
  let browser: Browser;
  let page: Page;
  let config: LabConfig;
  const toxiproxy = new HttpToxiproxy();
  const requested: string[] = [];
  let toxiproxyWasRunning = false;
  let sawToxiproxyOff: string | undefined;

  const prometheusUrl = (): string => {
    const url = lab().prometheusUrl;
    if (!url) throw new Error(`the test lab has no Prometheus: ${lab().prometheusProblem ?? 'see its log'}`);
    return url;
  };
  const open = async (tab: 'overview' | 'chaos') => {
    await page.goto(`${consoleUrl()}/#/${tab}`);
    await page.getByRole('heading', { level: 2 }).first().waitFor();
  };
  /** The provider proxy's own address: a request there crosses Toxiproxy. */
  const throughProxy = () => `http://${labLinks(config)[0]!.listen}/health/live`;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    config = openLab(process.env, { stateDir: TEST_STATE_DIR });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('request', (request: Request) => void requested.push(request.url()));
    toxiproxyWasRunning = await toxiproxy.version().then(
      () => true,
      () => false,
    );
    if (!toxiproxyWasRunning) {
      // Toxiproxy has one fixed port for the machine: the page can show it off only while nobody runs it.
      await open('chaos');
      const off = page.locator('section[data-toxiproxy="false"] .toxiproxy-off');
      await off.waitFor({ timeout: 10_000 });
      sawToxiproxyOff = (await off.textContent()) ?? '';
    }
    await startToxiproxy(config, () => undefined);
  }, 90_000);

  afterAll(async () => {
    if (toxiproxyWasRunning) {
      // Someone else's Toxiproxy: undo only what this spec may have left (its toxic, a disabled proxy).
      await toxiproxy.removeToxic('provider', 'latency_downstream').catch(() => undefined);
      await toxiproxy.setEnabled('provider', true).catch(() => undefined);
    } else await stopToxiproxy(config, () => undefined);
    await browser?.close();
  });

  it('says on the Chaos page that Toxiproxy is not running, and how to start it, when it is not', () => {
    // Not asserted when another lab already ran Toxiproxy on the machine's one port (then nothing was off).
    if (!toxiproxyWasRunning) expect(sawToxiproxyOff).toMatch(/Toxiproxy is not running\. .*chaos network up/);
  });

  it('labels the edges with non-zero Prometheus rates while messages flow, and draws a chart of them', async () => {
    await open('overview');
    const user = uniqueUser('console-rates');
    let stop = false;
    const traffic = (async () => {
      for (let i = 0; !stop; i++) {
        await postMessage(user, `weather in ${['Paris', 'Lima', 'Oslo'][i % 3]}`).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    const rate = (edge: string) =>
      page
        .locator(`[data-edge="${edge}"]`)
        .getAttribute('data-rate', { timeout: 1000 })
        .then(Number)
        .catch(() => 0);
    try {
      await waitFor(
        async () =>
          (await page.locator('[data-rates-source="prometheus"]').count()) === 1 &&
          (await rate('gateway->kafka')) > 0 &&
          (await rate('kafka->bot')) > 0 &&
          (await rate('kafka->worker')) > 0 &&
          (await rate('worker->provider')) > 0,
        { timeoutMs: 90_000, intervalMs: 1000, what: 'non-zero Prometheus rates on the Overview edges' },
      );
      // Said in words on the graph (two lines per edge) and in the table, not by colour.
      expect(await page.locator('[data-edge="gateway->kafka"] tspan').allTextContents()).toEqual([
        expect.stringMatching(/^produces [0-9.]+\/s$/),
        expect.stringMatching(/^[0-9.]+% errors$/),
      ]);
      expect(await page.locator('[data-edge="kafka->bot"] tspan').allTextContents()).toEqual([
        expect.stringMatching(/^consumes [0-9.]+\/s$/),
        expect.stringMatching(/^[0-9.]+% dead-lettered · lag \d+$/),
      ]);
      expect(await page.locator('[data-edge-row="worker->provider"]').textContent()).toMatch(
        /workerprovidercalls [0-9.]+\/s · [0-9.]+% failed/,
      );

      // The throughput chart: points drawn on its canvas, from the Prometheus the lab runs.
      const chart = page.locator('figure[data-chart="throughput"]');
      await waitFor(async () => Number(await chart.getAttribute('data-points').catch(() => '0')) > 0, {
        timeoutMs: 30_000,
        intervalMs: 1000,
        what: 'the throughput chart to have points',
      });
      expect(await chart.locator('canvas').count()).toBeGreaterThan(0);
      expect(await chart.locator('.chart-summary').textContent()).toMatch(
        /accepted \(gateway\).*: now [0-9.]+ messages\/s/,
      );
      expect(
        await new HttpPrometheus(prometheusUrl()).instant('sum(rate(jeeves_messages_accepted_total[1m]))'),
      ).toBeGreaterThan(0);
      await page.screenshot({ path: join(ARTIFACTS, 'overview.png'), fullPage: true });
    } finally {
      stop = true;
      await traffic;
    }
  }, 150_000);

  it('adds a latency toxic on the provider proxy from the Chaos page, which delays traffic through it, then removes it', async () => {
    await open('chaos');
    await page.locator('section[data-toxiproxy="true"]').waitFor({ timeout: 10_000 });
    await page.locator('select[name="proxy"]').selectOption('provider');
    await page.locator('select[name="toxicType"]').selectOption('latency');
    await page.locator('select[name="stream"]').selectOption('downstream');
    await page.locator('input[name="attribute-latency"]').fill(String(LATENCY_MS));
    await page.getByRole('button', { name: 'Add toxic' }).click();
    const row = page.locator('tr[data-proxy="provider"][data-toxic="latency_downstream"]');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain(`latency=${LATENCY_MS}`);
    const stored = (await toxiproxy.proxies()).provider?.toxics ?? [];
    expect(stored).toEqual([
      expect.objectContaining({ type: 'latency', attributes: { latency: LATENCY_MS, jitter: 0 } }),
    ]);
    // The toxic holds every answer through the proxy for at least its latency.
    const started = performance.now();
    expect((await fetch(throughProxy())).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(LATENCY_MS);
    await page.screenshot({ path: join(ARTIFACTS, 'chaos-toxiproxy.png'), fullPage: true });

    await page.getByRole('button', { name: 'Remove toxic latency_downstream from provider' }).click();
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    expect((await toxiproxy.proxies()).provider?.toxics).toEqual([]);
  }, 60_000);

  it('turns the provider proxy off (connections refused) and on again from the Chaos page', async () => {
    await open('chaos');
    const proxyRow = page.locator('tr[data-proxy="provider"]').first();
    await page.getByRole('button', { name: 'Disable provider' }).click();
    await page.locator('tr[data-proxy="provider"][data-enabled="false"]').waitFor({ timeout: 10_000 });
    expect(await proxyRow.textContent()).toContain('disabled (every connection cut)');
    await expect(fetch(throughProxy(), { signal: AbortSignal.timeout(5000) })).rejects.toThrow();
    await page.getByRole('button', { name: 'Enable provider' }).click();
    await page.locator('tr[data-proxy="provider"][data-enabled="true"]').waitFor({ timeout: 10_000 });
    expect((await fetch(throughProxy())).status).toBe(200);
  }, 60_000);

  it('has the page call the console only (never Prometheus or Toxiproxy), and no serious or critical axe violation', async () => {
    expect(requested.filter((url) => !url.startsWith(consoleUrl()) && !url.startsWith('data:'))).toEqual([]);
    expect(requested.some((url) => url.includes('/api/overview/charts'))).toBe(true);
    expect(requested.some((url) => url.endsWith('/api/chaos/network'))).toBe(true);

    // The parts under audit drawn first: the charts with their tables, the Toxiproxy section with its form.
    const report = await seriousAxeViolations(browser, ['overview', 'chaos'], (audited, tab) =>
      audited
        .locator(tab === 'overview' ? 'figure[data-chart="throughput"]' : 'section[data-toxiproxy="true"] form')
        .waitFor({ timeout: 15_000 }),
    );
    expect(report).toEqual({ overview: [], chaos: [] });
  }, 60_000);
});
