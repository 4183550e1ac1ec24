import { InMemoryIdempotencyStore } from './idempotency-store';

describe('InMemoryIdempotencyStore', () => {
  let nowMs = 0;
  const store = (maxKeys = 100) => new InMemoryIdempotencyStore({ ttlMs: 1000, maxKeys, now: () => nowMs });

  beforeEach(() => (nowMs = 10_000));

  it('claims a new key, then reports it done with its message id', async () => {
    const s = store();
    const claim = await s.claim('k', 'fp');
    expect(claim.kind).toBe('claimed');
    if (claim.kind !== 'claimed') return;
    await claim.complete('m-1');
    expect(await s.claim('k', 'other')).toEqual({ kind: 'done', record: { fingerprint: 'fp', messageId: 'm-1' } });
  });

  it('tells a concurrent claimer to wait, and hands it the result', async () => {
    const s = store();
    const first = await s.claim('k', 'fp');
    const second = await s.claim('k', 'fp');
    expect(second.kind).toBe('pending');
    if (first.kind !== 'claimed' || second.kind !== 'pending') return;
    await first.complete('m-1');
    await expect(second.settled).resolves.toEqual({ fingerprint: 'fp', messageId: 'm-1' });
  });

  it('gives the key back to a retry of the same request when the holder releases it', async () => {
    const s = store();
    const first = await s.claim('k', 'fp');
    const waiting = await s.claim('k', 'fp');
    if (first.kind !== 'claimed' || waiting.kind !== 'pending') throw new Error('unexpected claims');
    await first.release();
    await expect(waiting.settled).resolves.toBeUndefined();
    const retry = await s.claim('k', 'fp');
    expect(retry.kind).toBe('claimed');
    if (retry.kind === 'claimed') await retry.complete('m-1');
    expect(await s.claim('k', 'fp')).toEqual({ kind: 'done', record: { fingerprint: 'fp', messageId: 'm-1' } });
  });

  it('keeps a released key bound to its request: another body gets `released`, not the key', async () => {
    const s = store();
    const first = await s.claim('k', 'fp');
    if (first.kind !== 'claimed') throw new Error('unexpected claim');
    await first.release();
    expect(await s.claim('k', 'other')).toEqual({ kind: 'released', fingerprint: 'fp' });
    // Released keys expire with their first claim's TTL.
    nowMs += 1000;
    expect((await s.claim('k', 'other')).kind).toBe('claimed');
  });

  it('forgets keys after the TTL', async () => {
    const s = store();
    const claim = await s.claim('k', 'fp');
    if (claim.kind === 'claimed') await claim.complete('m-1');
    nowMs += 999;
    expect((await s.claim('k', 'fp')).kind).toBe('done');
    nowMs += 1;
    expect((await s.claim('k', 'fp')).kind).toBe('claimed');
  });

  it('stays bounded, evicting the oldest keys', async () => {
    const s = store(3);
    for (const key of ['a', 'b', 'c', 'd']) {
      const claim = await s.claim(key, 'fp');
      if (claim.kind === 'claimed') await claim.complete(`m-${key}`);
    }
    expect(s.size()).toBe(3);
    expect((await s.claim('a', 'fp')).kind).toBe('claimed');
    expect((await s.claim('d', 'fp')).kind).toBe('done');
  });
});
