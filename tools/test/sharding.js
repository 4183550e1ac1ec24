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
 * How a spec may share the machine with the other shards' specs (docs/decisions/0016):
 * - `alone`: with nothing else — last in shard 1, once every other shard has ended;
 * - `exclusive`: never beside another exclusive spec nor a sensitive one (it loads the machine:
 *   brokers or a lab of its own, a saturating benchmark);
 * - `sensitive`: never beside an exclusive spec (its bounds are timings a loaded machine breaks);
 * - `light`: beside anything (every spec the table does not name in a class).
 */
const CLASSES = ['exclusive', 'light', 'sensitive', 'alone'];

/**
 * Reads the table (integration-spec-seconds.json) → `{ seconds, alone, exclusive, sensitive }`: a
 * Map of spec key → seconds, and the keys of each class but `light`. Keys starting with `$` are
 * comments.
 */
function loadSpecTable(file = SPEC_SECONDS_FILE) {
  const parsed = JSON.parse(readFileSync(file, 'utf8'));
  return {
    seconds: new Map(Object.entries(parsed.seconds)),
    alone: parsed.alone?.specs ?? [],
    exclusive: parsed.exclusive?.specs ?? [],
    sensitive: parsed.sensitive?.specs ?? [],
  };
}

/** The class of the spec `key` in `table`: `alone`, `exclusive`, `sensitive`, else `light`. */
function specClass(key, table) {
  for (const name of ['alone', 'exclusive', 'sensitive']) if (table[name].includes(key)) return name;
  return 'light';
}

/** A test file's key in the table: its path from the repo root, with forward slashes. */
function specKey(rootDir, path) {
  return relative(rootDir, path).split(sep).join('/');
}

/**
 * Splits `specs` ({ key, seconds }) into `count` shards of about equal expected seconds, so that
 * the classes' rules cost little waiting. Shard 1 takes every exclusive spec (they run first, one
 * after another); light specs, longest first, fill each other shard up to the exclusive specs'
 * seconds, so that they run beside them; the other light specs and the sensitive ones go longest
 * first to the shard with the least so far (the LPT rule; ties to the lower shard, equal seconds in
 * key order); the alone specs end shard 1. Deterministic: every shard's process computes the same
 * split. Returns `count` arrays of keys; each shard runs them in class order (`CLASSES`).
 */
function planShards(specs, count, table) {
  const longestFirst = (a, b) => b.seconds - a.seconds || byKey(a.key, b.key);
  const of = (name) => specs.filter((spec) => specClass(spec.key, table) === name).sort(longestFirst);
  const shards = Array.from({ length: count }, () => ({ keys: [], seconds: 0 }));
  const put = (shard, spec) => {
    shard.keys.push(spec.key);
    shard.seconds += spec.seconds;
  };
  for (const spec of of('exclusive')) put(shards[0], spec);
  const exclusiveSeconds = shards[0].seconds;
  const rest = [];
  for (const spec of of('light')) {
    const cover = shards.slice(1).find((shard) => shard.seconds + spec.seconds <= exclusiveSeconds);
    if (cover) put(cover, spec);
    else rest.push(spec);
  }
  for (const spec of [...rest, ...of('sensitive')].sort(longestFirst)) {
    let lightest = shards[0];
    for (const shard of shards) if (shard.seconds < lightest.seconds) lightest = shard;
    put(lightest, spec);
  }
  for (const spec of of('alone')) put(shards[0], spec);
  return shards.map((shard) => shard.keys);
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

/**
 * Where the specs note how long they waited for their turn (the other shards' end, an exclusive
 * spec, the sensitive ones): JSON lines `{ spec, seconds, for }`, in the run's directory.
 */
function turnWaitsFile(runDir) {
  return join(runDir, 'turn-waits.jsonl');
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
  CLASSES,
  loadSpecTable,
  specClass,
  specKey,
  planShards,
  weigh,
  medianSeconds,
  shardEndedFile,
  turnWaitsFile,
};
