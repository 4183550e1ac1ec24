import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The secrets scan: gitleaks (pinned, built into the lab cache by install-gitleaks.sh) with its own
 * rules and the repo's reviewed allow-list (.gitleaks.toml), over a git repository's whole history
 * and its uncommitted changes (staged and not), which together are every tracked file as it stands.
 */

/** One secret gitleaks reported (its value redacted). */
export interface SecretFinding {
  /** gitleaks's rule id, e.g. `private-key`, `github-pat`. */
  readonly rule: string;
  readonly file: string;
  readonly line: number;
  /** The commit holding it; empty for an uncommitted change. */
  readonly commit: string;
  /** Which scan found it. */
  readonly scan: SecretScan;
}

/** history: every commit; staged and unstaged: the changes not committed yet. */
export type SecretScan = 'history' | 'staged' | 'unstaged';

const SCANS: Readonly<Record<SecretScan, readonly string[]>> = {
  history: [],
  staged: ['--staged'],
  unstaged: ['--pre-commit'],
};

/** The exit status we ask gitleaks to use for "leaks found", to tell it from its own failures (1). */
const LEAKS_FOUND = 2;

export interface SecretScanOptions {
  /** The gitleaks binary. */
  readonly gitleaks: string;
  /** A git work tree (its top directory). */
  readonly repo: string;
  /** The gitleaks config (the repo's .gitleaks.toml). */
  readonly config: string;
  /** Per gitleaks run; default 120 s. */
  readonly timeoutMs?: number;
}

/** Runs the three scans; throws when gitleaks itself fails (not when it finds something). */
export function scanSecrets(options: SecretScanOptions): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'jeeves-gitleaks-'));
  try {
    for (const [scan, extra] of Object.entries(SCANS) as [SecretScan, readonly string[]][]) {
      const report = join(dir, `${scan}.json`);
      const args = ['git', options.repo, ...extra, '--config', options.config, '--redact', '--no-banner'];
      args.push('--log-level', 'error', '--report-format', 'json', '--report-path', report);
      args.push('--exit-code', String(LEAKS_FOUND));
      const run = spawnSync(options.gitleaks, args, {
        encoding: 'utf8',
        timeout: options.timeoutMs ?? 120_000,
      });
      if (run.error) throw new Error(`gitleaks (${scan}) did not run: ${run.error.message}`, { cause: run.error });
      if (run.status !== 0 && run.status !== LEAKS_FOUND)
        throw new Error(`gitleaks (${scan}) failed with exit ${String(run.status)}: ${run.stderr.trim()}`);
      for (const f of parseReport(readFileSync(report, 'utf8'))) findings.push({ ...f, scan });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return findings;
}

/** The findings in a gitleaks JSON report (an array of its Finding objects). */
export function parseReport(text: string): Omit<SecretFinding, 'scan'>[] {
  const items = JSON.parse(text) as unknown;
  if (!Array.isArray(items)) throw new Error('gitleaks report is not a JSON array');
  return items.map((item: Record<string, unknown>) => ({
    rule: String(item.RuleID),
    file: String(item.File),
    line: Number(item.StartLine),
    commit: typeof item.Commit === 'string' ? item.Commit : '',
  }));
}

/** `file:line rule (commit abc1234 | uncommitted)`. */
export function describeFinding(f: SecretFinding): string {
  const where = f.commit === '' ? `${f.scan} change` : `commit ${f.commit.slice(0, 12)}`;
  return `${f.file}:${f.line} ${f.rule} (${where})`;
}

/**
 * The pinned gitleaks in the lab cache; throws naming the install script when it is not there
 * (`root` is the repo, where tools/security/install-gitleaks.sh lives).
 */
export function installedGitleaks(root: string): string {
  const run = spawnSync('sh', [join(root, 'tools/security/install-gitleaks.sh'), '--check'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr.trim() || 'gitleaks is not installed');
  return run.stdout.trim();
}
