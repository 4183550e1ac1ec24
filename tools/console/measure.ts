import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumExecutable } from './chromium';

/**
 * Measures the lab console on this machine, `runs` times each: the page's Vite build time, the
 * page's load time in Debian's Chromium (navigation start to the load event, and to the first
 * overview data drawn), and the console server's resident memory once the page has polled for a
 * while. Prints each run and the median with the range.
 *
 *   node dist/tools/console/measure.js [runs] [lab state dir]
 *
 * With a lab state dir (e.g. .lab, .lab/test) the console calls that lab's services, as `lab up`
 * would start it; without one, the services' default URLs.
 */

const ROOT = join(__dirname, '..', '..', '..');
const PORT = Number(process.env.CONSOLE_MEASURE_PORT || 3950);

interface Run {
  buildMs: number;
  loadEventMs: number;
  firstDataMs: number;
  rssMiB: number;
}

function serviceUrls(stateDir: string | undefined): string | undefined {
  if (!stateDir) return undefined;
  const lab = JSON.parse(readFileSync(join(ROOT, stateDir, 'lab.json'), 'utf8')) as {
    apps: Record<string, { url: string }>;
  };
  return Object.entries(lab.apps)
    .map(([name, app]) => `${name}=${app.url}`)
    .join(',');
}

function buildMs(): number {
  const started = performance.now();
  const run = spawnSync(
    join(ROOT, 'node_modules', '.bin', 'vite'),
    ['build', '--config', 'apps/console/web/vite.config.mjs'],
    {
      cwd: ROOT,
      stdio: 'ignore',
    },
  );
  if (run.status !== 0) throw new Error('vite build failed');
  return performance.now() - started;
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? 0) / 1024;
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms`);
}

async function pageRun(urls: string | undefined): Promise<Omit<Run, 'buildMs'>> {
  const server = spawn(process.execPath, [join(ROOT, 'dist', 'apps', 'console', 'src', 'main.js')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(PORT), LOG_LEVEL: 'warn', ...(urls ? { CONSOLE_SERVICE_URLS: urls } : {}) },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${PORT}`;
  const browser = await chromium.launch({ executablePath: chromiumExecutable(), args: ['--no-sandbox'] });
  try {
    await waitReady(`${base}/health/ready`, 30_000);
    const page = await browser.newPage();
    const started = Date.now();
    await page.goto(`${base}/#/overview`, { waitUntil: 'load' });
    await page.locator('[data-service]').first().waitFor({ timeout: 30_000 });
    const firstDataMs = Date.now() - started;
    const loadEventMs = await page.evaluate(() => {
      // Runs in the page (Navigation Timing Level 2); this tsconfig has no DOM types.
      const timing = (
        globalThis as unknown as {
          performance: { getEntriesByType(type: string): Array<{ loadEventEnd: number; startTime: number }> };
        }
      ).performance.getEntriesByType('navigation')[0];
      return timing.loadEventEnd - timing.startTime;
    });
    // Ten polls of the overview (2 s each): the server's memory as it runs, not just after boot.
    await page.waitForTimeout(20_000);
    return { loadEventMs, firstDataMs, rssMiB: rssMiB(server.pid ?? 0) };
  } finally {
    await browser.close();
    server.kill('SIGTERM');
  }
}

function summary(values: number[], digits: number): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return `${median.toFixed(digits)} (${sorted[0].toFixed(digits)}–${sorted.at(-1)?.toFixed(digits)})`;
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] || 3);
  const urls = serviceUrls(process.argv[3]);
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) {
    const build = buildMs();
    const page = await pageRun(urls);
    results.push({ buildMs: build, ...page });
    process.stdout.write(
      `run ${i + 1}: build ${build.toFixed(0)} ms, load event ${page.loadEventMs.toFixed(0)} ms, first data ${page.firstDataMs} ms, RSS ${page.rssMiB.toFixed(1)} MiB\n`,
    );
  }
  process.stdout.write(
    [
      `median (range) of ${runs} runs:`,
      `  vite build        ${summary(
        results.map((r) => r.buildMs),
        0,
      )} ms`,
      `  page load event   ${summary(
        results.map((r) => r.loadEventMs),
        0,
      )} ms`,
      `  first data drawn  ${summary(
        results.map((r) => r.firstDataMs),
        0,
      )} ms`,
      `  console RSS       ${summary(
        results.map((r) => r.rssMiB),
        1,
      )} MiB`,
      '',
    ].join('\n'),
  );
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
