import { Watcher, watchKey } from './watcher';

/** A watcher over one counter whose scrapes answer `texts` in turn (undefined: the app did not answer). */
async function sampled(texts: ReadonlyArray<string | undefined>): Promise<{ watcher: Watcher; key: string }> {
  const spec = { app: 'gateway' as const, metric: 'c_total', aggregate: 'sum' as const, missingAsZero: true };
  let i = 0;
  let t = 0;
  const watcher = new Watcher(
    [spec],
    [],
    { scrape: () => Promise.resolve(texts[i] === undefined ? [] : [texts[i] as string]) },
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

  it('is undefined when no sample had a value', async () => {
    const { watcher, key } = await sampled([undefined, undefined]);
    expect(watcher.increase(key, 0)).toBeUndefined();
  });
});
