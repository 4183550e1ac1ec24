import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AuditRun, classifyAudit, describeAudit } from './audit';

/** What npm printed and exited with, recorded by fixtures/audit/record.js against loopback registries. */
const recorded = (name: string): AuditRun =>
  JSON.parse(readFileSync(join(__dirname, 'fixtures', 'audit', `${name}.json`), 'utf8')) as AuditRun;

describe('npm audit results, as recorded', () => {
  it('a report without advisories passes', () => {
    const verdict = classifyAudit(recorded('clean'));
    expect(verdict).toEqual({ kind: 'clean', counts: { info: 0, low: 0, moderate: 0, high: 0, critical: 0 } });
    expect(describeAudit(verdict)).toBe('no high or critical advisories (none at all)');
  });

  it('moderate advisories pass, and are counted', () => {
    const verdict = classifyAudit(recorded('moderate-only'));
    expect(verdict.kind).toBe('clean');
    expect(describeAudit(verdict)).toBe('no high or critical advisories (3 moderate)');
  });

  it('a high advisory fails, naming each affected package', () => {
    const run = recorded('high');
    expect(run.status).toBe(1);
    const verdict = classifyAudit(run);
    expect(verdict).toMatchObject({ kind: 'vulnerable', counts: { high: 3, critical: 0 } });
    expect(describeAudit(verdict)).toBe(
      '0 critical, 3 high: @nestjs/platform-fastify (high), fastify (high), pino (high); see npm audit --omit=dev',
    );
  });

  it.each([
    ['status-404', /^404 Not Found - POST /],
    ['status-405', /^405 Method Not Allowed - POST /],
    ['status-503', /^503 Service Unavailable - POST /],
    ['no-answer', /^network timeout at: /],
    ['refused', /ECONNREFUSED/],
    ['unresolvable', /ENOTFOUND registry\.invalid/],
  ])('a registry that does not answer (%s) is reported with its reason, not failed', (name, reason) => {
    const verdict = classifyAudit(recorded(name));
    expect(verdict).toEqual({ kind: 'unavailable', reason: expect.stringMatching(reason) as string });
    expect(describeAudit(verdict)).toMatch(/^the registry did not answer the audit request \(/);
  });

  it("npm's own refusal (no lockfile) fails: it is not the registry's doing", () => {
    expect(classifyAudit(recorded('no-lockfile'))).toEqual({
      kind: 'error',
      reason: 'ENOLOCK: This command requires an existing lockfile.',
    });
  });
});

describe('npm audit results that were not recorded', () => {
  it('output that is not JSON fails, quoting npm', () => {
    expect(classifyAudit({ status: 1, stdout: '', stderr: 'npm error something broke\nmore' })).toEqual({
      kind: 'error',
      reason: 'npm audit printed no JSON report (exit 1): npm error something broke',
    });
  });

  it('an npm we stopped while it waited for the registry is reported, not failed', () => {
    expect(classifyAudit({ status: null, stdout: '', stderr: '', killedAfterSeconds: 90 })).toEqual({
      kind: 'unavailable',
      reason: 'no answer within 90 s; npm audit was stopped',
    });
  });

  it('an npm killed otherwise (no status) fails', () => {
    expect(classifyAudit({ status: null, stdout: '', stderr: '' })).toMatchObject({ kind: 'error' });
  });

  it('a non-zero exit with a report below the level fails rather than pass silently', () => {
    const clean = recorded('clean');
    expect(classifyAudit({ ...clean, status: 1 })).toMatchObject({ kind: 'error' });
  });

  it('a critical advisory fails even when npm exits 0', () => {
    const high = JSON.parse(recorded('high').stdout) as { metadata: { vulnerabilities: Record<string, number> } };
    high.metadata.vulnerabilities = { ...high.metadata.vulnerabilities, high: 0, critical: 1 };
    expect(classifyAudit({ status: 0, stdout: JSON.stringify(high), stderr: '' })).toMatchObject({
      kind: 'vulnerable',
    });
  });
});
