import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page, type Response } from 'playwright-core';
import { LAB_CLIENTS } from '#libs/contracts';
import { REPO_ROOT } from '../../tools/lab';
import { chromiumExecutable } from '../../tools/console/chromium';
import { lab } from './support/lab';

/**
 * What the console's browser specs share: the test lab's console URL, Debian's Chromium through
 * playwright-core, a record of every response the browser gets with the scan for secrets and
 * tokens, an axe-core audit, and the screenshot folder (results/console/<time>-<random>/).
 */

const JWT = /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]+/;
const SECRETS = [LAB_CLIENTS.admin.secret, LAB_CLIENTS.demo.secret];

/**
 * A folder for this spec file's screenshots: results/console/<time>-<random>/, created. Made with
 * mkdtemp: browser specs in two shards may start in the same millisecond (docs/testing.md).
 */
export function artifactsDir(): string {
  const parent = join(REPO_ROOT, 'results', 'console');
  mkdirSync(parent, { recursive: true });
  return mkdtempSync(join(parent, `${new Date().toISOString().replace(/[:.]/g, '-')}-`));
}

/** The test lab's console, as `lab up` started it. */
export function consoleUrl(): string {
  const url = lab().consoleUrl;
  if (!url) throw new Error('the test lab has no console: see .lab/test/logs/console.log');
  return url;
}

/** Debian's Chromium, headless, driven by playwright-core (no browser download). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumExecutable(), args: ['--no-sandbox'] });
}

/** One response the browser got: its URL, status, headers (as JSON) and body. */
export interface SeenResponse {
  readonly url: string;
  readonly status: number;
  readonly headers: string;
  readonly body: string;
}

/**
 * Records every response `page` gets (and, with `context`, every page of its context: the report
 * a link opens in a new tab). `settled()` resolves once every body has been read.
 */
export function recordResponses(target: Page | ReturnType<Page['context']>) {
  const seen: SeenResponse[] = [];
  const reading: Array<Promise<void>> = [];
  target.on('response', (response: Response) => {
    reading.push(
      (async () => {
        const body = await response.text().catch(() => '');
        seen.push({
          url: response.url(),
          status: response.status(),
          headers: JSON.stringify(await response.allHeaders()),
          body,
        });
      })(),
    );
  });
  return { seen, settled: () => Promise.all(reading).then(() => seen) };
}

/** The URLs of responses whose body or headers carry a client secret or anything shaped like a JWT. */
export function leakingResponses(seen: readonly SeenResponse[]): string[] {
  return seen
    .filter(
      (r) =>
        JWT.test(r.body) || JWT.test(r.headers) || SECRETS.some((s) => r.body.includes(s) || r.headers.includes(s)),
    )
    .map((r) => r.url);
}

/**
 * axe-core on each of the console's `tabs` (`#/<tab>`), once its first polls have filled it: the
 * ids of serious and critical violations per tab. axe is injected as a script, which only this
 * context's bypassCSP allows; the pages' own CSP is untouched.
 */
export async function seriousAxeViolations(
  browser: Browser,
  tabs: readonly string[],
  ready: (page: Page, tab: string) => Promise<void> = async () => undefined,
): Promise<Record<string, string[]>> {
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  try {
    const audited = await context.newPage();
    const report: Record<string, string[]> = {};
    for (const tab of tabs) {
      await audited.goto(`${consoleUrl()}/#/${tab}`);
      await audited.getByRole('heading', { level: 2 }).first().waitFor();
      // Let the first poll fill the page.
      await audited.waitForLoadState('networkidle');
      await ready(audited, tab);
      await audited.addScriptTag({ content: axeSource });
      const violations = await audited.evaluate(async () => {
        const axe = (
          globalThis as unknown as {
            axe: { run(): Promise<{ violations: Array<{ id: string; impact: string | null }> }> };
          }
        ).axe;
        return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact }));
      });
      report[tab] = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
    }
    return report;
  } finally {
    await context.close();
  }
}
