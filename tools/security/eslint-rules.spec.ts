import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * The rule ids ESLint reports for each `[path, code]`, linted with the repo's eslint.config.mjs as if
 * the code were the file at `path` (an existing file, so the type-aware rules have a program). One
 * child process: ESLint loads its config with a dynamic import, which Jest's VM does not run.
 */
function ruleIds(cases: ReadonlyArray<readonly [string, string]>): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    const path = require('node:path');
    const cases = JSON.parse(process.argv[1]);
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const out = [];
      for (const [file, code] of cases) {
        const [result] = await eslint.lintText(code, { filePath: path.join(process.cwd(), file) });
        out.push([...new Set(result.messages.map((m) => m.ruleId ?? m.message))].sort());
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

// Existing files of each area, whose text is replaced by the case's code.
const SERVICE = 'apps/gateway/src/main.ts';
const LAB = 'tools/lab/processes.ts';

/** The security rule set (eslint.config.mjs, docs/security.md) finds what it is there for. */
describe('the ESLint security rules', () => {
  const cases: Array<[string, string, string, string[]]> = [
    [
      'exec with a command line',
      LAB,
      "import { exec } from 'node:child_process';\nexport const run = (x: string) => exec(`ls ${x}`);\n",
      ['no-restricted-syntax', 'security/detect-child-process'],
    ],
    [
      'a child process with shell: true',
      LAB,
      "import { spawn } from 'node:child_process';\nexport const run = (x: string) => spawn('ls', [x], { shell: true });\n",
      ['no-restricted-syntax'],
    ],
    [
      'eval',
      SERVICE,
      'export const run = (code: string): unknown => eval(code);\n',
      ['no-eval', 'security/detect-eval-with-expression'],
    ],
    [
      'new Function',
      SERVICE,
      'export const make = (code: string) => new Function(code);\n',
      ['@typescript-eslint/no-implied-eval', 'no-new-func'],
    ],
    [
      'a string handed to setTimeout',
      SERVICE,
      'export const later = (code: string) => setTimeout(code, 10);\n',
      ['@typescript-eslint/no-implied-eval'],
    ],
    [
      'a file path from a variable, in service code',
      SERVICE,
      "import { readFileSync } from 'node:fs';\nexport const read = (path: string) => readFileSync(path, 'utf8');\n",
      ['security/detect-non-literal-fs-filename'],
    ],
    [
      'a nested quantifier, in service code',
      SERVICE,
      'export const check = (text: string): boolean => /^(a+)+$/.test(text);\n',
      ['security/detect-unsafe-regex'],
    ],
    [
      'a secret compared with ===',
      SERVICE,
      'export function same(password: string, given: string): boolean {\n  if (password === given) return true;\n  return false;\n}\n',
      ['security/detect-possible-timing-attacks'],
    ],
    [
      'a regex built from a variable',
      LAB,
      'export const re = (text: string) => new RegExp(text);\n',
      ['security/detect-non-literal-regexp'],
    ],
    [
      'a require of a variable',
      LAB,
      'export const load = (name: string): unknown => require(name);\n',
      ['@typescript-eslint/no-require-imports', 'security/detect-non-literal-require'],
    ],
    // The lab side reads and writes the operator's paths: not reported there (eslint.config.mjs says why).
    [
      'a file path from a variable, on the lab side',
      LAB,
      "import { readFileSync } from 'node:fs';\nexport const read = (path: string) => readFileSync(path, 'utf8');\n",
      [],
    ],
    [
      'execFile with an argument array',
      LAB,
      "import { execFile } from 'node:child_process';\nexport const run = (x: string) => execFile('ls', [x]);\n",
      [],
    ],
  ];
  let found: string[][];
  beforeAll(() => {
    found = ruleIds(cases.map(([, path, code]) => [path, code] as const));
  }, 120_000);

  it.each(cases.map((c, k) => [c[0], c[3], k] as const))('%s: %j', (_name, expected, k) => {
    expect(found[k]).toEqual(expected);
  });
});
