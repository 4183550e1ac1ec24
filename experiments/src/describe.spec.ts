import { experimentDescriptionSchema } from '#libs/contracts';
import { experimentNames } from './definition';
import { describeExperiment, describeExperiments } from './describe';

/** What `lab experiments --json` says of the shipped definitions (and the console shows). */
describe('describing the shipped experiments', () => {
  it('describes every shipped experiment in the contract shape, full and short', () => {
    const described = describeExperiments();
    expect(described.map((d) => d.name)).toEqual(experimentNames());
    for (const d of described) expect(experimentDescriptionSchema.parse(d)).toEqual(d);
  });

  it('plans provider-outage: its outage step, phases on the timeline, hypothesis and needs', () => {
    const d = describeExperiment('provider-outage');
    expect(d.full.steps).toEqual([
      expect.objectContaining({ id: 'outage', atS: 30, forS: 30, label: expect.stringMatching(/provider/) }),
    ]);
    expect(d.short.steps).toEqual([expect.objectContaining({ id: 'outage', atS: 20, forS: 15 })]);
    expect(d.short.phases).toEqual([
      { phase: 'baseline', fromS: 0, toS: 20 },
      { phase: 'method', fromS: 20, toS: 35 },
      { phase: 'recovery', fromS: 35, toS: 42 },
      { phase: 'load-end', fromS: 35, toS: 55 },
    ]);
    expect(d.short.load).toEqual({ scenario: 'chaos', ratePerSecond: 5, rampSeconds: 5, durationSeconds: 55 });
    expect(d.full.hypothesis.deviation.map((p) => `${p.name} (${p.holds})`)).toContain('breaker opens (sometimes)');
    expect(d.full.hypothesis.recovery.withinSeconds).toBe(7);
    expect(d.full.hypothesis.loadThresholds).toEqual({ http_req_failed: ['rate<0.01'], checks: ['rate>0.99'] });
    expect(d.needs).toEqual(expect.arrayContaining(['prometheus', 'kafka', 'provider', 'worker/metrics']));
    expect(d.requiresBrokers).toBeUndefined();
  });

  it('says which need three brokers and which have variants, and plans the drain of a ledger', () => {
    const failover = describeExperiment('broker-failover');
    expect(failover.requiresBrokers).toBe(3);
    expect(failover.variants.map((v) => v.name)).toEqual(['acks-all', 'acks-1']);
    const crash = describeExperiment('worker-crash');
    expect(crash.full.ledger).toEqual(expect.objectContaining({ drainSeconds: expect.any(Number) }));
    expect(crash.full.phases.at(-1)).toEqual(
      expect.objectContaining({ phase: 'drain', fromS: crash.full.load.durationSeconds }),
    );
  });
});
