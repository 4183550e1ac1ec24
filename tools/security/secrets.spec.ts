import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAB_CLIENTS } from '#libs/contracts';
import { installedGitleaks, parseReport, scanSecrets, type SecretFinding } from './secrets';

const ROOT = join(__dirname, '..', '..');
const CONFIG = join(ROOT, '.gitleaks.toml');

/** `n` random characters from `alphabet`: a fresh secret each run, so none sits in this file. */
const random = (n: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string =>
  Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');

/**
 * A throwaway git repository with secrets planted in each place the scan covers: a private key in
 * a commit, a GitHub token in a staged file, a password in an unstaged change; and, beside them,
 * the lab's published default client secrets in a curl line, which .gitleaks.toml allows.
 */
describe('the secrets scan (gitleaks with the repo .gitleaks.toml)', () => {
  let gitleaks: string;
  let repo: string;
  let findings: SecretFinding[];
  const git = (...args: string[]): void => {
    execFileSync('git', ['-c', 'user.name=spec', '-c', 'user.email=spec@example.test', ...args], { cwd: repo });
  };
  const write = (path: string, text: string): void => {
    mkdirSync(join(repo, path, '..'), { recursive: true });
    writeFileSync(join(repo, path), text);
  };

  beforeAll(() => {
    gitleaks = installedGitleaks(ROOT);
    repo = mkdtempSync(join(tmpdir(), 'jeeves-secrets-spec-'));
    git('init', '-q');
    const { demo, admin } = LAB_CLIENTS;
    write(
      'README.md',
      `# Demo\n\n    curl -s -u ${demo.id}:${demo.secret} -d grant_type=client_credentials http://127.0.0.1:3001/oauth/token\n` +
        `    curl -s -u ${admin.id}:${admin.secret} -d grant_type=client_credentials http://127.0.0.1:3001/oauth/token\n`,
    );
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    write('deploy/signing-key.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    write('config/ci.env', `GITHUB_TOKEN=ghp_${random(36)}\n`);
    git('add', 'config/ci.env');
    write('README.md', `# Demo\n\n    curl -u ops:${random(20)} https://internal.example.test/admin\n`);
    findings = scanSecrets({ gitleaks, repo, config: CONFIG });
  }, 120_000);

  afterAll(() => {
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it('finds a private key committed to the history', () => {
    expect(findings).toContainEqual(
      expect.objectContaining({ rule: 'private-key', file: 'deploy/signing-key.pem', scan: 'history' }),
    );
  });

  it('finds a token in a staged file', () => {
    expect(findings).toContainEqual(
      expect.objectContaining({ rule: 'github-pat', file: 'config/ci.env', scan: 'staged' }),
    );
  });

  it('finds a password in a change not yet staged', () => {
    expect(findings).toContainEqual(
      expect.objectContaining({ rule: 'curl-auth-user', file: 'README.md', scan: 'unstaged' }),
    );
  });

  it("lets the lab's published default client secrets through, and nothing else", () => {
    expect(findings.map((f) => `${f.scan} ${f.rule} ${f.file}`).sort()).toEqual([
      'history private-key deploy/signing-key.pem',
      'staged github-pat config/ci.env',
      'unstaged curl-auth-user README.md',
    ]);
  });

  it('would report those default secrets without the allow-list (so the test above tests it)', () => {
    const bare = join(repo, '..', `${repo.split('/').pop()!}.toml`);
    writeFileSync(bare, '[extend]\nuseDefault = true\n');
    try {
      const unlisted = scanSecrets({ gitleaks, repo, config: bare });
      expect(unlisted.filter((f) => f.rule === 'curl-auth-user' && f.scan === 'history')).toHaveLength(2);
    } finally {
      rmSync(bare, { force: true });
    }
    // A second gitleaks run over the repository: well under a second alone, longer than jest's
    // default 5 s while the whole unit tier shares two cores.
  }, 60_000);
});

describe('gitleaks reports', () => {
  it('reads the fields the summary names', () => {
    const report = JSON.stringify([
      { RuleID: 'private-key', File: 'a.pem', StartLine: 3, Commit: 'abc', Secret: 'REDACTED' },
    ]);
    expect(parseReport(report)).toEqual([{ rule: 'private-key', file: 'a.pem', line: 3, commit: 'abc' }]);
  });

  it('refuses a report that is not an array', () => {
    expect(() => parseReport('{}')).toThrow(/not a JSON array/);
  });
});
