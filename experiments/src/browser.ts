import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { labSetting, labSettings } from '../../tools/lab';

export class BrowserError extends Error {
  readonly code = 'EBROWSER';
  override readonly name = 'BrowserError';
}

/** The experiments' own variable: CHROMIUM_BIN, the Chromium to render reports with (blank: unset). */
const browserShape = { CHROMIUM_BIN: labSetting.text() };

/** Debian's Chromium (`apt-get install -y chromium`); `CHROMIUM_BIN` (from `env`) points elsewhere. */
export function chromiumBinary(env: NodeJS.ProcessEnv = process.env): string {
  return labSettings(browserShape, env).CHROMIUM_BIN ?? 'chromium';
}

// No network, no first-run chores, a throwaway profile: a report must render on its own.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

function chromium(args: string[], timeoutMs: number): string {
  const profile = mkdtempSync(join(tmpdir(), 'experiment-chromium-'));
  try {
    const run = spawnSync(chromiumBinary(), [...FLAGS, `--user-data-dir=${profile}`, ...args], {
      encoding: 'utf8',
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.error)
      throw new BrowserError(
        `could not run ${chromiumBinary()} (${run.error.message}); install it with apt-get install -y chromium`,
      );
    if (run.status !== 0) throw new BrowserError(`${chromiumBinary()} exited ${run.status}: ${run.stderr.slice(-500)}`);
    return run.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The DOM Chromium built from a report file: proof the page parses and what it drew. */
export function dumpDom(htmlFile: string, timeoutMs = 60_000): string {
  return chromium(['--dump-dom', pathToFileURL(htmlFile).href], timeoutMs);
}

/** A PNG of the page, `width` × `height` CSS pixels. */
export function screenshot(htmlFile: string, pngFile: string, width = 1280, height = 2600, timeoutMs = 60_000): void {
  chromium(
    [`--screenshot=${pngFile}`, `--window-size=${width},${height}`, '--hide-scrollbars', pathToFileURL(htmlFile).href],
    timeoutMs,
  );
}

/** Chart paths in a DOM dump: the series name and how many points it drew. */
export function plottedSeries(dom: string): Array<{ series: string; points: number }> {
  return [...dom.matchAll(/<path class="series" data-series="([^"]*)" data-points="(\d+)"/g)].map((m) => ({
    series: m[1],
    points: Number(m[2]),
  }));
}

/** How a live page (a web app, not a report file) is loaded before it is read. */
export interface LivePageOptions {
  readonly width?: number;
  readonly height?: number;
  /**
   * Chromium's `--virtual-time-budget`: the page's timers and fetches run until it goes idle or
   * this much virtual time has passed, so a single-page app has drawn its data before the dump.
   */
  readonly virtualTimeBudgetMs?: number;
  readonly timeoutMs?: number;
}

function livePageFlags(options: LivePageOptions): string[] {
  return [
    `--window-size=${options.width ?? 1400},${options.height ?? 2400}`,
    `--virtual-time-budget=${options.virtualTimeBudgetMs ?? 15_000}`,
    '--run-all-compositor-stages-before-draw',
    '--hide-scrollbars',
  ];
}

/** The DOM of a live page at `url` once its scripts have run (see LivePageOptions). */
export function dumpUrlDom(url: string, options: LivePageOptions = {}): string {
  return chromium([...livePageFlags(options), '--dump-dom', url], options.timeoutMs ?? 60_000);
}

/** A PNG of a live page at `url` once its scripts have run. */
export function screenshotUrl(url: string, pngFile: string, options: LivePageOptions = {}): void {
  chromium([...livePageFlags(options), `--screenshot=${pngFile}`, url], options.timeoutMs ?? 60_000);
}

/** The visible text of a DOM dump: scripts and styles dropped, tags removed, whitespace collapsed. */
export function visibleText(dom: string): string {
  return dom
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
