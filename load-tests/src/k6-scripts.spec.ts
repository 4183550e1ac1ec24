import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateK6Lib, k6LibDir } from './generate-k6-lib';

const ROOT = resolve(__dirname, '..', '..');

describe('k6 scripts (k6 itself is never run here)', () => {
  it('load-tests/k6/lib is the current generated copy of plan.ts and k6-options.ts', () => {
    for (const [file, content] of Object.entries(generateK6Lib())) {
      // On failure: npm run build && node dist/load-tests/src/generate-k6-lib.js
      expect({ file, content: readFileSync(join(k6LibDir(), file), 'utf8') }).toEqual({ file, content });
    }
  });

  it('the generated copy imports nothing k6 cannot load (only sibling .js files)', () => {
    for (const [file, content] of Object.entries(generateK6Lib())) {
      if (!file.endsWith('.js')) continue;
      const imports = [...content.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
      expect(imports.every((i) => /^\.\/[a-z0-9-]+\.js$/.test(i))).toBe(true);
    }
  });

  it('type-checks against @types/k6 (tsc -p load-tests/k6/tsconfig.json)', () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'load-tests', 'k6', 'tsconfig.json')], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect({ status: result.status, output: `${result.stdout}${result.stderr}` }).toEqual({ status: 0, output: '' });
  });

  it('run.js uses k6 idioms: arrival-rate options from the shared mapping, setup, checks, e2e trend, handleSummary', () => {
    const script = readFileSync(join(ROOT, 'load-tests', 'k6', 'run.js'), 'utf8');
    expect(script).toContain('export const options = toK6Options(scenario)');
    expect(script).toMatch(/open\(`\.\.\/scenarios\/\$\{SCENARIO\}\.json`\)/);
    for (const name of ['setup', 'e2eFlow', 'postFlow', 'historyFlow', 'injectFault', 'handleSummary'])
      expect(script).toContain(`export function ${name}(`);
    expect(script).toContain("new Trend('jeeves_e2e_latency', true)");
    // The e2e poller sends the last ETag back, as the built-in driver does.
    expect(script).toMatch(/'If-None-Match': last\.etag/);
  });
});
