#!/usr/bin/env node
// `npm test`: the unit tier, then the integration tier (which brings up its own lab through jest's
// globalSetup). Two runs rather than one so a unit failure reads on its own, before minutes of
// broker and service logs. Both tiers always run; the exit code is the worst of them.
//
// The integration tier runs as LAB_TEST_SHARDS jest processes at once (default 2; 1 = one process,
// as before), each with `--shard=k/n` and a test lab of its own (docs/decisions/0016). Each shard's
// jest output goes to results/test/<run>/integration-shard-k-of-n.log; the terminal gets a line per
// finished spec, a line a minute naming what each shard is on, and at the end each failure. When a
// shard's process ends, run.js marks it in that directory: the specs that run alone wait for it.
//
// Extra arguments go to a single jest run instead: `npm test -- test/integration/foo.spec.ts`.
// Plain JavaScript on purpose: it must run before anything is compiled.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { aloneWaitsFile, loadSpecTable, SHARDS_VARIABLE, shardCount, shardEndedFile } = require('./sharding');

const root = path.resolve(__dirname, '..', '..');
const jest = require.resolve('jest/bin/jest', { paths: [root] });
const extra = process.argv.slice(2);
/** A progress line at least this often while shards run, naming the spec each one is on. */
const HEARTBEAT_MS = 60_000;
/** Lines of a failed shard's log printed when it failed outside a spec (its lab did not come up). */
const LOG_TAIL_LINES = 80;

const say = (line) => process.stderr.write(`${line}\n`);
const seconds = (ms) => (ms / 1000).toFixed(1);
const clock = (ms) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};
/** `test/integration/foo.spec.ts` → `foo`. */
const short = (spec) => path.basename(spec).replace(/\.spec\.ts$/, '');

function run(label, args) {
  say(`\n=== ${label}: jest ${args.join(' ')}`);
  const started = Date.now();
  // process.execPath is Node 24 here: npm puts node_modules/.bin (the `node` package) first on PATH.
  const result = spawnSync(process.execPath, [jest, ...args], { cwd: root, stdio: 'inherit', env: process.env });
  const status = result.status ?? 1;
  say(`=== ${label}: ${status === 0 ? 'passed' : `FAILED (exit ${status})`} in ${seconds(Date.now() - started)} s`);
  return status;
}

const INTEGRATION = ['--ci', '--selectProjects', 'integration', '--passWithNoTests', '--runInBand'];

/** One jest process per shard, at once; resolves to the worst exit code once all have ended. */
async function runShards(count) {
  const started = Date.now();
  const runDir = path.join(root, 'results', 'test', new Date(started).toISOString().replace(/[:.]/g, '-'));
  mkdirSync(runDir, { recursive: true });
  say(
    `\n=== integration tests: ${count} shards at once (${SHARDS_VARIABLE}=${count}; 1 runs them in one process), jest output in ${path.relative(root, runDir)}/`,
  );
  const alone = new Set(loadSpecTable().alone);
  const shards = Array.from({ length: count }, (_, i) => startShard(i + 1, count, runDir, started));
  // A spec that runs alone and has not noted its wait yet is still waiting for the other shards.
  const waitingAlone = (shard) => alone.has(shard.current?.spec) && !aloneWaits(runDir).has(shard.current?.spec);
  let lastLine = Date.now();
  const line = (text) => {
    lastLine = Date.now();
    say(text);
  };
  for (const shard of shards) shard.onLine = line;
  const heartbeat = setInterval(() => {
    if (Date.now() - lastLine < HEARTBEAT_MS - 1000) return;
    line(`[shards ${clock(Date.now() - started)}] ${shards.map((s) => describeShard(s, waitingAlone(s))).join(' · ')}`);
  }, HEARTBEAT_MS / 4);
  const forward = (signal) => shards.forEach((s) => s.child.exitCode === null && s.child.kill(signal));
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  await Promise.all(shards.map((s) => s.done));
  clearInterval(heartbeat);
  process.off('SIGINT', forward);
  process.off('SIGTERM', forward);

  writeSpecSeconds(runDir, shards, aloneWaits(runDir));
  const worst = Math.max(...shards.map((s) => s.status));
  for (const shard of shards) {
    const specs = `${shard.passed + shard.failed.length}/${shard.total ?? '?'} specs, ${shard.failed.length} failed`;
    say(
      `=== integration shard ${shard.name}: ${shard.status === 0 ? 'passed' : `FAILED (exit ${shard.status})`} (${specs}) in ${seconds(shard.endedAt - started)} s; log ${path.relative(root, shard.log)}`,
    );
  }
  for (const shard of shards.filter((s) => s.status !== 0)) reportFailure(shard);
  say(
    `=== integration tests: ${worst === 0 ? 'passed' : `FAILED (exit ${worst})`} in ${seconds(Date.now() - started)} s (${count} shards)`,
  );
  return worst;
}

function startShard(index, count, runDir, runStarted) {
  const name = `${index}/${count}`;
  const log = path.join(runDir, `integration-shard-${index}-of-${count}.log`);
  const fd = openSync(log, 'w');
  const args = [
    ...INTEGRATION,
    `--shard=${index}/${count}`,
    '--reporters=default',
    `--reporters=${path.join(__dirname, 'progress-reporter.js')}`,
  ];
  writeFileSync(fd, `jest ${args.join(' ')}\n(LAB_TEST_SHARD=${name})\n\n`);
  const child = spawn(process.execPath, [jest, ...args], {
    cwd: root,
    env: { ...process.env, LAB_TEST_SHARD: name, LAB_TEST_RUN_DIR: runDir },
    stdio: ['ignore', fd, fd, 'ipc'],
  });
  closeSync(fd);
  const shard = {
    name,
    log,
    child,
    total: undefined,
    passed: 0,
    failed: [],
    current: undefined,
    seconds: new Map(),
    status: 1,
    endedAt: undefined,
    onLine: say,
  };
  const at = () => clock(Date.now() - runStarted);
  shard.onLine(`[shard ${name} ${at()}] starting its test lab`);
  child.on('message', (event) => {
    if (event.type === 'run-start') {
      shard.total = event.specs;
      shard.onLine(`[shard ${name} ${at()}] test lab up; ${event.specs} specs`);
    } else if (event.type === 'spec-start') {
      shard.current = { spec: event.spec, since: Date.now() };
    } else if (event.type === 'spec-end') {
      shard.current = undefined;
      shard.seconds.set(event.spec, event.seconds);
      if (event.passed) shard.passed += 1;
      else shard.failed.push({ spec: event.spec, message: event.failureMessage ?? '' });
      const done = shard.passed + shard.failed.length;
      const waited = aloneWaits(runDir).get(event.spec);
      const note =
        waited === undefined ? '' : `, run alone after ${seconds(waited * 1000)} s waiting for the other shards`;
      shard.onLine(
        `[shard ${name} ${at()}] ${event.passed ? 'PASS' : 'FAIL'} ${short(event.spec)} (${seconds(event.seconds * 1000)} s${note}) · ${done}/${shard.total}, ${shard.failed.length} failed`,
      );
    }
  });
  shard.done = new Promise((resolve) =>
    child.on('close', (code, signal) => {
      shard.status = code ?? 1;
      shard.endedAt = Date.now();
      // The specs that run alone (at the end of shard 1) wait for this mark.
      writeFileSync(shardEndedFile(runDir, index), `${code ?? signal}\n`);
      shard.onLine(
        `[shard ${name} ${at()}] ${code === 0 ? 'done' : `exited ${code ?? signal}`}: ${shard.passed} passed, ${shard.failed.length} failed`,
      );
      resolve();
    }),
  );
  return shard;
}

function describeShard(shard, waitingAlone) {
  if (shard.endedAt !== undefined) return `${shard.name} done`;
  if (shard.total === undefined) return `${shard.name} starting its test lab`;
  const done = shard.passed + shard.failed.length;
  const on = !shard.current
    ? 'between specs'
    : waitingAlone
      ? `waiting for the other shards to end, then ${short(shard.current.spec)} alone`
      : `${short(shard.current.spec)} (${clock(Date.now() - shard.current.since)})`;
  return `${shard.name} on ${on}, ${done}/${shard.total} done, ${shard.failed.length} failed`;
}

/** The failures of a shard: each failed spec's message, or the log's tail when no spec failed (setup, crash). */
function reportFailure(shard) {
  say(`\n=== integration shard ${shard.name} failed; its whole output: ${path.relative(root, shard.log)}`);
  if (shard.failed.length > 0) {
    for (const { spec, message } of shard.failed) say(`\n--- FAIL ${spec}\n${message.trimEnd()}`);
    return;
  }
  const lines = readFileSync(shard.log, 'utf8').trimEnd().split('\n');
  say(`--- the last ${Math.min(LOG_TAIL_LINES, lines.length)} lines of ${path.relative(root, shard.log)}:`);
  say(lines.slice(-LOG_TAIL_LINES).join('\n'));
}

/** Seconds each spec that ran alone waited for the other shards (test/integration/support/alone.ts), by spec. */
function aloneWaits(runDir) {
  const file = aloneWaitsFile(runDir);
  if (!existsSync(file)) return new Map();
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  return new Map(lines.map((l) => JSON.parse(l)).map(({ spec, seconds }) => [spec, seconds]));
}

/** This run's seconds per spec (a wait to run alone left out), in the shape of tools/test/integration-spec-seconds.json. */
function writeSpecSeconds(runDir, shards, waits) {
  const all = shards.flatMap((s) => [...s.seconds]).sort(([a], [b]) => (a < b ? -1 : 1));
  const file = path.join(runDir, 'spec-seconds.json');
  const body = {
    $comment: `Seconds each spec took in this run, ${shards.length} shards at once (tools/test/run.js), a wait to run alone left out.`,
    seconds: Object.fromEntries(
      all.map(([spec, s]) => [spec.split(path.sep).join('/'), Math.max(1, Math.round(s - (waits.get(spec) ?? 0)))]),
    ),
  };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
}

async function main() {
  if (extra.length > 0) return run('jest', ['--ci', ...extra]);
  // A bad shard count fails before minutes of unit tests, not after.
  let count;
  try {
    count = shardCount(process.env);
  } catch (error) {
    say(`npm test: ${error.message}`);
    return 2;
  }
  const unit = run('unit tests', ['--ci', '--selectProjects', 'unit', '--passWithNoTests']);
  const integration = count === 1 ? run('integration tests', INTEGRATION) : await runShards(count);
  return Math.max(unit, integration);
}

main().then(
  (status) => process.exit(status),
  (error) => {
    say(`npm test: ${error.stack ?? error}`);
    process.exit(1);
  },
);
