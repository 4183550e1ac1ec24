import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from '@jest/test-result';
import { REPO_ROOT } from '../lab';
import Sequencer from '@jest/test-sequencer';
import WeightedSequencer from './sequencer';
import {
  CLASSES,
  DEFAULT_SHARDS,
  loadSpecTable,
  medianSeconds,
  MAX_SHARDS,
  planShards,
  shardCount,
  specClass,
  SPEC_SECONDS_FILE,
  type SpecTable,
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

const total = (keys: readonly string[], seconds: ReadonlyMap<string, number>): number =>
  keys.reduce((sum, key) => sum + (seconds.get(key) ?? 0), 0);

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
  const table = loadSpecTable();
  const { seconds } = table;

  it('lists every integration spec, and only those', () => {
    const specs = integrationSpecs();
    const missing = specs.filter((spec) => !seconds.has(spec));
    const gone = [...seconds.keys()].filter((key) => !specs.includes(key));
    // A new spec: add its seconds (jest prints them; each npm test run writes results/test/<run>/spec-seconds.json).
    expect({ missing, gone, file: SPEC_SECONDS_FILE }).toEqual({ missing: [], gone: [], file: SPEC_SECONDS_FILE });
  });

  it('names only listed specs in its classes, each spec in one class at most', () => {
    const members = [...table.alone, ...table.exclusive, ...table.sensitive];
    expect(members.filter((key) => !seconds.has(key))).toEqual([]);
    expect(members.filter((key, i) => members.indexOf(key) !== i)).toEqual([]);
  });

  it('names no spec that cleans up in a root afterAll, which would run after its turn is given back', () => {
    // test/integration/support/turns.ts releases the turn in a root afterAll, added before the spec's own.
    const members = [...table.alone, ...table.exclusive, ...table.sensitive];
    const rootAfterAll = members.filter((key) => /^afterAll\(/m.test(readFileSync(join(REPO_ROOT, key), 'utf8')));
    expect(rootAfterAll).toEqual([]);
  });

  it('holds a positive number of seconds per spec', () => {
    const bad = [...seconds].filter(([, s]) => !(typeof s === 'number' && s > 0 && s < 3600));
    expect(bad).toEqual([]);
  });

  it.each(Array.from({ length: MAX_SHARDS - 1 }, (_, i) => i + 2))(
    'splits the tier into %i shards that differ by less than its longest spec (alone specs aside), exclusive and alone specs in shard 1',
    (count) => {
      const { specs } = weigh([...seconds.keys()], seconds);
      const shards = planShards(specs, count, table);
      // Alone specs run after every shard has ended: the balance is of the rest.
      const sums = shards.map((keys) =>
        total(
          keys.filter((key) => !table.alone.includes(key)),
          seconds,
        ),
      );
      expect(Math.max(...sums) - Math.min(...sums)).toBeLessThan(Math.max(...specs.map((s) => s.seconds)));
      expect(shards.flat().sort()).toEqual([...seconds.keys()].sort());
      for (const key of [...table.exclusive, ...table.alone]) expect(shards[0]).toContain(key);
    },
  );
});

describe('planShards', () => {
  const spec = (key: string, seconds: number) => ({ key, seconds });
  const classes: Pick<SpecTable, 'alone' | 'exclusive' | 'sensitive'> = {
    exclusive: ['x1', 'x2'],
    sensitive: ['s1', 's2', 's3'],
    alone: ['a'],
  };
  const specs = [
    spec('x1', 60),
    spec('x2', 40),
    spec('s1', 80),
    spec('s2', 50),
    spec('s3', 30),
    spec('l1', 45),
    spec('l2', 35),
    spec('l3', 30),
    spec('l4', 10),
    spec('a', 20),
  ];

  it('puts the exclusive specs in shard 1, covers them with light ones elsewhere, spreads the rest (LPT), ends shard 1 with the alone ones', () => {
    // Exclusive: x1, x2 → 1 (100). Cover up to 100 in 2: l1 (45), l2 (80), l3 would pass 100 → later, l4 (90).
    // LPT: s1 (80) → 2 (170); s2 (50) → 1 (150); l3 (30) and s3 (30), by key: l3 → 1 (180), s3 → 2 (200).
    expect(planShards(specs, 2, classes)).toEqual([
      ['x1', 'x2', 's2', 'l3', 'a'],
      ['l1', 'l2', 'l4', 's1', 's3'],
    ]);
  });

  it('gives the same split whatever order the specs come in', () => {
    expect(planShards([...specs].reverse(), 3, classes)).toEqual(planShards(specs, 3, classes));
  });

  it('is plain LPT without exclusive specs, and leaves a shard empty when there are more shards than specs', () => {
    const none = { exclusive: [], sensitive: [], alone: [] };
    expect(planShards([spec('b', 5), spec('c', 9), spec('d', 4)], 2, none)).toEqual([['c'], ['b', 'd']]);
    expect(planShards([spec('only', 5)], 3, none)).toEqual([['only'], [], []]);
  });

  it('knows a class by the table, light for any spec it does not name', () => {
    expect(['x1', 's1', 'a', 'l1'].map((key) => specClass(key, classes))).toEqual([
      'exclusive',
      'sensitive',
      'alone',
      'light',
    ]);
  });

  it('weighs a spec the table lacks as UNLISTED_SPEC_SECONDS and names it', () => {
    expect(weigh(['known', 'new'], new Map([['known', 7]]))).toEqual({
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
    expect(parts.map((part) => part.map(keyOf))).toEqual(planShards(specs, 2, table));
    expect(parts.flat().length).toBe(tests.length);
  });

  it("keeps Jest's order within each class and runs the classes in CLASSES' order", async () => {
    const table = loadSpecTable();
    const jestOrder = integrationSpecs().reverse();
    // Jest's own sort reads its timing cache and the files' sizes: stand in for it with a known order.
    const jestSort = jest
      .spyOn(Sequencer.prototype, 'sort')
      .mockImplementation((tests: Test[]) =>
        [...tests].sort((a, b) => jestOrder.indexOf(keyOf(a)) - jestOrder.indexOf(keyOf(b))),
      );
    try {
      const sorted = (await sequencer().sort(integrationSpecs().map(test))).map(keyOf);
      const expected = CLASSES.flatMap((name) => jestOrder.filter((key) => specClass(key, table) === name));
      expect(sorted).toEqual(expected);
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
      expect(parts.flat().map(keyOf).sort()).toEqual(tests.map(keyOf).sort());
      expect(write).toHaveBeenCalledWith(expect.stringContaining('test/integration/brand-new.spec.ts'));
      expect(write).not.toHaveBeenCalledWith(expect.stringContaining('gateway-answers-405'));
    } finally {
      write.mockRestore();
    }
  });
});
