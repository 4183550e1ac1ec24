/**
 * promtool, for the checks that only Prometheus' own code can do (config, rules, PromQL parsing,
 * rule unit tests). A missing promtool is a failure with the install hint, never a skip.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { queryReferences, seriesIndex, labelsOf, type ExtraSeries } from './metric-catalogue';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const RULES_DIR = join(REPO_ROOT, 'prometheus', 'rules');

export interface PromtoolResult {
  readonly status: number;
  /** stdout and stderr together: promtool splits its reports between them. */
  readonly output: string;
}

export class PromtoolMissingError extends Error {
  constructor(cause: unknown) {
    super(
      "promtool is not installed or not on PATH (PROMTOOL overrides the path): install Debian's `prometheus` package " +
        '(apt-get install prometheus), which ships /usr/bin/promtool.',
      { cause },
    );
    this.name = 'PromtoolMissingError';
  }
}

/** Runs `promtool <args>`; throws PromtoolMissingError when it cannot be started. */
export function promtool(args: readonly string[], cwd = REPO_ROOT): PromtoolResult {
  const bin = process.env.PROMTOOL || 'promtool';
  const run = spawnSync(bin, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (run.error) throw new PromtoolMissingError(run.error);
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
