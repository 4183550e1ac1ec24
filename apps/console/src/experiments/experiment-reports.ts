import { lstatSync, readdirSync, readFileSync, realpathSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import type { ReportList, ReportRun, ReportSummary } from '../api-types';

export type { ReportRun, ReportSummary } from '../api-types';

/**
 * The experiment reports under results/ (what `lab experiment` writes: ADR 0070, docs/experiments.md):
 * `results/<stamp>-<experiment>/report.html` beside its `report.json`, or for variants and rounds
 * one such pair per `<variant>[-r<round>]/` subfolder and a `comparison.html` beside them.
 */

/** `2026-12-01T01-59-02Z-provider-outage`: a run folder's name, as experiments/src/report.ts makes it. */
const RUN_DIR = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})Z-([a-z][a-z0-9-]*)$/;
/** A variant's or round's subfolder (`kafka`, `acks-all-r2`). */
const SUB_DIR = /^[a-z][a-z0-9-]*$/;
/** The only files served: the report pages. */
export const REPORT_PAGES = ['report.html', 'comparison.html'] as const;
export type ReportPage = (typeof REPORT_PAGES)[number];
/** A report.json above this is not read (a run's is a few MB at most). */
const MAX_JSON_BYTES = 64 * 1024 * 1024;

interface RunJson {
  experiment?: unknown;
  short?: unknown;
  variant?: unknown;
  durationSeconds?: unknown;
  interrupted?: unknown;
  verdict?: { passed?: unknown; failures?: unknown };
}

/** lstat, or undefined when there is nothing there. */
function lstat(path: string): Stats | undefined {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a path under the results dir made of names matched by RUN_DIR/SUB_DIR/REPORT_PAGES
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** A real directory or a regular file, never a symbolic link (one could point anywhere). */
const isDir = (path: string): boolean => lstat(path)?.isDirectory() === true;
const isFile = (path: string): boolean => lstat(path)?.isFile() === true;

/**
 * Lists the experiment reports in one results folder and hands out their pages. A request's names
 * never reach the file system unchecked: each must match the shape a report's folder or file has,
 * name a real directory or regular file (no symbolic link), resolve inside the results folder, and
 * be an experiment's report (its JSON beside it names the experiment its folder does).
 */
export class ExperimentReports {
  private readonly summaries = new Map<string, { mtimeMs: number; size: number; json: RunJson | undefined }>();

  constructor(
    /** The results folder (`<root>/results`). */
    private readonly resultsDir: string,
    /** How many folders `list` reads, newest first. */
    private readonly limit = 100,
  ) {}

  /** The newest report folders first (at most `limit`), each with its runs' verdicts. */
  list(): ReportList {
    let names: string[];
    try {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the configured results folder
      names = readdirSync(this.resultsDir);
    } catch {
      return { reports: [], total: 0 };
    }
    const folders = names
      .filter((name) => RUN_DIR.test(name))
      .sort()
      .reverse();
    const reports: ReportSummary[] = [];
    let total = 0;
    for (const id of folders) {
      const summary = this.summary(id);
      if (!summary) continue;
      total += 1;
      if (reports.length < this.limit) reports.push(summary);
    }
    return { reports, total };
  }

  /**
   * One report page's bytes: `report.html` of a run folder (`sub` absent) or of its variant's
   * subfolder, or a folder's `comparison.html`. Undefined for anything else.
   */
  page(id: string, sub: string | undefined, page: string): Buffer | undefined {
    const match = RUN_DIR.exec(id);
    if (!match || (sub !== undefined && !SUB_DIR.test(sub)) || !(REPORT_PAGES as readonly string[]).includes(page))
      return undefined;
    if (page === 'comparison.html' && sub !== undefined) return undefined;
    const experiment = match[5];
    const folder = join(this.resultsDir, id);
    const dir = sub === undefined ? folder : join(folder, sub);
    if (!isDir(folder) || !isDir(dir)) return undefined;
    const file = join(dir, page);
    const json = join(dir, page === 'report.html' ? 'report.json' : 'comparison.json');
    if (!isFile(file) || !isFile(json)) return undefined;
    // Its JSON must say it is this experiment's: a page some other tool left in a look-alike folder is not served.
    if (this.readJson(json)?.experiment !== experiment) return undefined;
    try {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the configured results folder
      const root = realpathSync(this.resultsDir) + sep;
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- names matched above, each a real directory or file
      if (!realpathSync(file).startsWith(root)) return undefined;
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- checked above: a regular file inside the results folder
      return readFileSync(file);
    } catch {
      return undefined;
    }
  }

  private summary(id: string): ReportSummary | undefined {
    const match = RUN_DIR.exec(id);
    const folder = join(this.resultsDir, id);
    if (!match || !isDir(folder)) return undefined;
    const experiment = match[5];
    const startedAt = `${match[1]}T${match[2]}:${match[3]}:${match[4]}Z`;
    const base = `/reports/${id}`;
    const runs: ReportRun[] = [];
    const runOf = (dir: string, sub: string | undefined): void => {
      if (!isFile(join(dir, 'report.html')) || !isFile(join(dir, 'report.json'))) return;
      const json = this.readJson(join(dir, 'report.json'));
      if (json && json.experiment !== experiment) return;
      const passed = typeof json?.verdict?.passed === 'boolean' ? json.verdict.passed : null;
      runs.push({
        ...(sub === undefined ? {} : { sub }),
        ...(typeof json?.variant === 'string' ? { variant: json.variant } : {}),
        passed,
        interrupted: json?.interrupted === true,
        failures: Array.isArray(json?.verdict?.failures) ? json.verdict.failures.length : 0,
        durationSeconds: typeof json?.durationSeconds === 'number' ? json.durationSeconds : null,
        url: `${base}/${sub === undefined ? '' : `${sub}/`}report.html`,
      });
    };
    runOf(folder, undefined);
    if (runs.length === 0) {
      let subs: string[] = [];
      try {
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- a run folder matched by RUN_DIR
        subs = readdirSync(folder).filter((name) => SUB_DIR.test(name) && isDir(join(folder, name)));
      } catch {
        subs = [];
      }
      for (const sub of subs.sort()) runOf(join(folder, sub), sub);
    }
    if (runs.length === 0) return undefined;
    const comparison =
      isFile(join(folder, 'comparison.html')) &&
      this.readJson(join(folder, 'comparison.json'))?.experiment === experiment;
    const first = this.readJson(join(folder, runs[0].sub ?? '', 'report.json'));
    return {
      id,
      experiment,
      startedAt,
      short: typeof first?.short === 'boolean' ? first.short : null,
      passed: runs.some((r) => r.passed === false) ? false : runs.every((r) => r.passed === true) ? true : null,
      runs,
      ...(comparison ? { comparisonUrl: `${base}/comparison.html` } : {}),
    };
  }

  /** The few fields of a report's JSON the list shows, read once per version of the file. */
  private readJson(path: string): RunJson | undefined {
    const stats = lstat(path);
    if (!stats?.isFile()) return undefined;
    const cached = this.summaries.get(path);
    if (cached && cached.mtimeMs === stats.mtimeMs && cached.size === stats.size) return cached.json;
    let json: RunJson | undefined;
    if (stats.size <= MAX_JSON_BYTES) {
      try {
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- a report.json/comparison.json under a matched run folder
        const parsed = JSON.parse(readFileSync(path, 'utf8')) as RunJson & { passed?: unknown };
        json = {
          experiment: parsed.experiment,
          short: parsed.short,
          variant: parsed.variant,
          durationSeconds: parsed.durationSeconds,
          interrupted: parsed.interrupted,
          verdict: parsed.verdict
            ? { passed: parsed.verdict.passed, failures: parsed.verdict.failures }
            : { passed: parsed.passed },
        };
      } catch {
        json = undefined;
      }
    }
    this.summaries.set(path, { mtimeMs: stats.mtimeMs, size: stats.size, json });
    return json;
  }
}
