import { createMetricsRegistry } from '#libs/observability';
import { isChaosInjected } from './errors';
import { FaultRegistry } from './fault-registry';
import { faultSpecSchema } from './fault-spec';
import { ChaosInjector, isExempt } from './injector';
import { sampleLatencyMs } from './latency';

describe('ChaosInjector', () => {
  let faults: FaultRegistry;
  let injector: ChaosInjector;
  const add = (input: object) => faults.add(faultSpecSchema.parse(input));

  beforeEach(() => {
    faults = new FaultRegistry({ registry: createMetricsRegistry({ service: 'test', defaultMetrics: false }) });
    injector = new ChaosInjector(faults, () => 0.5);
  });
  afterEach(() => faults.clear());

  it('matches route faults by path prefix (segment-wise) or route template, and whole-service faults everywhere', () => {
    add({ type: 'error', target: 'route:/v1/weather' });
    add({ type: 'latency', ms: 1, target: 'route:/v1/messages/:id' });
    expect(injector.requestFaults('/v1/weather').map((f) => f.type)).toEqual(['error']);
    expect(injector.requestFaults('/v1/weather/extra')).toHaveLength(1);
    expect(injector.requestFaults('/v1/weatherman')).toHaveLength(0);
    expect(injector.requestFaults('/v1/messages/abc', '/v1/messages/:id').map((f) => f.type)).toEqual(['latency']);
    add({ type: 'hang' });
    expect(injector.requestFaults('/anything')).toHaveLength(1);
  });

  it('never touches /health, /metrics or the chaos API', () => {
    add({ type: 'error' });
    for (const path of ['/health/ready', '/health/live', '/metrics', '/admin/chaos/faults']) {
      expect(isExempt(path)).toBe(true);
      expect(injector.requestFaults(path)).toEqual([]);
    }
  });

  it('fails a request at the fault rate with the fault status', async () => {
    const fault = add({ type: 'error', rate: 0.6, status: 502, target: 'route:/v1/weather' });
    await expect(injector.onRequest('/v1/weather', undefined, new AbortController().signal)).resolves.toEqual({
      kind: 'fail',
      fault,
      status: 502,
    });
    const below = new ChaosInjector(faults, () => 0.7);
    await expect(below.onRequest('/v1/weather', undefined, new AbortController().signal)).resolves.toEqual({
      kind: 'pass',
    });
  });

  it('throws ChaosInjectedError before a call to a faulted dependency only', async () => {
    add({ type: 'error', rate: 1, status: 503, target: 'dependency:provider' });
    const error = await injector.beforeDependency('provider').catch((e: unknown) => e);
    expect(isChaosInjected(error) && error.status).toBe(503);
    await expect(injector.beforeDependency('data-service')).resolves.toBeUndefined();
  });

  describe('with a fake clock', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('delays a dependency call by the fault latency', async () => {
      add({ type: 'latency', ms: 300, target: 'dependency:provider' });
      let done = false;
      const call = injector.beforeDependency('provider').then(() => (done = true));
      await jest.advanceTimersByTimeAsync(299);
      expect(done).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await call;
      expect(done).toBe(true);
    });

    it('holds a hung dependency call until its caller aborts, then throws the caller reason', async () => {
      add({ type: 'hang', target: 'dependency:provider', durationMs: 60_000 });
      const caller = new AbortController();
      const call = injector.beforeDependency('provider', caller.signal).catch((e: unknown) => e);
      await jest.advanceTimersByTimeAsync(5000);
      caller.abort(new Error('breaker timeout'));
      await expect(call).resolves.toEqual(new Error('breaker timeout'));
    });

    it('releases a hung request when the fault expires', async () => {
      add({ type: 'hang', durationMs: 2000 });
      let verdict: unknown;
      const held = injector
        .onRequest('/v1/messages', undefined, new AbortController().signal)
        .then((v) => (verdict = v));
      await jest.advanceTimersByTimeAsync(1999);
      expect(verdict).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      await held;
      expect(verdict).toEqual({ kind: 'pass' });
    });
  });
});

describe('sampleLatencyMs', () => {
  it('uniform stays within ms ± jitter', () => {
    expect(sampleLatencyMs({ ms: 100, jitterMs: 20, distribution: 'uniform' }, () => 0)).toBe(80);
    expect(sampleLatencyMs({ ms: 100, jitterMs: 20, distribution: 'uniform' }, () => 0.999999)).toBe(120);
  });

  it('exponential has the fault ms as its mean', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    let total = 0;
    for (let i = 0; i < 20_000; i++)
      total += sampleLatencyMs({ ms: 100, jitterMs: 0, distribution: 'exponential' }, random);
    expect(total / 20_000).toBeGreaterThan(95);
    expect(total / 20_000).toBeLessThan(105);
  });

  it('never goes below zero', () => {
    expect(sampleLatencyMs({ ms: 10, jitterMs: 1000, distribution: 'normal' }, () => 0.999)).toBeGreaterThanOrEqual(0);
  });
});
