/**
 * promtool, for the checks that only Prometheus' own code can do (config, rules, PromQL parsing,
 * rule unit tests), always the pinned version's. A missing promtool is a failure with the install
 * hint, never a skip.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadLabConfig, findPrometheusTool, pinnedPrometheusVersion, prometheusCacheDir } from '../lab';
import { queryReferences, seriesIndex, labelsOf, type ExtraSeries } from './metric-catalogue';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const RULES_DIR = join(REPO_ROOT, 'prometheus', 'rules');

export interface PromtoolResult {
  readonly status: number;
  /** stdout and stderr together: promtool splits its reports between them. */
  readonly output: string;
}

export class PromtoolMissingError extends Error {
  override readonly name = 'PromtoolMissingError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

let resolved: { readonly key: string; readonly path: string } | undefined;

/**
 * The promtool of the pinned Prometheus (tools/prometheus/VERSION), found the way the lab finds it:
 * PROMTOOL as given, the lab cache, a promtool on PATH only if it is the pinned version. It does not
 * build (minutes, not a test's job): without one it throws PromtoolMissingError naming the step.
 */
export function promtoolPath(env: NodeJS.ProcessEnv = process.env): string {
  const cacheDir = loadLabConfig(env).cacheDir;
  const key = [env.PROMTOOL, env.PATH, cacheDir].join('\0');
  if (resolved?.key === key) return resolved.path;
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  let found;
  try {
    found = findPrometheusTool('promtool', { cacheDir, env, log });
  } catch (error) {
    throw new PromtoolMissingError((error as Error).message, { cause: error });
  }
  if (!found) {
    const version = pinnedPrometheusVersion();
    throw new PromtoolMissingError(
      `promtool ${version} (the pin in tools/prometheus/VERSION) is neither in ${prometheusCacheDir(cacheDir, version)} nor on PATH. ` +
        `Run \`npm run lab -- up\` once: it builds Prometheus ${version} and promtool with Go into that directory. ` +
        `Or set PROMTOOL to a promtool ${version}.`,
    );
  }
  resolved = { key, path: found.path };
  return found.path;
}

/** Runs `promtool <args>` (the pinned one, see promtoolPath); throws PromtoolMissingError when there is none. */
export function promtool(args: readonly string[], cwd = REPO_ROOT, input?: string): PromtoolResult {
  const bin = promtoolPath();
  const run = spawnSync(bin, args, {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    ...(input === undefined ? {} : { input }),
  });
  if (run.error) throw new PromtoolMissingError(`${bin} did not run: ${run.error.message}`, { cause: run.error });
  return { status: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
}

export interface ExpressionToCheck {
  /** Where it comes from, e.g. `jeeves-kafka / Rebalances / A`; promtool's errors name it. */
  readonly name: string;
  readonly expr: string;
}

/**
 * Parses PromQL with Prometheus' own parser: promtool has no expression command, but `check rules`
 * parses every rule's expression, so each expression becomes a recording rule in its own group.
 */
export function checkExpressions(expressions: readonly ExpressionToCheck[]): PromtoolResult {
  const dir = mkdtempSync(join(tmpdir(), 'promql-'));
  const file = join(dir, 'expressions.yml');
  const groups = expressions.map((e, i) => ({
    name: `${i}: ${e.name}`,
    rules: [{ record: `check:expression_${i}`, expr: e.expr }],
  }));
  writeFileSync(file, stringify({ groups }));
  return promtool(['check', 'rules', file]);
}

export interface Rule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly Rule[];
}

export interface RuleFile {
  readonly file: string;
  readonly groups: readonly RuleGroup[];
}

export function loadRuleFiles(dir = RULES_DIR): RuleFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => ({ file: join(dir, f), ...(parse(readFileSync(join(dir, f), 'utf8')) as { groups: RuleGroup[] }) }));
}

/**
 * The series that recording rules create, with the labels each may carry (those of the metrics its
 * expression reads), so queries on recorded series pass the catalogue check. Rules may build on
 * rules recorded before them.
 */
export function recordedSeries(files: readonly RuleFile[]): ExtraSeries[] {
  const index = seriesIndex();
  const recorded = new Map<string, ExtraSeries>();
  for (const rule of files.flatMap((f) => f.groups.flatMap((g) => g.rules))) {
    if (!rule.record) continue;
    const labels = new Set<string>();
    for (const name of queryReferences(rule.expr).metrics) {
      const metric = index.get(name);
      if (metric) labelsOf(metric, name).forEach((l) => labels.add(l));
      recorded.get(name)?.labels.forEach((l) => labels.add(l));
    }
    recorded.set(rule.record, { name: rule.record, labels: [...labels] });
  }
  return [...recorded.values()];
}
