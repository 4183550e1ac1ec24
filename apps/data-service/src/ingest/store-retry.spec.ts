import { whileStoreFails } from './store-retry';

const fast = { baseDelayMs: 1, maxDelayMs: 2 };

describe('whileStoreFails', () => {
  it('retries until the store answers, with a heartbeat before each retry', async () => {
    let calls = 0;
    let heartbeats = 0;
    const retried: number[] = [];
    const result = await whileStoreFails(
      async () => {
        calls++;
        if (calls < 4) throw new Error('database is locked');
        return 'stored';
      },
      {
        ...fast,
        attempts: Number.POSITIVE_INFINITY,
        signal: new AbortController().signal,
        heartbeat: async () => void heartbeats++,
        onRetry: (_error, attempt) => retried.push(attempt),
      },
    );
    expect(result).toBe('stored');
    expect(calls).toBe(4);
    expect(heartbeats).toBe(3);
    expect(retried).toEqual([1, 2, 3]);
  });

  it('gives up after its attempts with the store’s own error', async () => {
    let calls = 0;
    const work = async () => {
      calls++;
      throw new Error('connection refused');
    };
    await expect(
      whileStoreFails(work, {
        ...fast,
        attempts: 3,
        signal: new AbortController().signal,
        heartbeat: async () => undefined,
        onRetry: () => undefined,
      }),
    ).rejects.toThrow('connection refused');
    expect(calls).toBe(3);
  });

  it('stops waiting when the service shuts down', async () => {
    const stopping = new AbortController();
    let calls = 0;
    const pending = whileStoreFails(
      async () => {
        calls++;
        if (calls === 2) stopping.abort(new Error('shutting down'));
        throw new Error('still down');
      },
      {
        baseDelayMs: 5,
        maxDelayMs: 10,
        attempts: Number.POSITIVE_INFINITY,
        signal: stopping.signal,
        heartbeat: async () => undefined,
        onRetry: () => undefined,
      },
    );
    await expect(pending).rejects.toThrow();
    expect(calls).toBe(2);
  });
});
