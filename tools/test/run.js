#!/usr/bin/env node
// `npm test`: the unit tier, then the integration tier (which brings up its own lab in .lab/test
// through jest's globalSetup). Two runs rather than one so a unit failure reads on its own, before
// minutes of broker and service logs. Both tiers always run; the exit code is the worse of the two.
// Extra arguments go to a single jest run instead: `npm test -- test/integration/foo.spec.ts`.
// Plain JavaScript on purpose: it must run before anything is compiled.
'use strict';
const { spawnSync } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const jest = require.resolve('jest/bin/jest', { paths: [root] });
const extra = process.argv.slice(2);

function run(label, args) {
  process.stderr.write(`\n=== ${label}: jest ${args.join(' ')}\n`);
  const started = Date.now();
  // process.execPath is Node 24 here: npm puts node_modules/.bin (the `node` package) first on PATH.
  const result = spawnSync(process.execPath, [jest, ...args], { cwd: root, stdio: 'inherit', env: process.env });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const status = result.status ?? 1;
  process.stderr.write(`=== ${label}: ${status === 0 ? 'passed' : `FAILED (exit ${status})`} in ${seconds} s\n`);
  return status;
}

let status;
if (extra.length > 0) {
  status = run('jest', ['--ci', ...extra]);
} else {
  // One worker per core: Jest's default (cores − 1) is a single worker on a 2-core machine, and the
  // unit specs are mostly CPU (about 1.6× faster with two here).
  const unit = run('unit tests', [
    '--ci',
    '--selectProjects',
    'unit',
    '--passWithNoTests',
    `--maxWorkers=${os.availableParallelism()}`,
  ]);
  const integration = run('integration tests', [
    '--ci',
    '--selectProjects',
    'integration',
    '--passWithNoTests',
    '--runInBand',
  ]);
  status = unit || integration;
}
process.exit(status);
