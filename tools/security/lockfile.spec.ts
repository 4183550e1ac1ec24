import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkLockfile } from './lockfile';

// A registry of our own making: the check compares against whatever `npm config get registry` says.
const REGISTRY = 'https://packages.example.test/npm/';
const SHA512 = `sha512-${'A'.repeat(86)}==`;

const lock = (packages: Record<string, unknown>): unknown => ({
  lockfileVersion: 3,
  packages: { '': { name: 'app', version: '1.0.0' }, ...packages },
});

describe('the lockfile check', () => {
  it('passes registry packages by exact version with a sha512 integrity, resolved or not', () => {
    const report = checkLockfile(
      lock({
        'node_modules/a': { version: '1.2.3', integrity: SHA512 },
        'node_modules/@scope/b': {
          version: '2.0.0-rc.1',
          resolved: `${REGISTRY}@scope/b/-/b-2.0.0-rc.1.tgz`,
          integrity: `sha1-abc ${SHA512}`,
        },
      }),
      REGISTRY,
    );
    expect(report).toEqual({ packages: 2, problems: [] });
  });

  it.each([
    [
      'a git dependency',
      { version: '1.0.0', resolved: 'git+ssh://git@example.test/x.git#abc', integrity: SHA512 },
      /not https \(git\+ssh\)/,
    ],
    [
      'a plain-http tarball',
      { version: '1.0.0', resolved: 'http://packages.example.test/npm/x/-/x-1.0.0.tgz', integrity: SHA512 },
      /not https \(http\)/,
    ],
    [
      'a tarball on another host',
      { version: '1.0.0', resolved: 'https://elsewhere.example.test/x-1.0.0.tgz', integrity: SHA512 },
      /not on the configured registry/,
    ],
    [
      'a tarball under another path of the registry host',
      { version: '1.0.0', resolved: 'https://packages.example.test/other/x-1.0.0.tgz', integrity: SHA512 },
      /not on the configured registry/,
    ],
    ['a local file', { version: '1.0.0', resolved: 'file:../x', integrity: SHA512 }, /not https \(file\)/],
    ['a link', { resolved: '../x', link: true }, /a link to \.\.\/x/],
    ['no integrity', { version: '1.0.0' }, /no integrity hash/],
    ['a sha1-only integrity', { version: '1.0.0', integrity: 'sha1-Zm9vYmFy' }, /has no sha512/],
    [
      'a version that is a URL',
      { version: 'https://example.test/x.tgz', integrity: SHA512 },
      /not an exact registry version/,
    ],
  ])('refuses %s', (_name, entry, problem) => {
    const report = checkLockfile(lock({ 'node_modules/x': entry }), REGISTRY);
    expect(report.problems).toEqual([{ key: 'node_modules/x', problem: expect.stringMatching(problem) as string }]);
  });

  it('accepts the registry URL with or without its trailing slash', () => {
    const entry = { version: '1.0.0', resolved: `${REGISTRY}x/-/x-1.0.0.tgz`, integrity: SHA512 };
    expect(checkLockfile(lock({ 'node_modules/x': entry }), REGISTRY.slice(0, -1)).problems).toEqual([]);
  });

  it('refuses a lockfile without a packages map (npm 6)', () => {
    expect(() => checkLockfile({ lockfileVersion: 1, dependencies: {} }, REGISTRY)).toThrow(/no "packages" map/);
  });

  it("passes the repo's own package-lock.json", () => {
    const own = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package-lock.json'), 'utf8')) as unknown;
    const report = checkLockfile(own, REGISTRY);
    expect(report.problems).toEqual([]);
    expect(report.packages).toBeGreaterThan(100);
  });
});
