/**
 * The dependency audit: `npm audit --omit=dev --audit-level=high --json` (the production
 * dependencies; the registry's advisory database) and what its output means. A registry that does
 * not answer the audit request (network error, or any HTTP status: some registries and mirrors do
 * not serve the advisory endpoint) is reported, not failed; high or critical advisories fail.
 */

/** What `npm audit --json` left behind: its exit status (null when killed) and both streams. */
export interface AuditRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when we stopped npm after this many seconds (it was still waiting for the registry). */
  readonly killedAfterSeconds?: number;
}

/** Advisory counts by severity, as npm's report metadata gives them. */
export type SeverityCounts = Readonly<Record<'info' | 'low' | 'moderate' | 'high' | 'critical', number>>;

export type AuditVerdict =
  /** The registry answered; nothing high or critical. */
  | { readonly kind: 'clean'; readonly counts: SeverityCounts }
  /** The registry answered with high or critical advisories: `packages` are the affected ones. */
  | {
      readonly kind: 'vulnerable';
      readonly counts: SeverityCounts;
      readonly packages: readonly { name: string; severity: string }[];
    }
  /** The audit request got no answer; `reason` is npm's. Reported, not a failure. */
  | { readonly kind: 'unavailable'; readonly reason: string }
  /** npm failed for another reason (no lockfile, unreadable output): a failure. */
  | { readonly kind: 'error'; readonly reason: string };

/** The arguments of the audit this module classifies. */
export const AUDIT_ARGS = ['audit', '--omit=dev', '--audit-level=high', '--json'] as const;

/** Errors of the request itself (no answer at all): Node's and npm's fetch codes. */
const NETWORK_ERROR =
  /\b(?:ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ESOCKETTIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|ERR_SOCKET_TIMEOUT|socket hang up|network timeout)\b/;

/** Classifies one run of `npm audit` with AUDIT_ARGS (recorded examples: tools/security/fixtures/audit). */
export function classifyAudit(run: AuditRun): AuditVerdict {
  if (run.killedAfterSeconds !== undefined)
    return { kind: 'unavailable', reason: `no answer within ${run.killedAfterSeconds} s; npm audit was stopped` };
  const json = parseJson(run.stdout);
  if (json === undefined) {
    const said = firstLine(run.stderr) ?? firstLine(run.stdout) ?? 'no output';
    return { kind: 'error', reason: `npm audit printed no JSON report (exit ${String(run.status)}): ${said}` };
  }
  const counts = countsOf(json);
  if (counts) {
    const packages = affected(json);
    if (counts.high + counts.critical > 0) return { kind: 'vulnerable', counts, packages };
    if (run.status !== 0)
      return { kind: 'error', reason: `npm audit exited ${String(run.status)} without high or critical advisories` };
    return { kind: 'clean', counts };
  }
  const message = typeof json.message === 'string' ? json.message : undefined;
  const error = (typeof json.error === 'object' && json.error !== null ? json.error : {}) as Record<string, unknown>;
  const code = typeof error.code === 'string' ? error.code : undefined;
  const summary = typeof error.summary === 'string' && error.summary !== '' ? error.summary : undefined;
  // npm reports a failed audit request as {message, statusCode?, error: {summary: ''}}; its own
  // refusals (ENOLOCK, …) carry error.code.
  const httpStatus = typeof json.statusCode === 'number' ? json.statusCode : undefined;
  if (code === undefined && message !== undefined && (httpStatus !== undefined || NETWORK_ERROR.test(message)))
    return { kind: 'unavailable', reason: message };
  return {
    kind: 'error',
    reason: [code, summary ?? message ?? firstLine(run.stderr) ?? 'npm audit failed'].filter(Boolean).join(': '),
  };
}

/** One line for the summary: what the audit found, or why it did not run. */
export function describeAudit(verdict: AuditVerdict): string {
  switch (verdict.kind) {
    case 'clean':
      return `no high or critical advisories (${countsText(verdict.counts)})`;
    case 'vulnerable':
      return `${verdict.counts.critical} critical, ${verdict.counts.high} high: ${verdict.packages
        .filter((p) => p.severity === 'high' || p.severity === 'critical')
        .map((p) => `${p.name} (${p.severity})`)
        .join(', ')}; see npm audit --omit=dev`;
    case 'unavailable':
      return `the registry did not answer the audit request (${verdict.reason})`;
    case 'error':
      return verdict.reason;
  }
}

function countsText(counts: SeverityCounts): string {
  const parts = (['critical', 'high', 'moderate', 'low', 'info'] as const)
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`);
  return parts.length > 0 ? parts.join(', ') : 'none at all';
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function countsOf(json: Record<string, unknown>): SeverityCounts | undefined {
  const v = (json.metadata as { vulnerabilities?: Record<string, unknown> } | undefined)?.vulnerabilities;
  if (typeof v !== 'object' || v === null) return undefined;
  const n = (key: string): number => (typeof v[key] === 'number' ? v[key] : 0);
  return { info: n('info'), low: n('low'), moderate: n('moderate'), high: n('high'), critical: n('critical') };
}

function affected(json: Record<string, unknown>): { name: string; severity: string }[] {
  const vulnerabilities = json.vulnerabilities;
  if (typeof vulnerabilities !== 'object' || vulnerabilities === null) return [];
  return Object.entries(vulnerabilities as Record<string, { severity?: unknown }>)
    .map(([name, v]) => ({ name, severity: typeof v.severity === 'string' ? v.severity : 'unknown' }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function firstLine(text: string): string | undefined {
  return text.split('\n').find((line) => line.trim() !== '');
}
