import { createLogger, createMetricsRegistry } from '#libs/observability';
import { DEFAULT_BREAKER_OPTIONS } from '#libs/resilience';
import { DataServiceError, dependencyProblem } from '../errors';
import type { MessageReader } from './message-reader';
import { GuardedMessageReader } from './guarded-message-reader';

function reader(fail: () => DataServiceError | undefined): MessageReader & { calls: number } {
  const state = {
    calls: 0,
    async getMessage() {
      state.calls++;
      const error = fail();
      if (error) throw error;
      return undefined;
    },
    async listUserMessages() {
      return { items: [], nextBefore: null };
    },
  };
  return state;
}

const READER = { clientId: 'jeeves-demo' };

const options = {
  // Opens after 3 calls of which half fail, and stays open for the rest of the test.
  breaker: { ...DEFAULT_BREAKER_OPTIONS, timeoutMs: 1000, volumeThreshold: 3, resetTimeoutMs: 60_000 },
  registry: createMetricsRegistry({ service: 'test', defaultMetrics: false }),
  logger: createLogger({ service: 'test', level: 'silent' }),
};

describe('GuardedMessageReader', () => {
  it('fails fast with a 503 + Retry-After once data-service keeps failing', async () => {
    const inner = reader(() => new DataServiceError('EUNAVAILABLE', 'down'));
    const guarded = new GuardedMessageReader(inner, {
      ...options,
      registry: createMetricsRegistry({ service: 'test', defaultMetrics: false }),
    });
    for (let i = 0; i < 3; i++)
      await expect(guarded.getMessage('x', READER)).rejects.toMatchObject({ code: 'EUNAVAILABLE' });
    expect(guarded.breaker.state).toBe('open');
    const error = await guarded.getMessage('x', READER).catch((e: unknown) => e);
    expect(inner.calls).toBe(3);
    expect(error).toBeInstanceOf(DataServiceError);
    expect(dependencyProblem(error)).toMatchObject({ status: 503, retryAfterSeconds: 1 });
    guarded.breaker.shutdown();
  });

  it('lets a rejected query (400) through without opening', async () => {
    const guarded = new GuardedMessageReader(
      reader(() => new DataServiceError('EREJECTED', 'bad before')),
      { ...options, registry: createMetricsRegistry({ service: 'test', defaultMetrics: false }) },
    );
    for (let i = 0; i < 5; i++)
      await expect(guarded.getMessage('x', READER)).rejects.toMatchObject({ code: 'EREJECTED' });
    expect(guarded.breaker.state).toBe('closed');
    guarded.breaker.shutdown();
  });

  it('passes answers through', async () => {
    const guarded = new GuardedMessageReader(
      reader(() => undefined),
      { ...options, registry: createMetricsRegistry({ service: 'test', defaultMetrics: false }) },
    );
    await expect(guarded.getMessage('x', READER)).resolves.toBeUndefined();
    await expect(guarded.listUserMessages('alice', { ...READER, limit: 1 })).resolves.toEqual({
      items: [],
      nextBefore: null,
    });
    guarded.breaker.shutdown();
  });
});
