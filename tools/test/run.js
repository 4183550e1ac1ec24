#!/usr/bin/env node
// `npm test`: the unit tier and the integration tier (which brings up its own labs through jest's
// globalSetup), as separate jest runs so a unit failure reads on its own, apart from minutes of
// broker and service logs. Both tiers always run; the exit code is the worst of them.
//
// The unit tier runs first, on the terminal, with one jest worker per core. Then the integration
// tier runs as LAB_TEST_SHARDS jest processes at once (default 2), each with `--shard=k/n` and a
// test lab of its own (docs/decisions/0016). Each shard's output goes to results/test/<run>/
// (integration-shard-k-of-n.log); the terminal gets a line per finished spec, a line a minute
// naming what each shard is on, and at the end every failure. The shards take turns for the specs
// that must not run beside some others (test/integration/support/turns.ts); when a shard's process
// ends, run.js marks it in that directory, for a spec that runs alone. LAB_TEST_SHARDS=1 runs the
// integration tier in one process on the terminal, as before the shards.
//
// Extra arguments go to a single jest run instead: `npm test -- test/integration/foo.spec.ts`.
// Plain JavaScript on purpose: it must run before anything is compiled.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { loadSpecTable, SHARDS_VARIABLE, shardCount, shardEndedFile, specClass, turnWaitsFile } = require('./sharding');

const root = path.resolve(__dirname, '..', '..');
const jest = require.resolve('jest/bin/jest', { paths: [root] });
const reporter = path.join(__dirname, 'progress-reporter.js');
const extra = process.argv.slice(2);
/** A progress line at least this often while the jest runs go on, naming what each is on. */
const HEARTBEAT_MS = 60_000;
/** Lines of a failed run's log printed when it failed outside a spec (a lab that did not come up). */
const LOG_TAIL_LINES = 80;
// One worker per core: Jest's default (cores − 1) leaves one of two cores idle; measured here the
// unit tier took 86–110 s with 2 workers against 146–162 s with 1. Not beside the shards: its
// specs with wall-clock bounds failed there even at niceness 19 (docs/decisions/0016).
const UNIT = ['--ci', '--selectProjects', 'unit', '--passWithNoTests', `--maxWorkers=${os.availableParallelism()}`];
const INTEGRATION = ['--ci', '--selectProjects', 'integration', '--passWithNoTests', '--runInBand'];

const say = (line) => process.stderr.write(`${line}\n`);
const seconds = (ms) => (ms / 1000).toFixed(1);
const clock = (ms) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};
/** `test/integration/foo.spec.ts` → `foo`; a unit spec keeps its path. */
const short = (spec) => (spec.startsWith('test/integration/') ? path.basename(spec).replace(/\.spec\.ts$/, '') : spec);

/** One jest run on the terminal, as `npm test` ran both tiers before the shards. */
function run(label, args) {
  say(`\n=== ${label}: jest ${args.join(' ')}`);
  const started = Date.now();
  // process.execPath is Node 24 here: npm puts node_modules/.bin (the `node` package) first on PATH.
  const result = spawnSync(process.execPath, [jest, ...args], { cwd: root, stdio: 'inherit', env: process.env });
  const status = result.status ?? 1;
  say(`=== ${label}: ${status === 0 ? 'passed' : `FAILED (exit ${status})`} in ${seconds(Date.now() - started)} s`);
  return status;
}

/** The integration shards at once; resolves to the worst exit code once all have ended. */
async function runAtOnce(count) {
  const started = Date.now();
  const runDir = path.join(root, 'results', 'test', new Date(started).toISOString().replace(/[:.]/g, '-'));
  mkdirSync(runDir, { recursive: true });
  say(
    `\n=== integration tests: ${count} shards at once (${SHARDS_VARIABLE}=${count}; 1 runs them in one process), jest output in ${path.relative(root, runDir)}/`,
  );
  let lastLine = Date.now();
  const line = (text) => {
    lastLine = Date.now();
    say(text);
  };
  const common = { runDir, started, line };
  const shards = Array.from({ length: count }, (_, i) => {
    const name = `shard ${i + 1}/${count}`;
    return startJob({
      ...common,
      name,
      log: path.join(runDir, `integration-shard-${i + 1}-of-${count}.log`),
      args: [...INTEGRATION, `--shard=${i + 1}/${count}`],
      env: { ...process.env, LAB_TEST_SHARD: `${i + 1}/${count}`, LAB_TEST_RUN_DIR: runDir },
      passLines: true,
      startLine: 'starting its test lab',
      readyLine: (specs) => `test lab up; ${specs} specs`,
      // A spec that runs alone (at the end of shard 1) waits for this mark.
      onEnded: (code) => writeFileSync(shardEndedFile(runDir, i + 1), `${code}\n`),
    });
  });
  const jobs = shards;
  const table = loadSpecTable();
  // A spec of a class that has not noted its wait yet is still waiting for its turn.
  const waitingTurn = (job) =>
    job.current !== undefined &&
    specClass(job.current.spec, table) !== 'light' &&
    !turnWaits(runDir).has(job.current.spec);
  const heartbeat = setInterval(() => {
    if (Date.now() - lastLine < HEARTBEAT_MS - 1000) return;
    line(
      `[all ${clock(Date.now() - started)}] ${jobs.map((j) => describeJob(j, waitingTurn(j) ? specClass(j.current.spec, table) : undefined)).join(' · ')}`,
    );
  }, HEARTBEAT_MS / 4);
  const forward = (signal) => jobs.forEach((j) => j.child.exitCode === null && j.child.kill(signal));
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  await Promise.all(jobs.map((j) => j.done));
  clearInterval(heartbeat);
  process.off('SIGINT', forward);
  process.off('SIGTERM', forward);

  writeSpecSeconds(runDir, shards, turnWaits(runDir));
  say('');
  const summary = (job, what) =>
    say(
      `=== ${what}: ${job.status === 0 ? 'passed' : `FAILED (exit ${job.status})`} (${job.passed + job.failed.length}/${job.total ?? '?'} spec files, ${job.failed.length} failed) in ${seconds(job.endedAt - started)} s; log ${path.relative(root, job.log)}`,
    );
  for (const shard of shards) summary(shard, `integration ${shard.name}`);
  for (const job of jobs.filter((j) => j.status !== 0)) reportFailure(job);
  const worst = Math.max(...jobs.map((j) => j.status));
  const integration = Math.max(...shards.map((s) => s.endedAt)) - started;
  say(
    `=== integration tests: ${worst === 0 ? 'passed' : `FAILED (exit ${worst})`} in ${seconds(integration)} s in ${count} shards`,
  );
  return worst;
}

/**
 * Starts one jest run with its output in `log` and its progress over IPC (progress-reporter.js).
 * `passLines`: a line per passed spec too, not only per failed one.
 */
function startJob({ name, log, args, env, passLines, startLine, readyLine, onEnded, runDir, started, line }) {
  const fd = openSync(log, 'w');
  const jestArgs = [...args, '--reporters=default', `--reporters=${reporter}`];
  writeFileSync(fd, `jest ${jestArgs.join(' ')}\n\n`);
  const child = spawn(process.execPath, [jest, ...jestArgs], { cwd: root, env, stdio: ['ignore', fd, fd, 'ipc'] });
  closeSync(fd);
  const job = {
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
  };
  const at = () => clock(Date.now() - started);
  if (startLine) line(`[${name} ${at()}] ${startLine}`);
  child.on('message', (event) => {
    if (event.type === 'run-start') {
      job.total = event.specs;
      if (readyLine) line(`[${name} ${at()}] ${readyLine(event.specs)}`);
    } else if (event.type === 'spec-start') {
      job.current = { spec: event.spec, since: Date.now() };
    } else if (event.type === 'spec-end') {
      job.current = undefined;
      job.seconds.set(event.spec, event.seconds);
      if (event.passed) job.passed += 1;
      else job.failed.push({ spec: event.spec, message: event.failureMessage ?? '' });
      if (!event.passed || passLines) {
        const done = job.passed + job.failed.length;
        const waited = turnWaits(runDir).get(event.spec);
        const note =
          waited === undefined || waited < 1 ? '' : `, ${seconds(waited * 1000)} s of it waiting for its turn`;
        line(
          `[${name} ${at()}] ${event.passed ? 'PASS' : 'FAIL'} ${short(event.spec)} (${seconds(event.seconds * 1000)} s${note}) · ${done}/${job.total}, ${job.failed.length} failed`,
        );
      }
    }
  });
  job.done = new Promise((resolve) =>
    child.on('close', (code, signal) => {
      job.status = code ?? 1;
      job.endedAt = Date.now();
      onEnded?.(code ?? signal);
      line(
        `[${name} ${at()}] ${code === 0 ? 'done' : `exited ${code ?? signal}`}: ${job.passed} passed, ${job.failed.length} failed`,
      );
      resolve();
    }),
  );
  return job;
}

/** `waitingFor`: the class of the current spec while it waits for its turn. */
function describeJob(job, waitingFor) {
  if (job.endedAt !== undefined) return `${job.name} done`;
  if (job.total === undefined) return `${job.name} starting`;
  const done = job.passed + job.failed.length;
  const on = !job.current
    ? 'between specs'
    : waitingFor
      ? `${short(job.current.spec)} (${waitingFor}), waiting for its turn for ${clock(Date.now() - job.current.since)}`
      : `${short(job.current.spec)} (${clock(Date.now() - job.current.since)})`;
  return `${job.name} on ${on}, ${done}/${job.total} done, ${job.failed.length} failed`;
}

/** A failed run's failures: each failed spec's message, or the log's tail when no spec failed (setup, crash). */
function reportFailure(job) {
  say(`\n=== ${job.name} failed; its whole output: ${path.relative(root, job.log)}`);
  if (job.failed.length > 0) {
    for (const { spec, message } of job.failed) say(`\n--- FAIL ${spec}\n${message.trimEnd()}`);
    return;
  }
  const lines = readFileSync(job.log, 'utf8').trimEnd().split('\n');
  say(`--- the last ${Math.min(LOG_TAIL_LINES, lines.length)} lines of ${path.relative(root, job.log)}:`);
  say(lines.slice(-LOG_TAIL_LINES).join('\n'));
}

/** Seconds each spec waited for its turn (test/integration/support/turns.ts), by spec. */
function turnWaits(runDir) {
  const file = turnWaitsFile(runDir);
  if (!existsSync(file)) return new Map();
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  return new Map(lines.map((l) => JSON.parse(l)).map(({ spec, seconds }) => [spec, seconds]));
}

/** This run's integration seconds per spec (a wait for a turn left out), as tools/test/integration-spec-seconds.json keeps them. */
function writeSpecSeconds(runDir, shards, waits) {
  const all = shards.flatMap((s) => [...s.seconds]).sort(([a], [b]) => (a < b ? -1 : 1));
  const body = {
    $comment: `Seconds each spec took in this run, ${shards.length} shards at once (tools/test/run.js), a wait for a turn left out.`,
    seconds: Object.fromEntries(all.map(([spec, s]) => [spec, Math.max(1, Math.round(s - (waits.get(spec) ?? 0)))])),
  };
  writeFileSync(path.join(runDir, 'spec-seconds.json'), `${JSON.stringify(body, null, 2)}\n`);
}

async function main() {
  if (extra.length > 0) return run('jest', ['--ci', ...extra]);
  // A bad shard count fails before minutes of tests, not after.
  let count;
  try {
    count = shardCount(process.env);
  } catch (error) {
    say(`npm test: ${error.message}`);
    return 2;
  }
  const unit = run('unit tests', UNIT);
  const integration = count > 1 ? await runAtOnce(count) : run('integration tests', INTEGRATION);
  return Math.max(unit, integration);
}

main().then(
  (status) => process.exit(status),
  (error) => {
    say(`npm test: ${error.stack ?? error}`);
    process.exit(1);
  },
);
