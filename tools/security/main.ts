/**
 * `npm run security`: the security checks (docs/security.md), one after the other, then a summary.
 * Exit 1 when any check fails; an audit the registry does not answer is reported, not failed.
 *   --skip <name>[,<name>]   skip checks by name (eslint, lockfile, audit, secrets)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { AUDIT_ARGS, classifyAudit, describeAudit } from './audit';
import { checkLockfile } from './lockfile';
import { describeFinding, installedGitleaks, scanSecrets } from './secrets';

const ROOT = resolve(__dirname, '..', '..', '..');

type Outcome = 'passed' | 'FAILED' | 'not checked' | 'skipped';
interface Result {
  readonly outcome: Outcome;
  readonly summary: string;
  readonly details?: readonly string[];
}

/** The rules of eslint.config.mjs that are there for security; the rest is `npm run lint`'s. */
const SECURITY_RULES = new Set([
  'no-eval',
  'no-new-func',
  '@typescript-eslint/no-implied-eval',
  'no-restricted-syntax',
]);
const isSecurityRule = (ruleId: string): boolean => ruleId.startsWith('security/') || SECURITY_RULES.has(ruleId);

async function eslintCheck(): Promise<Result> {
  const eslint = new ESLint({ cwd: ROOT, ruleFilter: ({ ruleId }) => isSecurityRule(ruleId) });
  const results = await eslint.lintFiles(['.']);
  const found = results.flatMap((r) =>
    r.messages
      .filter((m) => m.ruleId !== null && isSecurityRule(m.ruleId))
      .map((m) => `${r.filePath.slice(ROOT.length + 1)}:${m.line} ${m.ruleId}: ${m.message}`),
  );
  const files = results.length;
  return found.length === 0
    ? { outcome: 'passed', summary: `no findings in ${files} files` }
    : { outcome: 'FAILED', summary: `${found.length} findings in ${files} files`, details: found };
}

/** The registry npm installs from: npm run's environment, else `npm config get registry`. */
function npmRegistry(): string {
  const fromEnv = process.env.npm_config_registry;
  if (fromEnv) return fromEnv;
  const run = spawnSync('npm', ['config', 'get', 'registry'], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`npm config get registry failed: ${run.stderr.trim()}`);
  return run.stdout.trim();
}

function lockfileCheck(): Result {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as unknown;
  const report = checkLockfile(lock, npmRegistry());
  return report.problems.length === 0
    ? {
        outcome: 'passed',
        summary: `${report.packages} packages: registry versions with sha512 integrity, no git/file/link/http sources`,
      }
    : {
        outcome: 'FAILED',
        summary: `${report.problems.length} problems in ${report.packages} packages`,
        details: report.problems.map((p) => `${p.key}: ${p.problem}`),
      };
}

/** How long npm waits for the registry (its fetch-timeout), and how long we wait for npm. */
const AUDIT_FETCH_TIMEOUT_MS = 30_000;
const AUDIT_KILL_AFTER_MS = 90_000;

function auditCheck(): Result {
  const run = spawnSync('npm', [...AUDIT_ARGS], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: AUDIT_KILL_AFTER_MS,
    maxBuffer: 64 * 1024 * 1024,
    // One attempt, bounded: a registry that does not serve the audit endpoint answers the same each
    // time, and one that does not answer at all must not hold CI for npm's default five minutes.
    env: { ...process.env, npm_config_fetch_retries: '0', npm_config_fetch_timeout: String(AUDIT_FETCH_TIMEOUT_MS) },
  });
  const killed = (run.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  const verdict = classifyAudit({
    status: run.status,
    stdout: run.stdout ?? '',
    stderr: run.stderr ?? '',
    ...(killed ? { killedAfterSeconds: AUDIT_KILL_AFTER_MS / 1000 } : {}),
  });
  const outcome: Outcome = { clean: 'passed', vulnerable: 'FAILED', unavailable: 'not checked', error: 'FAILED' }[
    verdict.kind
  ] as Outcome;
  return { outcome, summary: describeAudit(verdict) };
}

function secretsCheck(): Result {
  const findings = scanSecrets({ gitleaks: installedGitleaks(ROOT), repo: ROOT, config: join(ROOT, '.gitleaks.toml') });
  return findings.length === 0
    ? {
        outcome: 'passed',
        summary: 'no secrets in the git history or the uncommitted changes (.gitleaks.toml allow-list)',
      }
    : {
        outcome: 'FAILED',
        summary: `${findings.length} possible secrets: remove them (and rotate them), or allow-list a fixture with its reason in .gitleaks.toml`,
        details: findings.map(describeFinding),
      };
}

const CHECKS: Readonly<Record<string, { title: string; run: () => Result | Promise<Result> }>> = {
  eslint: { title: 'ESLint security rules', run: eslintCheck },
  lockfile: { title: 'lockfile sources', run: lockfileCheck },
  audit: { title: 'npm audit (production, high)', run: auditCheck },
  secrets: { title: 'secrets (gitleaks)', run: secretsCheck },
};

function skipped(argv: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = arg === '--skip' ? argv[++i] : arg.startsWith('--skip=') ? arg.slice('--skip='.length) : undefined;
    if (value === undefined)
      throw new Error(`unknown argument ${arg}; usage: npm run security [-- --skip eslint,audit]`);
    for (const name of value.split(',')) {
      if (!Object.hasOwn(CHECKS, name))
        throw new Error(`--skip ${name}: the checks are ${Object.keys(CHECKS).join(', ')}`);
      names.add(name);
    }
  }
  return names;
}

async function main(): Promise<number> {
  const skip = skipped(process.argv.slice(2));
  const rows: { title: string; result: Result; seconds: number }[] = [];
  for (const [name, check] of Object.entries(CHECKS)) {
    const started = performance.now();
    let result: Result;
    if (skip.has(name)) result = { outcome: 'skipped', summary: '--skip' };
    else {
      process.stderr.write(`[security] ${check.title}\n`);
      try {
        result = await check.run();
      } catch (error) {
        result = { outcome: 'FAILED', summary: error instanceof Error ? error.message : String(error) };
      }
    }
    rows.push({ title: check.title, result, seconds: (performance.now() - started) / 1000 });
  }
  const width = Math.max(...rows.map((r) => r.title.length));
  console.log('Security checks (docs/security.md):');
  for (const { title, result, seconds } of rows) {
    console.log(
      `  ${title.padEnd(width)}  ${result.outcome.padEnd(11)}  ${seconds.toFixed(1).padStart(5)} s  ${result.summary}`,
    );
    for (const line of result.details?.slice(0, 50) ?? []) console.log(`      ${line}`);
    if ((result.details?.length ?? 0) > 50) console.log(`      … and ${result.details!.length - 50} more`);
  }
  return rows.some((r) => r.result.outcome === 'FAILED') ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
