import { ChaosInjectedError } from '#libs/chaos';
import { NonRetryableError } from '#libs/kafka';
import { whileStoreFails } from './store-retry';

const locked = () => Object.assign(new Error('database is locked'), { code: 'ERR_SQLITE_ERROR', errcode: 5 });
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

const fast = { baseDelayMs: 1, maxDelayMs: 2 };

describe('whileStoreFails', () => {
  it('retries until the store answers, with a heartbeat before each retry', async () => {
    let calls = 0;
    let heartbeats = 0;
    const retried: number[] = [];
    const result = await whileStoreFails(
      async () => {
        calls++;
        if (calls < 4) throw locked();
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
      throw refused();
    };
    await expect(
      whileStoreFails(work, {
        ...fast,
        attempts: 3,
        signal: new AbortController().signal,
        heartbeat: async () => undefined,
        onRetry: () => undefined,
      }),
    ).rejects.toThrow('ECONNREFUSED');
    expect(calls).toBe(3);
  });

  it('stops waiting when the service shuts down', async () => {
    const stopping = new AbortController();
    let calls = 0;
    const pending = whileStoreFails(
      async () => {
        calls++;
        if (calls === 2) stopping.abort(new Error('shutting down'));
        throw new ChaosInjectedError('f1', 503, 'call to store');
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

  it('throws a bug at once as a NonRetryableError, never waiting on it like a store outage (issue 10, case 1)', async () => {
    let calls = 0;
    let retries = 0;
    const pending = whileStoreFails(
      async () => {
        calls++;
        return (null as unknown as Buffer).toString('utf8');
      },
      {
        ...fast,
        attempts: Number.POSITIVE_INFINITY,
        signal: new AbortController().signal,
        heartbeat: async () => undefined,
        onRetry: () => void retries++,
      },
    );
    await expect(pending).rejects.toBeInstanceOf(NonRetryableError);
    await expect(pending).rejects.toThrow(/not a store outage.*TypeError/);
    expect(calls).toBe(1);
    expect(retries).toBe(0);
  });

  it.each([
    ['a rebalance', Object.assign(new Error('The group is rebalancing'), { type: 'REBALANCE_IN_PROGRESS', code: 27 })],
    ['a broker blip', Object.assign(new Error('Connection error: ECONNREFUSED'), { code: 'ECONNREFUSED' })],
  ])(
    'hands a heartbeat failure (%s) back as it was, neither retried as a store outage nor thrown as a NonRetryableError',
    async (_what, failure) => {
      let calls = 0;
      let heartbeats = 0;
      const pending = whileStoreFails(
        async () => {
          calls++;
          throw locked();
        },
        {
          ...fast,
          attempts: Number.POSITIVE_INFINITY,
          signal: new AbortController().signal,
          heartbeat: async () => {
            heartbeats++;
            throw failure;
          },
          onRetry: () => undefined,
        },
      );
      // The transport hands a rebalance straight to kafkajs and retries anything else; a
      // NonRetryableError would be dead-lettered as handler-error, never to be applied again.
      await expect(pending).rejects.toBe(failure);
      expect(calls).toBe(1);
      expect(heartbeats).toBe(1);
    },
  );
});
