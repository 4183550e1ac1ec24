import { Bulkhead } from './bulkhead';
import { BulkheadRejectedError, isBulkheadRejected } from './errors';
import { freshRegistry, metricValue } from './testing/fixtures';

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('bulkhead', () => {
  it('runs up to maxConcurrent at once, queues up to maxQueue, rejects the rest with EBULKHEAD', async () => {
    const registry = freshRegistry();
    const bulkhead = new Bulkhead('provider', { maxConcurrent: 2, maxQueue: 1, queueTimeoutMs: 60_000 }, registry);
    const g = gate();
    let running = 0;
    let peak = 0;
    const work = async () => {
      running++;
      peak = Math.max(peak, running);
      await g.promise;
      running--;
      return 'done';
    };
    const accepted = [bulkhead.run(work), bulkhead.run(work), bulkhead.run(work)];
    expect(bulkhead.inFlight).toBe(2);
    expect(bulkhead.queued).toBe(1);
    expect(await metricValue(registry, 'jeeves_bulkhead_active', { dependency: 'provider' })).toBe(2);

    const rejected = bulkhead.run(work);
    await expect(rejected).rejects.toBeInstanceOf(BulkheadRejectedError);
    await expect(rejected).rejects.toMatchObject({ code: 'EBULKHEAD', reason: 'queue-full', dependency: 'provider' });
    expect(await metricValue(registry, 'jeeves_bulkhead_rejections_total', { dependency: 'provider' })).toBe(1);

    g.open();
    await expect(Promise.all(accepted)).resolves.toEqual(['done', 'done', 'done']);
    expect(peak).toBe(2);
    expect(bulkhead.inFlight).toBe(0);
    expect(await metricValue(registry, 'jeeves_bulkhead_active', { dependency: 'provider' })).toBe(0);
  });

  it('frees the slot when work fails', async () => {
    const bulkhead = new Bulkhead('provider', { maxConcurrent: 1, maxQueue: 0, queueTimeoutMs: 10 }, freshRegistry());
    await expect(bulkhead.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(bulkhead.run(() => Promise.resolve(1))).resolves.toBe(1);
  });

  describe('with a fake clock', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('rejects a queued call whose wait runs past queueTimeoutMs', async () => {
      const bulkhead = new Bulkhead(
        'provider',
        { maxConcurrent: 1, maxQueue: 5, queueTimeoutMs: 100 },
        freshRegistry(),
      );
      const g = gate();
      const holder = bulkhead.run(() => g.promise);
      const waiting = bulkhead.run(() => Promise.resolve('late'));
      jest.advanceTimersByTime(100);
      await expect(waiting).rejects.toMatchObject({ code: 'EBULKHEAD', reason: 'queue-timeout' });
      expect(isBulkheadRejected(await waiting.catch((error: unknown) => error))).toBe(true);
      expect(bulkhead.queued).toBe(0);
      g.open();
      await holder;
      expect(bulkhead.inFlight).toBe(0);
    });
  });
});
