import { createMetricsRegistry, type MetricsRegistry } from '#libs/observability';
import { FaultRegistry } from './fault-registry';
import { faultSpecSchema } from './fault-spec';

async function activeGauge(registry: MetricsRegistry): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric('jeeves_chaos_active_faults');
  const { values } = await metric!.get();
  return Object.fromEntries(values.map((v) => [`${v.labels.type} ${v.labels.target}`, v.value]));
}

describe('FaultRegistry', () => {
  let registry: MetricsRegistry;
  let faults: FaultRegistry;

  beforeEach(() => {
    jest.useFakeTimers();
    registry = createMetricsRegistry({ service: 'test', defaultMetrics: false });
    faults = new FaultRegistry({ registry });
  });
  afterEach(() => {
    faults.clear();
    jest.useRealTimers();
  });

  const spec = (input: object) => faultSpecSchema.parse(input);

  it('gives every fault an id, its params and an expiry, and lists it', () => {
    const fault = faults.add(spec({ type: 'latency', ms: 200, target: 'route:/v1/weather', durationMs: 2000 }));
    expect(fault).toMatchObject({
      type: 'latency',
      target: 'route:/v1/weather',
      params: { ms: 200, jitterMs: 0, distribution: 'uniform' },
    });
    expect(Date.parse(fault.expiresAt) - Date.parse(fault.createdAt)).toBe(2000);
    expect(faults.list()).toEqual([fault]);
  });

  it('removes a fault by itself when its duration is over, and says so to listeners', () => {
    const events: string[] = [];
    faults.subscribe((event, fault) => events.push(`${event} ${fault.type}`));
    faults.add(spec({ type: 'error', rate: 1, status: 503, durationMs: 2000 }));
    jest.advanceTimersByTime(1999);
    expect(faults.list()).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(faults.list()).toHaveLength(0);
    expect(events).toEqual(['added error', 'removed error']);
  });

  it('keeps the active-faults gauge exact, back to 0', async () => {
    const a = faults.add(spec({ type: 'error', target: 'route:/v1/weather' }));
    faults.add(spec({ type: 'error', target: 'route:/v1/weather' }));
    faults.add(spec({ type: 'cpu', percent: 10 }));
    expect(await activeGauge(registry)).toEqual({ 'error route:/v1/weather': 2, 'cpu service': 1 });
    faults.remove(a.id);
    expect(await activeGauge(registry)).toEqual({ 'error route:/v1/weather': 1, 'cpu service': 1 });
    faults.clear();
    expect(await activeGauge(registry)).toEqual({ 'error route:/v1/weather': 0, 'cpu service': 0 });
    const injected = await registry.getSingleMetric('jeeves_chaos_faults_injected_total')!.get();
    expect(injected.values.find((v) => v.labels.type === 'error')?.value).toBe(2);
  });

  it('wakes waiters when a fault goes', async () => {
    const fault = faults.add(spec({ type: 'hang', durationMs: 1000 }));
    let woke = false;
    const waiting = faults.whenGone(fault.id).then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    jest.advanceTimersByTime(1000);
    await waiting;
    expect(woke).toBe(true);
  });

  it('remove is false for an unknown id', () => {
    expect(faults.remove('nope')).toBe(false);
  });
});
