// Jest's test sequencer for this repo (jest.config.js `testSequencer`). `--shard=i/n` is ours:
// specs are split by their measured seconds (integration-spec-seconds.json) instead of by a hash
// of their path, so each shard of the integration tier gets about the same wall time; each of the
// table's groups (specs that must not run at the same time) stays in one shard; the specs that run
// alone go to shard 1 (docs/decisions/0016). Order within a run is Jest's own (failed first, then
// slowest first, from its cache), except that the specs that run alone come last.
'use strict';
const Sequencer = require('@jest/test-sequencer').default;
const { assignShards, loadSpecTable, specKey, SPEC_SECONDS_FILE, UNLISTED_SPEC_SECONDS, weigh } = require('./sharding');

const keyOf = (test) => specKey(test.context.config.rootDir, test.path);

class WeightedSequencer extends Sequencer {
  /** Tests of shard `shardIndex` (1-based) of `shardCount`; the same split in every shard's process. */
  shard(tests, { shardIndex, shardCount }) {
    const byKey = new Map(tests.map((test) => [keyOf(test), test]));
    const table = loadSpecTable();
    const { specs, unlisted } = weigh([...byKey.keys()], table.seconds);
    // The table covers the integration tier; another tier sharded by hand splits by count alone.
    const missing = unlisted.filter((key) => key.startsWith('test/integration/'));
    if (missing.length > 0)
      process.stderr.write(
        `[shards] no measured seconds in ${SPEC_SECONDS_FILE} for ${missing.join(', ')}: weighted ${UNLISTED_SPEC_SECONDS} s each\n`,
      );
    const shards = assignShards(specs, shardCount, [...table.groups.values()], table.alone);
    return shards[shardIndex - 1].map((key) => byKey.get(key));
  }

  /** Jest's order, then the specs that run alone, in the table's order. */
  async sort(tests) {
    const sorted = await super.sort(tests);
    const { alone } = loadSpecTable();
    const last = (test) => alone.indexOf(keyOf(test));
    return [
      ...sorted.filter((t) => last(t) < 0),
      ...sorted.filter((t) => last(t) >= 0).sort((a, b) => last(a) - last(b)),
    ];
  }
}

module.exports = WeightedSequencer;
