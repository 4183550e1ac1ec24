// How `npm test` splits the integration tier into shards (docs/decisions/0016): how many, and which
// spec runs in which. Plain JavaScript like run.js: jest loads the sequencer that uses it without
// compiling it. Types for the unit spec: sharding.d.ts.
'use strict';
const { readFileSync } = require('node:fs');
const { join, relative, sep } = require('node:path');

/** The variable that sets the number of integration shards: 1 runs the tier in one jest process. */
const SHARDS_VARIABLE = 'LAB_TEST_SHARDS';
/** Two: this project's machines have 2 cores, and the slow specs mostly wait on fixed phases. */
const DEFAULT_SHARDS = 2;
/** The test labs' port plan (tools/test/shard-lab.ts) is proven collision-free up to this many. */
const MAX_SHARDS = 4;

/** The checked-in table of measured seconds per integration spec (repo-relative path → seconds). */
const SPEC_SECONDS_FILE = join(__dirname, 'integration-spec-seconds.json');
/** The weight of a spec the table does not list yet (about the slower of the short specs). */
const UNLISTED_SPEC_SECONDS = 30;

/**
 * LAB_TEST_SHARDS from `env`: an integer from 1 to MAX_SHARDS; unset or blank is DEFAULT_SHARDS.
 * Throws an Error naming the variable, its value and the accepted values.
 */
function shardCount(env) {
  const raw = (env[SHARDS_VARIABLE] ?? '').trim();
  if (raw === '') return DEFAULT_SHARDS;
  const count = Number(raw);
  if (!/^\d+$/.test(raw) || count < 1 || count > MAX_SHARDS)
    throw new Error(
      `${SHARDS_VARIABLE}=${raw} is not an integer from 1 to ${MAX_SHARDS} (1 runs the integration tier in one process; default ${DEFAULT_SHARDS})`,
    );
  return count;
}

/**
 * Reads the table (integration-spec-seconds.json) → `{ seconds, groups, alone }`: a Map of spec key →
 * seconds; a Map of group name → keys whose specs must share a shard; the keys of the specs that run
 * alone, after every other shard has ended. Keys starting with `$` are comments.
 */
function loadSpecTable(file = SPEC_SECONDS_FILE) {
  const parsed = JSON.parse(readFileSync(file, 'utf8'));
  const groups = Object.entries(parsed.groups ?? {}).filter(([name]) => !name.startsWith('$'));
  return {
    seconds: new Map(Object.entries(parsed.seconds)),
    groups: new Map(groups),
    alone: parsed.alone?.specs ?? [],
  };
}

/** A test file's key in the table: its path from the repo root, with forward slashes. */
function specKey(rootDir, path) {
  return relative(rootDir, path).split(sep).join('/');
}

/**
 * Splits `specs` ({ key, seconds }) into `count` shards of about equal expected seconds. Each of
 * `groups` (lists of keys) stays whole, so its specs run in one shard, one after another; every
 * other spec is a unit of its own. Units go longest first, each to the shard with the least so far
 * (the LPT rule; ties go to the lower shard, equal seconds are taken in key order). The `alone`
 * specs are left out of that and appended to shard 1, which runs them last, once the other shards
 * have ended. Deterministic: every shard's process computes the same split. Returns `count` arrays
 * of keys.
 */
function assignShards(specs, count, groups = [], alone = []) {
  const groupOf = new Map(groups.flatMap((group, i) => group.map((key) => [key, i])));
  const units = new Map();
  for (const spec of specs) {
    if (alone.includes(spec.key)) continue;
    const id = groupOf.has(spec.key) ? `group ${groupOf.get(spec.key)}` : `spec ${spec.key}`;
    const unit = units.get(id) ?? { keys: [], seconds: 0 };
    unit.keys.push(spec.key);
    unit.seconds += spec.seconds;
    units.set(id, unit);
  }
  for (const unit of units.values()) unit.keys.sort(byKey);
  const order = [...units.values()].sort((a, b) => b.seconds - a.seconds || byKey(a.keys[0], b.keys[0]));
  const shards = Array.from({ length: count }, () => ({ keys: [], seconds: 0 }));
  for (const unit of order) {
    let lightest = shards[0];
    for (const shard of shards) if (shard.seconds < lightest.seconds) lightest = shard;
    lightest.keys.push(...unit.keys);
    lightest.seconds += unit.seconds;
  }
  shards[0].keys.push(...alone.filter((key) => specs.some((spec) => spec.key === key)));
  return shards.map((s) => s.keys);
}

function byKey(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The file tools/test/run.js writes in the run's directory (LAB_TEST_RUN_DIR) once shard `index`'s
 * process has ended; a spec that runs alone waits for every other shard's.
 */
function shardEndedFile(runDir, index) {
  return join(runDir, `shard-${index}.ended`);
}

/** Where a spec that ran alone notes how long it waited for the other shards (JSON lines: spec, seconds). */
function aloneWaitsFile(runDir) {
  return join(runDir, 'alone-waits.jsonl');
}

/**
 * Per spec, the median of its seconds over `runs` (each `{ key: seconds }`, as a run's
 * spec-seconds.json holds them), rounded, at least 1; a spec missing from some runs takes the
 * median of the others. Keys in key order.
 */
function medianSeconds(runs) {
  const all = new Map();
  for (const run of runs)
    for (const [key, seconds] of Object.entries(run)) all.set(key, [...(all.get(key) ?? []), seconds]);
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  return Object.fromEntries(
    [...all.keys()].sort(byKey).map((key) => [key, Math.max(1, Math.round(median(all.get(key))))]),
  );
}

/** Expected seconds of each key from `table`; keys it lacks get UNLISTED_SPEC_SECONDS and are listed in `unlisted`. */
function weigh(keys, table) {
  const unlisted = keys.filter((key) => !table.has(key));
  const specs = keys.map((key) => ({ key, seconds: table.get(key) ?? UNLISTED_SPEC_SECONDS }));
  return { specs, unlisted };
}

module.exports = {
  SHARDS_VARIABLE,
  DEFAULT_SHARDS,
  MAX_SHARDS,
  SPEC_SECONDS_FILE,
  UNLISTED_SPEC_SECONDS,
  shardCount,
  loadSpecTable,
  specKey,
  assignShards,
  weigh,
  medianSeconds,
  shardEndedFile,
  aloneWaitsFile,
};
