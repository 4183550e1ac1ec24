// Jest's test sequencer for this repo (jest.config.js `testSequencer`). `--shard=i/n` is ours:
// specs are split by their measured seconds (integration-spec-seconds.json) instead of by a hash
// of their path, so each shard of the integration tier gets about the same wall time, and placed
// by their class so that the rules on who may run beside whom cost little waiting
// (docs/decisions/0016). Order: Jest's own (failed first, then slowest first, from its cache)
// within each class, the classes in the order sharding.js gives (exclusive, light, sensitive,
// alone); unit specs are all light, so their order is Jest's.
'use strict';
const Sequencer = require('@jest/test-sequencer').default;
const {
  CLASSES,
  loadSpecTable,
  planShards,
  specClass,
  specKey,
  SPEC_SECONDS_FILE,
  UNLISTED_SPEC_SECONDS,
  weigh,
} = require('./sharding');

const keyOf = (test) => specKey(test.context.config.rootDir, test.path);

class WeightedSequencer extends Sequencer {
  /** Tests of shard `shardIndex` (1-based) of `shardCount`; the same split in every shard's process. */
  shard(tests, { shardIndex, shardCount }) {
    const byKey = new Map(tests.map((test) => [keyOf(test), test]));
    const table = loadSpecTable();
    const { specs, unlisted } = weigh([...byKey.keys()], table.seconds);
    // The table covers the integration tier; another tier sharded by hand splits by seconds alone.
    const missing = unlisted.filter((key) => key.startsWith('test/integration/'));
    if (missing.length > 0)
      process.stderr.write(
        `[shards] no measured seconds in ${SPEC_SECONDS_FILE} for ${missing.join(', ')}: weighted ${UNLISTED_SPEC_SECONDS} s each\n`,
      );
    return planShards(specs, shardCount, table)[shardIndex - 1].map((key) => byKey.get(key));
  }

  /** Jest's order within each class, the classes in CLASSES' order. */
  async sort(tests) {
    const sorted = await super.sort(tests);
    const table = loadSpecTable();
    const rank = (test) => CLASSES.indexOf(specClass(keyOf(test), table));
    // Array.prototype.sort is stable: Jest's order stays within a class.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = WeightedSequencer;
