import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { chromiumExecutable } from './chromium';

/**
 * How long `provider-outage --short` takes run from the console's Experiments page and from the
 * lab CLI, on a running lab, `runs` times each, alternating (CLI, page, CLI, page, …) so both see
 * the same machine. For each: the wall time (CLI: spawn to exit; page: the Run click to the verdict
 * drawn) and the runner's own duration (the load's start to the verdict, from the run), so the
 * difference is what each way adds around the same run. Prints each run and the median with the range.
 *
 *   node dist/tools/console/measure-experiment.js [runs] [lab state dir]
 *
 * The lab must be up with its console (`npm run lab -- up`); the state dir defaults to .lab/default.
 * Before each run it waits until the worker's breaker to the provider reads closed again.
 */

const ROOT = join(__dirname, '..', '..', '..');
const EXPERIMENT = 'provider-outage';

interface Lab {
  readonly consoleUrl?: string;
  readonly apps: Record<string, { url: string }>;
}

interface Timing {
  readonly wallS: number;
  readonly runS: number;
  readonly passed: boolean;
}

function readLab(stateDir: string): Lab {
  return JSON.parse(readFileSync(join(stateDir, 'lab.json'), 'utf8')) as Lab;
}

async function breakerClosed(lab: Lab, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = await fetch(`${lab.apps.worker.url}/metrics`)
      .then((r) => r.text())
      .catch(() => '');
    if (/jeeves_breaker_state\{[^}]*dependency="provider"[^}]*state="closed"[^}]*\} 1\b/.test(text)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("the worker's breaker to the provider did not close");
}

/** `lab experiment provider-outage --short --events` as a user runs it; the runner's duration from its verdict event. */
async function cliRun(stateDir: string): Promise<Timing> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [join(ROOT, 'dist', 'tools', 'lab', 'main.js'), 'experiment', EXPERIMENT, '--short', '--events'],
    { cwd: ROOT, env: { ...process.env, LAB_STATE_DIR: stateDir }, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  await new Promise((r) => child.once('close', r));
  const wallS = (performance.now() - started) / 1000;
  const verdict = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { type: string; passed?: boolean; durationSeconds?: number })
    .find((e) => e.type === 'verdict');
  if (!verdict) throw new Error('the CLI told no verdict');
  return { wallS, runS: verdict.durationSeconds ?? NaN, passed: verdict.passed === true };
}

/** The same from the Experiments page: Run clicked → the verdict drawn; the runner's duration from the run's feed. */
async function pageRun(page: Page, consoleUrl: string): Promise<Timing> {
  await page.goto(`${consoleUrl}/#/experiments`);
  const card = page.locator(`li[data-experiment="${EXPERIMENT}"]`);
  await card.waitFor({ timeout: 30_000 });
  await card.getByLabel(/Short version/).check();
  const before = await page
    .locator('section.run')
    .getAttribute('data-run-id', { timeout: 2000 })
    .catch(() => null);
  const started = performance.now();
  await card.getByRole('button', { name: `Run ${EXPERIMENT}` }).click();
  const verdict = page.locator(`section.run:not([data-run-id="${before}"]) [data-verdict]`).first();
  await verdict.waitFor({ timeout: 300_000 });
  const wallS = (performance.now() - started) / 1000;
  const feed = (await (await fetch(`${consoleUrl}/api/experiments/runs/current`)).json()) as {
    entries: Array<{ event?: { type: string; durationSeconds?: number; passed?: boolean } }>;
  };
  const told = feed.entries.find((e) => e.event?.type === 'verdict')?.event;
  // The run has ended once its verdict is drawn; wait for the CLI to exit before the next run.
  await page.locator('section.run:not([data-run-state="running"]):not([data-run-state="cancelling"])').waitFor();
  return { wallS, runS: told?.durationSeconds ?? NaN, passed: told?.passed === true };
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return `${median.toFixed(1)} s (${sorted[0].toFixed(1)}–${sorted.at(-1)?.toFixed(1)})`;
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] || 3);
  const stateDir = resolve(ROOT, process.argv[3] || join('.lab', 'default'));
  const lab = readLab(stateDir);
  if (!lab.consoleUrl) throw new Error(`the lab in ${stateDir} runs no console`);
  const browser = await chromium.launch({ executablePath: chromiumExecutable(), args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const cli: Timing[] = [];
  const fromPage: Timing[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      for (const way of ['cli', 'page'] as const) {
        await breakerClosed(lab);
        const t = way === 'cli' ? await cliRun(stateDir) : await pageRun(page, lab.consoleUrl);
        (way === 'cli' ? cli : fromPage).push(t);
        process.stdout.write(
          `run ${i + 1} ${way.padEnd(4)}: wall ${t.wallS.toFixed(1)} s, runner ${t.runS.toFixed(1)} s, around it ${(t.wallS - t.runS).toFixed(1)} s, ${t.passed ? 'PASSED' : 'FAILED'}\n`,
        );
      }
    }
  } finally {
    await browser.close();
  }
  const rows = (name: string, t: Timing[]) =>
    `  ${name.padEnd(5)} wall ${summary(t.map((x) => x.wallS))}, runner ${summary(t.map((x) => x.runS))}, around it ${summary(t.map((x) => x.wallS - x.runS))}, passed ${t.filter((x) => x.passed).length}/${t.length}`;
  process.stdout.write(
    [
      `${EXPERIMENT} --short, median (range) of ${runs} runs each:`,
      rows('cli', cli),
      rows('page', fromPage),
      `  page / cli wall: ${(fromPage.reduce((a, t) => a + t.wallS, 0) / cli.reduce((a, t) => a + t.wallS, 0)).toFixed(
        3,
      )}`,
      '',
    ].join('\n'),
  );
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
