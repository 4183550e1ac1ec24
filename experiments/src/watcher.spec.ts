import { clusterKey, sampledKey, Watcher, watchKey } from './watcher';

/** A watcher over one counter whose scrapes answer `texts` in turn (undefined: the app did not answer). */
async function sampled(texts: ReadonlyArray<string | undefined>): Promise<{ watcher: Watcher; key: string }> {
  const spec = { app: 'gateway' as const, metric: 'c_total', aggregate: 'sum' as const, missingAsZero: true };
  let i = 0;
  let t = 0;
  const watcher = new Watcher(
    [spec],
    [],
    {
      scrape: () => Promise.resolve(texts[i] === undefined ? [] : [{ instance: 'gateway', text: texts[i] as string }]),
    },
    undefined,
    () => t,
  );
  for (; i < texts.length; i++, t++) await watcher.sampleOnce();
  return { watcher, key: watchKey(spec) };
}

describe('Watcher.increase', () => {
  it('is the growth from the last sample at or before the start', async () => {
    const { watcher, key } = await sampled(['c_total 100', 'c_total 104', 'c_total 110']);
    expect(watcher.increase(key, 0)).toBe(10);
    expect(watcher.increase(key, 1)).toBe(6);
  });

  it('counts across a restart: a drop is a new process counting from zero', async () => {
    // 100 → 104, restarted (no answer, then no series yet), then 3 more.
    const { watcher, key } = await sampled(['c_total 100', 'c_total 104', undefined, '', 'c_total 3']);
    expect(watcher.increase(key, 0)).toBe(7);
  });

  it('counts each instance on its own: one of two missing a scrape, restarting or stopping is no drop of the sum', async () => {
    const spec = { app: 'gateway' as const, metric: 'c_total', aggregate: 'sum' as const, missingAsZero: true };
    // Per round, gateway-1 and gateway-2 (undefined: that instance did not answer, or no longer runs).
    const rounds: Array<[string | undefined, string | undefined]> = [
      ['c_total 100', 'c_total 50'],
      ['c_total 101', undefined], // gateway-2's scrape timed out
      ['c_total 102', 'c_total 51'],
      ['c_total 103', 'c_total 1'], // gateway-2 restarted: 1 since
      ['c_total 104', undefined], // gateway-2 stopped (scaled in)
    ];
    let i = 0;
    let t = 0;
    const watcher = new Watcher(
      [spec],
      [],
      {
        scrape: () =>
          Promise.resolve(
            rounds[i]!.flatMap((text, n) => (text === undefined ? [] : [{ instance: `gateway-${n + 1}`, text }])),
          ),
      },
      undefined,
      () => t,
    );
    for (; i < rounds.length; i++, t++) await watcher.sampleOnce();
    // gateway-1: +4; gateway-2: +1, then +1 after its restart. The summed series reads 150, 101,
    // 153, 104, 104: taken as one counter, its drops looked like restarts and counted 257.
    expect(watcher.increase(watchKey(spec), 0)).toBe(6);
    expect(watcher.increase(watchKey(spec), 0, 2)).toBe(3);
  });

  it('counts an instance that first answers after the start, beside others already counted, from zero', async () => {
    const spec = { app: 'data-service' as const, metric: 'c_total', aggregate: 'sum' as const };
    const rounds = [['c_total 10'], ['c_total 11'], ['c_total 12', 'c_total 5']];
    let i = 0;
    let t = 0;
    const watcher = new Watcher(
      [spec],
      [],
      { scrape: () => Promise.resolve(rounds[i]!.map((text, n) => ({ instance: `data-service-${n + 1}`, text }))) },
      undefined,
      () => t,
    );
    for (; i < rounds.length; i++, t++) await watcher.sampleOnce();
    expect(watcher.increase(watchKey(spec), 0)).toBe(2 + 5);
  });

  it('is undefined when no sample had a value', async () => {
    const { watcher, key } = await sampled([undefined, undefined]);
    expect(watcher.increase(key, 0)).toBeUndefined();
  });
});

describe('Watcher cluster sources', () => {
  it('samples each partition count with the other series, a failed metadata request as no data', async () => {
    const under = { count: 'under-replicated' as const };
    const leaderless = { count: 'led-by-down-broker' as const, topic: 'messages' as const };
    const answers: Array<number | Error> = [0, 4, new Error('no broker answered'), 0];
    let i = 0;
    let t = 0;
    const watcher = new Watcher(
      [],
      [],
      {
        scrape: () => Promise.resolve([]),
        clusterCount: (spec) => {
          const answer = spec.count === 'under-replicated' ? answers[i] : 1;
          return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
        },
      },
      undefined,
      () => t,
      [],
      [under, leaderless],
    );
    for (; i < answers.length; i++, t++) await watcher.sampleOnce();
    expect(clusterKey(under)).toBe('cluster:under-replicated:all');
    expect(sampledKey({ cluster: leaderless })).toBe('cluster:led-by-down-broker:messages');
    expect(watcher.samples(clusterKey(under)).map((s) => s.value)).toEqual([0, 4, undefined, 0]);
    expect(watcher.latest(clusterKey(leaderless))).toBe(1);
    expect(Object.keys(watcher.all())).toEqual(['cluster:under-replicated:all', 'cluster:led-by-down-broker:messages']);
  });
});
