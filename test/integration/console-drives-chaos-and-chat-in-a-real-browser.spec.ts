import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  artifactsDir,
  consoleUrl,
  launchChromium,
  leakingResponses,
  recordResponses,
  seriousAxeViolations,
} from './console-browser-helpers';
import { postMessage, uniqueUser } from './pipeline-helpers';
import { addFault, chaosRequest, clearFaults } from './resilience-helpers';
import { lab, waitFor } from './support/lab';

/**
 * The lab console (apps/console) in Debian's Chromium, driven by playwright-core, against the real
 * test lab: a provider outage injected from the Chaos page opens the worker's breaker on the
 * Overview page within 15 s and clearing it closes it again; the Chat page follows "weather in
 * Paris" to its reply. Every response the browser gets is scanned for client secrets and tokens; a
 * cross-site page cannot make the console act; axe-core finds no serious or critical violation.
 * Screenshots of each page are kept under results/console/.
 */

const ARTIFACTS = artifactsDir();

describe('console: chaos, chat and overview in a real browser', () => {
  let browser: Browser;
  let page: Page;
  let responses: ReturnType<typeof recordResponses>;

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    responses = recordResponses(page);
  }, 60_000);

  afterAll(async () => {
    await clearFaults('provider').catch(() => undefined);
    await browser?.close();
  });

  const open = async (tab: 'overview' | 'chaos' | 'chat') => {
    await page.goto(`${consoleUrl()}/#/${tab}`);
    await page.getByRole('heading', { level: 2 }).first().waitFor();
  };
  /** The worker's provider breaker as the Overview shows it, or null while not drawn (never blocks a probe). */
  const breakerState = () =>
    page
      .locator('[data-service="worker"] [data-breaker="provider"]')
      .getAttribute('data-state', { timeout: 1000 })
      .catch(() => null);

  it('injects a provider outage from the Chaos page; the Overview shows the worker breaker open within 15 s, then closed once cleared', async () => {
    await clearFaults('provider');
    await open('overview');
    await waitFor(async () => (await breakerState()) === 'closed', {
      timeoutMs: 30_000,
      what: 'the overview to show the worker breaker closed',
    });
    await page.screenshot({ path: join(ARTIFACTS, 'overview.png'), fullPage: true });

    await open('chaos');
    // By name: a select's accessible name holds its options' text ("Target … whole service"); axe below checks the labels.
    await page.locator('select[name="service"]').selectOption('provider');
    await page.locator('select[name="type"]').selectOption('error');
    await page.locator('select[name="targetKind"]').selectOption('route');
    await page.getByLabel(/Route path/).fill('/v1/weather');
    await page.getByLabel(/^rate/).fill('1');
    await page.getByLabel(/^status/).fill('503');
    await page.getByLabel('Duration (seconds)').fill('120');
    await page.getByRole('button', { name: 'Inject fault' }).click();
    await page.getByRole('status').filter({ hasText: 'Injected error on provider' }).waitFor({ timeout: 10_000 });
    const injectedAt = Date.now();
    await page.locator('tr[data-service="provider"][data-fault-type="error"]').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'chaos.png'), fullPage: true });

    // The breaker opens on failed calls: the worker needs weather requests while the provider fails.
    await open('overview');
    const user = uniqueUser('console');
    const cities = ['Paris', 'Nuuk', 'Hobart', 'Ushuaia'];
    let sent = 0;
    await waitFor(
      async () => {
        void postMessage(user, `weather in ${cities[sent++ % cities.length]}`).catch(() => undefined);
        return (await breakerState()) === 'open';
      },
      { timeoutMs: 15_000, intervalMs: 300, what: 'the overview to show the worker breaker open' },
    );
    expect(Date.now() - injectedAt).toBeLessThan(15_000);
    await expectText(page, '[data-service="worker"] [data-breaker="provider"]', 'provider: open');
    await page.screenshot({ path: join(ARTIFACTS, 'overview-breaker-open.png'), fullPage: true });

    await open('chaos');
    await page.getByRole('button', { name: 'Clear error fault on provider' }).click();
    await page
      .locator('tr[data-service="provider"][data-fault-type="error"]')
      .waitFor({ state: 'detached', timeout: 10_000 });
    expect((await chaosRequest('provider', 'GET')).body).toEqual([]);

    await open('overview');
    await waitFor(
      async () => {
        void postMessage(user, 'weather in Oslo').catch(() => undefined);
        return (await breakerState()) === 'closed';
      },
      { timeoutMs: 30_000, intervalMs: 300, what: 'the overview to show the worker breaker closed again' },
    );
  }, 120_000);

  it('sends "weather in Paris" from the Chat page and shows accepted, then the reply and its trace', async () => {
    await open('chat');
    await page.getByLabel('User').fill(uniqueUser('console-chat'));
    await page.getByLabel('Message').fill('weather in Paris');
    await page.getByRole('button', { name: 'Send' }).click();
    const message = page.locator('li[data-message-id]').first();
    await message.waitFor({ timeout: 10_000 });
    await page.locator('li[data-message-id][data-status="replied"]').first().waitFor({ timeout: 30_000 });
    await expectText(page, 'li[data-message-id] .reply', 'Reply:');
    expect(await message.textContent()).toMatch(/Paris/);
    if (lab().zipkinUrl) expect(await message.locator('a[href*="/zipkin/traces/"]').count()).toBe(1);
    else expect(await message.textContent()).toMatch(/Trace id: [0-9a-f]{32}/);
    await page.screenshot({ path: join(ARTIFACTS, 'chat.png'), fullPage: true });
  }, 60_000);

  it('never hands the browser a client secret or a token', async () => {
    const seen = await responses.settled();
    // Every API the page uses answered at least once, and the page itself.
    const paths = new Set(
      seen
        .filter((r) => r.url.startsWith('http'))
        .map((r) => new URL(r.url).pathname.replace(/\/[0-9a-f-]{36}$/, '/:id')),
    );
    expect([...paths]).toEqual(
      expect.arrayContaining([
        '/',
        '/api/overview',
        '/api/chaos/forms',
        '/api/chaos/faults',
        '/api/chat/messages',
        '/api/chat/messages/:id',
      ]),
    );
    // The page talks to the console only (its empty data: favicon is no server's answer).
    expect(seen.filter((r) => !r.url.startsWith(consoleUrl()) && !r.url.startsWith('data:'))).toEqual([]);
    expect(leakingResponses(seen)).toEqual([]);
    // And no answer of the console grants cross-origin access.
    expect(seen.filter((r) => /access-control-allow/i.test(r.headers)).map((r) => r.url)).toEqual([]);
  });

  it('refuses state-changing calls from a cross-site page', async () => {
    // A sentinel fault (no effect: no route is called that) that a successful cross-site DELETE would remove.
    const sentinel = await addFault('data-service', {
      type: 'latency',
      ms: 0,
      target: 'route:/console-sentinel',
      durationMs: 120_000,
    });
    const evil = await crossSitePage(consoleUrl());
    try {
      const attacker = await browser.newPage();
      await attacker.goto(evil.url);
      await attacker.waitForFunction(() => (globalThis as unknown as { done?: boolean }).done === true, undefined, {
        timeout: 15_000,
      });
      const outcome = await attacker.evaluate(
        () => (globalThis as unknown as { outcome: Record<string, string> }).outcome,
      );
      // The preflighted calls never leave the browser (no CORS answer). The simple POST reaches the
      // console, which refuses it (no bot fault below); the browser drops even its opaque answer
      // (Cross-Origin-Resource-Policy: same-origin).
      expect(outcome.deleteWithHeader).toMatch(/^blocked/);
      expect(outcome.postWithHeader).toMatch(/^blocked/);
      expect(outcome.simplePost).toMatch(/^blocked/);
      await attacker.close();
      const faults = (await chaosRequest('data-service', 'GET')).body as Array<{ id: string }>;
      expect(faults.map((f) => f.id)).toContain(sentinel.id);
      expect(((await chaosRequest('bot', 'GET')).body as unknown[]).length).toBe(0);
      // The same simple POST outside a browser, with the headers a browser would add, is refused outright.
      const direct = await fetch(`${consoleUrl()}/api/chaos/faults`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin: evil.url.replace(/\/$/, ''), 'sec-fetch-site': 'cross-site' },
        body: JSON.stringify({ service: 'bot', spec: { type: 'latency', ms: 1 } }),
      });
      expect(direct.status).toBe(403);
    } finally {
      await evil.close();
      await chaosRequest('data-service', 'DELETE', `/${sentinel.id}`);
    }
  }, 60_000);

  it('has no serious or critical accessibility violations on any page (axe-core)', async () => {
    expect(await seriousAxeViolations(browser, ['overview', 'chaos', 'chat'])).toEqual({
      overview: [],
      chaos: [],
      chat: [],
    });
  }, 60_000);
});

async function expectText(page: Page, selector: string, text: string): Promise<void> {
  expect(await page.locator(selector).first().textContent()).toContain(text);
}

/**
 * A page on another site (`localhost` is not the console's `127.0.0.1`) that tries to make the
 * console act: a preflighted DELETE and POST with the console's CSRF header, and a "simple" text/plain
 * POST that needs no preflight. It writes what each attempt saw into `window.outcome`.
 */
async function crossSitePage(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const script = `
    const target = ${JSON.stringify(target)};
    const outcome = {};
    const attempt = async (name, init) => {
      try { const r = await fetch(target + '/api/chaos/faults', init); outcome[name] = r.type === 'opaque' ? 'opaque' : 'status ' + r.status; }
      catch (e) { outcome[name] = 'blocked: ' + e.message; }
    };
    (async () => {
      await attempt('deleteWithHeader', { method: 'DELETE', headers: { 'x-console-request': '1' } });
      await attempt('postWithHeader', { method: 'POST', headers: { 'x-console-request': '1', 'content-type': 'application/json' },
        body: JSON.stringify({ service: 'bot', spec: { type: 'latency', ms: 1 } }) });
      await attempt('simplePost', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ service: 'bot', spec: { type: 'latency', ms: 1 } }) });
      window.outcome = outcome; window.done = true;
    })();`;
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end(`<!doctype html><title>elsewhere</title><script>${script}</script>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://localhost:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
