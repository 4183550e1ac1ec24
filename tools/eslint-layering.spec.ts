import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/**
 * The messages no-restricted-imports gives each `[path, import]` case, linted as one line of code in
 * the file at `path` (repo-relative). ESLint loads its config with a dynamic import, which Jest's VM
 * does not run: the cases are linted in one child process with the ESLint API.
 */
function restrictions(cases: ReadonlyArray<readonly [string, string]>): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    const cases = JSON.parse(process.argv[1]);
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const out = [];
      for (const [path, spec] of cases) {
        const code = "import { x } from '" + spec + "';\\nexport const y = x;\\n";
        const [result] = await eslint.lintText(code, { filePath: require('node:path').join(process.cwd(), path) });
        out.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const stdout = execFileSync(process.execPath, ['-e', script, JSON.stringify(cases)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return JSON.parse(stdout) as string[][];
}

/** The lab side's layering (ADR 0013) as lint enforces it: entries only across packages, only downward. */
describe('lint keeps the lab side in its layers', () => {
  const refused: Array<[string, string, RegExp]> = [
    ['experiments/src/run.ts', '../../tools/lab/instances', /entry file/],
    ['experiments/src/run.ts', '../../load-tests/src/driver/jeeves', /entry file/],
    ['experiments/src/run.ts', '../../tools/common/clients/chaos-api', /entry file/],
    ['tools/bench/first-run.ts', '../lab/config', /entry file/],
    ['test/integration/support/lab.ts', '../../../experiments/src/run', /entry file/],
    ['tools/lab/instances.ts', '../../experiments/src', /only downward/],
    ['tools/lab/instances.ts', './commands/up', /only downward/],
    ['load-tests/src/plan.ts', '../../tools/lab', /only downward/],
    ['tools/common/duration.ts', '../lab', /only downward/],
    ['experiments/src/run.ts', '../../tools/lab/commands/experiment', /only downward/],
  ];
  const allowed: Array<[string, string]> = [
    ['experiments/src/run.ts', '../../tools/lab'],
    ['experiments/src/run.ts', '../../load-tests/src'],
    ['tools/lab/commands/experiment.ts', '../../../experiments/src'],
    ['tools/lab/instances.ts', './config'],
    ['experiments/src/runner.spec.ts', '../../tools/common/testing'],
    ['test/integration/support/lab.ts', '../../../tools/lab'],
  ];
  let messages: string[][];
  beforeAll(() => {
    messages = restrictions([...refused.map(([p, i]) => [p, i] as const), ...allowed]);
  }, 120_000);

  it.each(refused.map((c, k) => [...c, k] as const))('refuses, in %s, an import of %s', (_p, _i, message, k) => {
    // An import can break both rules (an inner file of a package above): each says so.
    expect(messages[k].length).toBeGreaterThanOrEqual(1);
    expect(messages[k].some((m) => message.test(m))).toBe(true);
  });

  it.each(allowed.map((c, k) => [...c, refused.length + k] as const))('lets %s import %s', (_p, _i, k) => {
    expect(messages[k]).toEqual([]);
  });
});
