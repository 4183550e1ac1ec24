import {
  deepMerge,
  ExperimentError,
  experimentNames,
  loadExperiment,
  parseExperiment,
  resolveMoment,
  variantRuns,
} from './definition';

const minimal = {
  name: 'x',
  description: 'd',
  load: { rate: 1, durationSeconds: '1m' },
  method: [{ id: 'outage', at: '10s', inject: { service: 'provider', fault: { type: 'error' } }, for: '20s' }],
  recovery: { withinSeconds: '7s' },
};

describe('shipped experiments', () => {
  const SHIPPED = [
    'broker-failover',
    'broker-restart',
    'flood',
    'format-rollout',
    'poison-pill',
    'provider-outage',
    'reads-under-rebalance',
    'scale-out',
    'slow-consumer',
    'worker-crash',
  ];

  it('are the ten the lab promises', () => {
    expect(experimentNames()).toEqual(SHIPPED);
  });

  it.each(SHIPPED)('%s is valid in full and --short', (name) => {
    const full = loadExperiment(name);
    const short = loadExperiment(name, { short: true });
    expect(full.name).toBe(name);
    expect(short.load.durationSeconds).toBeLessThan(full.load.durationSeconds);
  });
});

describe('parseExperiment', () => {
  it('reads durations in k6 style and fills defaults', () => {
    const e = parseExperiment(minimal);
    expect(e.load.durationSeconds).toBe(60);
    expect(e.method[0]).toMatchObject({ at: 10, for: 20 });
    expect(e.recovery.withinSeconds).toBe(7);
    expect(e.steadyState).toEqual([]);
  });

  it('merges `short:` over the definition only when asked', () => {
    const raw = { ...minimal, short: { load: { durationSeconds: '40s' } } };
    expect(parseExperiment(raw).load.durationSeconds).toBe(60);
    expect(parseExperiment(raw, { short: true }).load).toMatchObject({ durationSeconds: 40, rate: 1 });
  });

  it.each([
    [{ ...minimal, load: { rate: 1, durationSeconds: 25 } }, 'the load ends at 25 s but the method runs until 30 s'],
    [{ ...minimal, steadyState: [{ name: 'p', query: 'up', expect: 'about 3' }] }, '"about 3" is not a bound'],
    [
      { ...minimal, steadyState: [{ name: 'p', query: 'up', alert: 'X', expect: '== 1' }] },
      'exactly one of query, watch, alert, lag or cluster',
    ],
    [
      { ...minimal, measurements: [{ name: 'm', from: 'nope.start', until: { alert: 'X', expect: '== 1' } }] },
      '"nope.start" names no step',
    ],
    [{ ...minimal, recovery: { withinSeconds: 'soon' } }, '"soon" is not a duration'],
    [{ ...minimal, method: [{ at: 1, scale: { app: 'gateway', n: 2 } }] }, 'method.0'],
    [{ ...minimal, surprise: true }, 'surprise'],
    [
      {
        ...minimal,
        method: [{ at: 1, produce: { topic: 'messages', key: 'u', value: 'x', fixture: 'reply-produced' } }],
      },
      'give exactly one of value or fixture',
    ],
    [{ ...minimal, method: [{ at: 1, produce: { topic: 'jeeves.dlq.v1', key: 'u', value: 'x' } }] }, 'method.0'],
    [
      { ...minimal, steadyState: [{ name: 'p', lag: { group: 'bot', topic: 'messages', key: 'u', partition: 1 } }] },
      'give key or partition, not both',
    ],
    [
      { ...minimal, measurements: [{ name: 'm', peak: { lag: { group: 'bot', topic: 'messages' } }, from: 'start' }] },
      'peak+from+to',
    ],
  ])('rejects a bad definition with a message that says where (%#)', (raw, message) => {
    expect(() => parseExperiment(raw, { source: 'x.yaml' })).toThrow(message);
  });
});

describe('poison-pill definitions', () => {
  it('reads produce steps, lag sources and peak/increase measurements', () => {
    const e = parseExperiment({
      ...minimal,
      method: [
        { id: 'bad', at: '5s', produce: { topic: 'messages', key: 'load-user-0', value: 'not json' } },
        { at: '6s', produce: { topic: 'messages', key: 'load-user-0', fixture: 'reply-produced' } },
      ],
      steadyState: [{ name: 'lag', lag: { group: 'bot', topic: 'messages', key: 'load-user-0' }, expect: '< 10' }],
      measurements: [
        {
          name: 'peak',
          peak: { lag: { group: 'bot', topic: 'messages', partition: 2 } },
          from: 'bad.start',
          to: 'end',
        },
        {
          name: 'crashes',
          increase: { watch: { app: 'bot', metric: 'jeeves_kafka_consumer_crashes_total' } },
          from: 'bad.start',
          to: 'end',
        },
      ],
    });
    expect(e.method[1]).toMatchObject({ at: 6, produce: { fixture: 'reply-produced' } });
    expect(e.steadyState[0].lag).toEqual({ group: 'bot', topic: 'messages', key: 'load-user-0' });
    expect(e.measurements.map((m) => m.name)).toEqual(['peak', 'crashes']);
  });
});

describe('variants', () => {
  const withVariants = {
    ...minimal,
    env: { worker: { WORKER_X: '1' } },
    variants: [
      { name: 'http', description: 'over HTTP', env: { gateway: { GATEWAY_READS: 'http' } } },
      { name: 'kafka', description: 'over Kafka', env: { gateway: { GATEWAY_READS: 'kafka' } } },
    ],
  };

  it("gives one run per variant, its env merged over the experiment's, in the definition's order", () => {
    const runs = variantRuns(parseExperiment(withVariants));
    expect(runs.map((r) => r.variant)).toEqual(['http', 'kafka']);
    expect(runs[1].experiment.env).toEqual({ worker: { WORKER_X: '1' }, gateway: { GATEWAY_READS: 'kafka' } });
    expect(runs[1].experiment.variants).toEqual([]);
  });

  it('runs only the named ones, and refuses a name it does not define', () => {
    const e = parseExperiment(withVariants);
    expect(variantRuns(e, ['kafka']).map((r) => r.variant)).toEqual(['kafka']);
    expect(() => variantRuns(e, ['grpc'])).toThrow(/no variant "grpc"; its variants: http, kafka/);
  });

  it('is one run without variants, and refuses --variant there', () => {
    const e = parseExperiment(minimal);
    expect(variantRuns(e)).toEqual([{ variant: undefined, experiment: e }]);
    expect(() => variantRuns(e, ['kafka'])).toThrow(ExperimentError);
  });

  it('refuses two variants of one name', () => {
    const twice = { ...withVariants, variants: [withVariants.variants[0], withVariants.variants[0]] };
    expect(() => parseExperiment(twice)).toThrow(/variant "http" is named twice/);
  });

  it('refuses a ledger with a step that stops a counting app (its last increments would read as loss)', () => {
    const killing = {
      ...minimal,
      ledger: {},
      method: [{ at: '10s', kill: 'data-service' }],
    };
    expect(() => parseExperiment(killing)).toThrow(/stops data-service would show its last increments as loss/);
    expect(() => parseExperiment({ ...killing, method: [{ at: '10s', kill: 'worker' }] })).not.toThrow();
  });

  it('refuses a ledger with a crash fault on a counting app; takes settings for one (restored after the drain)', () => {
    const crashing = {
      ...minimal,
      ledger: {},
      method: [{ at: '10s', inject: { service: 'gateway', fault: { type: 'crash' } }, for: '5s' }],
    };
    expect(() => parseExperiment(crashing)).toThrow(/stops gateway would show its last increments as loss/);
    expect(() =>
      parseExperiment({
        ...crashing,
        method: [{ at: '10s', inject: { service: 'worker', fault: { type: 'crash' } }, for: '5s' }],
      }),
    ).not.toThrow();
    expect(() =>
      parseExperiment({
        ...crashing,
        method: [{ at: '10s', inject: { service: 'gateway', fault: { type: 'latency', ms: 50 } }, for: '5s' }],
      }),
    ).not.toThrow();
    const withSettings = { ...minimal, ledger: {}, env: { 'data-service': { STORE_BUSY_TIMEOUT_MS: '100' } } };
    expect(() => parseExperiment(withSettings)).not.toThrow();
    expect(() =>
      parseExperiment({
        ...minimal,
        ledger: {},
        variants: [{ name: 'weak', description: 'acks=1', env: { gateway: { KAFKA_PRODUCER_ACKS: '1' } } }],
      }),
    ).not.toThrow();
  });

  it('takes a gateway restart with a ledger that counts acceptances on the messages topic, never data-service', () => {
    const restarting = (target: string, accepted?: string) => ({
      ...minimal,
      ledger: accepted === undefined ? {} : { accepted },
      method: [{ at: '10s', restart: target, env: { JEEVES_PAYLOAD_FORMAT: 'protobuf' } }],
    });
    expect(() => parseExperiment(restarting('gateway'))).toThrow(/accepted: messages-topic/);
    expect(parseExperiment(restarting('gateway', 'messages-topic')).ledger).toEqual({
      drainSeconds: 60,
      accepted: 'messages-topic',
    });
    expect(() => parseExperiment(restarting('data-service', 'messages-topic'))).toThrow(
      /stops data-service would show its last increments as loss/,
    );
  });

  it('restarts with settings an app only (every instance), and counts records of one topic only', () => {
    const step = (restart: string) => ({
      ...minimal,
      method: [{ at: '10s', restart, env: { JEEVES_PAYLOAD_FORMAT: 'protobuf' } }],
    });
    expect(() => parseExperiment(step('worker'))).not.toThrow();
    expect(() => parseExperiment(step('worker-2'))).toThrow(/env restarts an app/);
    expect(() => parseExperiment(step('kafka'))).toThrow(/env restarts an app/);
    const records = (cluster: Record<string, string>) => ({
      ...minimal,
      measurements: [{ name: 'dlq', increase: { cluster }, from: 'start', to: 'end' }],
    });
    expect(() => parseExperiment(records({ count: 'records', topic: 'dlq' }))).not.toThrow();
    expect(() => parseExperiment(records({ count: 'records' }))).toThrow(/records counts one topic/);
  });

  it('reads-under-rebalance runs once per gateway read mode', () => {
    const runs = variantRuns(loadExperiment('reads-under-rebalance', { short: true }));
    expect(runs.map((r) => [r.variant, r.experiment.env.gateway?.GATEWAY_READS])).toEqual([
      ['http', 'http'],
      ['kafka', 'kafka'],
    ]);
  });
});

describe('broker failover definitions', () => {
  const failover = {
    ...minimal,
    requires: { brokers: 3 },
    method: [
      { id: 'leader', at: '10s', kill: 'messages-leader' },
      { id: 'back', at: '40s', restart: 'messages-leader' },
    ],
    steadyState: [{ name: 'in sync', cluster: { count: 'under-replicated' }, expect: '== 0' }],
    measurements: [
      {
        name: 'election',
        from: 'leader.end',
        until: { cluster: { count: 'led-by-down-broker', topic: 'messages' }, expect: '== 0' },
      },
      {
        name: 'clientRecovery',
        lastIncrease: { watch: { app: 'gateway', metric: 'jeeves_kafka_producer_errors_total' } },
        from: 'leader.start',
        to: 'leader.end+30s',
      },
      { name: 'worst', peak: { cluster: { count: 'under-replicated' } }, from: 'leader.start', to: 'back.end' },
      {
        name: 'resumed',
        stallEnd: { app: 'gateway', metric: 'jeeves_kafka_messages_produced_total{outcome="ok"}' },
        from: 'leader.start',
        to: 'back.start',
      },
    ],
    variants: [
      { name: 'safe', description: 'as the lab runs' },
      {
        name: 'weak',
        description: 'acks=1, min.insync.replicas=1',
        env: { gateway: { KAFKA_PRODUCER_ACKS: '1' } },
        topicConfig: { 'min.insync.replicas': '1' },
      },
    ],
  };

  it('reads requires, leader targets, cluster sources, lastIncrease and topic settings per variant', () => {
    const e = parseExperiment(failover);
    expect(e.requires).toEqual({ brokers: 3 });
    expect(e.steadyState[0].cluster).toEqual({ count: 'under-replicated' });
    expect(e.measurements[1].lastIncrease?.watch?.aggregate).toBe('sum');
    expect(e.measurements[3].stallEnd?.app).toBe('gateway');
    const runs = variantRuns(e);
    expect(runs.map((r) => [r.variant, r.experiment.topicConfig, r.experiment.env])).toEqual([
      ['safe', {}, {}],
      ['weak', { 'min.insync.replicas': '1' }, { gateway: { KAFKA_PRODUCER_ACKS: '1' } }],
    ]);
  });

  it.each([
    [{ ...failover, requires: undefined }, 'messages-leader is a broker of a cluster: add requires: { brokers: 3 }'],
    [{ ...failover, requires: { brokers: 4 } }, 'requires.brokers'],
    [
      { ...failover, steadyState: [{ name: 'p', cluster: { count: 'offline' }, expect: '== 0' }] },
      'steadyState.0.cluster.count',
    ],
    [
      {
        ...failover,
        steadyState: [{ name: 'p', cluster: { count: 'under-replicated', topic: 'jeeves.dlq.v1' }, expect: '== 0' }],
      },
      'steadyState.0.cluster.topic',
    ],
    [
      {
        ...failover,
        measurements: [
          {
            name: 'm',
            lastIncrease: { cluster: { count: 'under-replicated' }, lag: { group: 'bot', topic: 'messages' } },
            from: 'start',
            to: 'end',
          },
        ],
      },
      'give exactly one of watch, lag or cluster',
    ],
    [
      {
        ...failover,
        measurements: [{ name: 'm', lastIncrease: { cluster: { count: 'under-replicated' } }, from: 'start' }],
      },
      'lastIncrease+from+to',
    ],
    [{ ...failover, topicConfig: { 'Min Insync': '1' } }, 'topicConfig.Min Insync'],
  ])('rejects a bad failover definition (%#)', (raw, message) => {
    expect(() => parseExperiment(raw, { source: 'x.yaml' })).toThrow(message);
  });
});

describe('deepMerge', () => {
  it('merges objects and replaces arrays', () => {
    expect(deepMerge({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: 3 }, l: [9] })).toEqual({ a: { b: 1, c: 3 }, l: [9] });
  });
});

describe('resolveMoment', () => {
  const events = new Map([['outage', { startS: 10, endS: 40 }]]);
  it.each([
    ['start', 0],
    ['end', 90],
    ['outage.start', 10],
    ['outage.end+5s', 45],
    ['outage.end - 1500ms', 38.5],
    ['outage.start+1m', 70],
  ])('%s → %d s', (moment, seconds) => {
    expect(resolveMoment(moment, events, 90)).toBeCloseTo(seconds);
  });
  it('is undefined for a step that never ran', () => {
    expect(resolveMoment('other.start', events, 90)).toBeUndefined();
  });
});
