import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from '@jest/test-result';
import { REPO_ROOT } from '../lab';
import Sequencer from '@jest/test-sequencer';
import WeightedSequencer from './sequencer';
import {
  assignShards,
  DEFAULT_SHARDS,
  loadSpecTable,
  medianSeconds,
  MAX_SHARDS,
  shardCount,
  SPEC_SECONDS_FILE,
  UNLISTED_SPEC_SECONDS,
  weigh,
} from './sharding';

/** Every integration spec, as the table keys it: `test/integration/<path>`. */
function integrationSpecs(): string[] {
  const dir = join(REPO_ROOT, 'test', 'integration');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.spec.ts'))
    .map((file) => `test/integration/${file.split('\\').join('/')}`)
    .sort();
}

const total = (keys: readonly string[], table: ReadonlyMap<string, number>): number =>
  keys.reduce((sum, key) => sum + (table.get(key) ?? 0), 0);

describe('LAB_TEST_SHARDS', () => {
  it(`is ${DEFAULT_SHARDS} when unset or blank`, () => {
    expect(shardCount({})).toBe(DEFAULT_SHARDS);
    expect(shardCount({ LAB_TEST_SHARDS: ' ' })).toBe(DEFAULT_SHARDS);
  });

  it(`takes 1 to ${MAX_SHARDS}`, () => {
    expect(shardCount({ LAB_TEST_SHARDS: '1' })).toBe(1);
    expect(shardCount({ LAB_TEST_SHARDS: String(MAX_SHARDS) })).toBe(MAX_SHARDS);
  });

  it.each(['0', String(MAX_SHARDS + 1), 'two', '1.5', '-1', '2x'])(
    'refuses %j, naming the variable and the range',
    (raw) => {
      expect(() => shardCount({ LAB_TEST_SHARDS: raw })).toThrow(
        `LAB_TEST_SHARDS=${raw} is not an integer from 1 to ${MAX_SHARDS}`,
      );
    },
  );
});

describe('the table of measured seconds', () => {
  const { seconds: table, groups, alone } = loadSpecTable();

  it('lists every integration spec, and only those', () => {
    const specs = integrationSpecs();
    const missing = specs.filter((spec) => !table.has(spec));
    const gone = [...table.keys()].filter((key) => !specs.includes(key));
    // A new spec: add its seconds (jest prints them; each npm test run writes results/test/<run>/spec-seconds.json).
    expect({ missing, gone, file: SPEC_SECONDS_FILE }).toEqual({ missing: [], gone: [], file: SPEC_SECONDS_FILE });
  });

  it('names only listed specs in its groups and among those that run alone, each in one place at most', () => {
    const members = [...[...groups.values()].flat(), ...alone];
    expect(members.filter((key) => !table.has(key))).toEqual([]);
    expect(members.filter((key, i) => members.indexOf(key) !== i)).toEqual([]);
  });

  it('holds a positive number of seconds per spec', () => {
    const bad = [...table].filter(([, seconds]) => !(typeof seconds === 'number' && seconds > 0 && seconds < 3600));
    expect(bad).toEqual([]);
  });

  it("splits the tier into shards that differ by less than their longest unit's seconds, each group in one shard", () => {
    const { specs } = weigh(
      [...table.keys()].filter((key) => !alone.includes(key)),
      table,
    );
    const units = [...specs.map((s) => s.seconds), ...[...groups.values()].map((keys) => total(keys, table))];
    const longest = Math.max(...units);
    for (let count = 2; count <= MAX_SHARDS; count++) {
      const shards = assignShards(specs, count, [...groups.values()]);
      const sums = shards.map((keys) => total(keys, table));
      expect(Math.max(...sums) - Math.min(...sums)).toBeLessThan(longest);
      for (const keys of groups.values())
        expect(shards.filter((shard) => keys.some((key) => shard.includes(key)))).toHaveLength(1);
    }
  });
});

describe('assignShards', () => {
  const specs = [
    { key: 'e', seconds: 10 },
    { key: 'a', seconds: 100 },
    { key: 'b', seconds: 90 },
    { key: 'c', seconds: 50 },
    { key: 'd', seconds: 40 },
    { key: 'f', seconds: 10 },
  ];

  it('gives each spec to the lightest shard, longest first (LPT)', () => {
    // a→1 (100); b→2 (90); c→2 (140); d→1 (140); e→1, tie at 140 goes to the lower (150); f→2 (150).
    expect(assignShards(specs, 2)).toEqual([
      ['a', 'd', 'e'],
      ['b', 'c', 'f'],
    ]);
  });

  it('gives the same split whatever order the specs come in', () => {
    const reversed = assignShards([...specs].reverse(), 3);
    expect(reversed).toEqual(assignShards(specs, 3));
    expect(reversed.flat().sort()).toEqual(specs.map((s) => s.key).sort());
  });

  it('keeps a group whole, weighed as the sum of its specs', () => {
    // a→1 (100); b→2 (90); the group [c, d] weighs 90 too, after b by key→2 (180); e→1 (110); f→1 (120).
    expect(assignShards(specs, 2, [['d', 'c']])).toEqual([
      ['a', 'e', 'f'],
      ['b', 'c', 'd'],
    ]);
  });

  it('leaves the specs that run alone out of the split and appends them to shard 1', () => {
    // Without c: a→1 (100); b→2 (90); d→2 (130); e→1 (110); f→1 (120); then c, alone, last in 1.
    expect(assignShards(specs, 2, [], ['c'])).toEqual([
      ['a', 'e', 'f', 'c'],
      ['b', 'd'],
    ]);
  });

  it('leaves a shard empty when there are more shards than specs', () => {
    expect(assignShards([{ key: 'only', seconds: 5 }], 3)).toEqual([['only'], [], []]);
  });

  it('weighs a spec the table lacks as UNLISTED_SPEC_SECONDS and names it', () => {
    const table = new Map([['known', 7]]);
    expect(weigh(['known', 'new'], table)).toEqual({
      specs: [
        { key: 'known', seconds: 7 },
        { key: 'new', seconds: UNLISTED_SPEC_SECONDS },
      ],
      unlisted: ['new'],
    });
  });
});

describe('medianSeconds', () => {
  it("takes each spec's median over the runs, rounded, at least 1, in key order", () => {
    expect(
      medianSeconds([
        { b: 10, a: 0.2 },
        { b: 30, a: 0.4 },
        { b: 11, c: 7.5 },
      ]),
    ).toEqual({ a: 1, b: 11, c: 8 });
  });

  it('takes the mean of the middle two over an even number of runs', () => {
    expect(medianSeconds([{ a: 10 }, { a: 20 }, { a: 40 }, { a: 100 }])).toEqual({ a: 30 });
  });
});

describe('the sequencer', () => {
  const rootDir = REPO_ROOT;
  const test = (key: string): Test =>
    ({ path: join(rootDir, key), context: { config: { rootDir } } }) as unknown as Test;
  const sequencer = () => new WeightedSequencer({ contexts: [], globalConfig: {} as never });
  const keyOf = (t: Test): string => t.path.slice(rootDir.length + 1);

  it('hands each shard its part of the split, every spec to exactly one shard', async () => {
    const tests = integrationSpecs().map(test);
    const parts = await Promise.all(
      [1, 2].map((shardIndex) => sequencer().shard(tests, { shardIndex, shardCount: 2 })),
    );
    const table = loadSpecTable();
    const { specs } = weigh(integrationSpecs(), table.seconds);
    const expected = assignShards(specs, 2, [...table.groups.values()], table.alone);
    expect(parts.map((part) => part.map((t) => t.path))).toEqual(
      expected.map((keys) => keys.map((k) => join(rootDir, k))),
    );
    expect(parts.flat().length).toBe(tests.length);
  });

  it("keeps Jest's order but puts the specs that run alone last", async () => {
    const { alone } = loadSpecTable();
    const jestOrder = integrationSpecs().reverse();
    // Jest's own sort reads its timing cache and the files' sizes: stand in for it with a known order.
    const jestSort = jest
      .spyOn(Sequencer.prototype, 'sort')
      .mockImplementation((tests: Test[]) =>
        [...tests].sort((a, b) => jestOrder.indexOf(keyOf(a)) - jestOrder.indexOf(keyOf(b))),
      );
    try {
      const sorted = (await sequencer().sort(integrationSpecs().map(test))).map(keyOf);
      expect(sorted).toEqual([...jestOrder.filter((key) => !alone.includes(key)), ...alone]);
    } finally {
      jestSort.mockRestore();
    }
  });

  it('names an integration spec the table lacks, on stderr, and still places it', async () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const tests = [
        test('test/integration/brand-new.spec.ts'),
        test('test/integration/gateway-answers-405-with-allow.spec.ts'),
      ];
      const parts = await Promise.all(
        [1, 2].map((shardIndex) => sequencer().shard(tests, { shardIndex, shardCount: 2 })),
      );
      expect(
        parts
          .flat()
          .map((t) => t.path)
          .sort(),
      ).toEqual(tests.map((t) => t.path).sort());
      expect(write).toHaveBeenCalledWith(expect.stringContaining('test/integration/brand-new.spec.ts'));
      expect(write).not.toHaveBeenCalledWith(expect.stringContaining('gateway-answers-405'));
    } finally {
      write.mockRestore();
    }
  });
});
