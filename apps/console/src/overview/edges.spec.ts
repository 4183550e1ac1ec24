import type { MetricSample } from './metrics-text';
import {
  COUNTER_FAMILIES,
  CounterHistory,
  EDGES,
  edgesFromPrometheus,
  outcomesOf,
  rateAndErrorShare,
  readCounters,
} from './edges';

const edge = (id: string) => {
  const found = EDGES.find((e) => e.id === id);
  if (!found) throw new Error(`no edge ${id}`);
  return found;
};

describe('edge queries', () => {
  it('asks Prometheus for per-second rates over 1 min by the labels that pick each edge, and outcome', () => {
    expect(COUNTER_FAMILIES.map((f) => f.promql)).toEqual([
      'sum by (service, outcome) (rate(jeeves_kafka_messages_produced_total[1m]))',
      'sum by (group, outcome) (topic_outcome:jeeves_kafka_messages_consumed:rate1m)',
      'sum by (service, outcome) (rate(jeeves_provider_call_duration_seconds_count[1m]))',
      'sum by (service, dependency, outcome) (rate(jeeves_breaker_calls_total[1m]))',
    ]);
  });

  it('selects every edge by labels its family groups by', () => {
    for (const e of EDGES) expect(Object.keys(e.match).sort()).toEqual([...e.family.by].sort());
  });
});

describe('edgesFromPrometheus', () => {
  const [produced, consumed, provider, breaker] = COUNTER_FAMILIES;
  const answers = new Map([
    [
      produced,
      [
        { labels: { service: 'gateway', outcome: 'ok' }, value: 9 },
        { labels: { service: 'gateway', outcome: 'error' }, value: 1 },
        { labels: { service: 'bot', outcome: 'ok' }, value: 4 },
      ],
    ],
    [
      consumed,
      [
        { labels: { group: 'jeeves-worker', outcome: 'ok' }, value: 3 },
        { labels: { group: 'jeeves-worker', outcome: 'retried' }, value: 0.5 },
        { labels: { group: 'jeeves-worker', outcome: 'dead_lettered' }, value: 0.25 },
        { labels: { group: 'jeeves-worker', outcome: 'dropped' }, value: 0.25 },
        { labels: { group: 'jeeves-bot', outcome: 'ok' }, value: Number.NaN },
      ],
    ],
    [provider, [{ labels: { service: 'worker', outcome: 'timeout' }, value: 2 }]],
    [
      breaker,
      [
        { labels: { service: 'gateway', dependency: 'data-service', outcome: 'success' }, value: 1 },
        { labels: { service: 'gateway', dependency: 'data-service', outcome: 'rejected' }, value: 1 },
        { labels: { service: 'gateway', dependency: 'data-service', outcome: 'fallback' }, value: 1 },
      ],
    ],
  ]);
  const edges = edgesFromPrometheus(answers);

  it('sums each edge over its outcomes and gives the failed share', () => {
    expect(edges.get('gateway->kafka')).toEqual({ ratePerSecond: 10, errorShare: 0.1 });
    expect(edges.get('bot->kafka')).toEqual({ ratePerSecond: 4, errorShare: 0 });
    expect(edges.get('worker->provider')).toEqual({ ratePerSecond: 2, errorShare: 1 });
  });

  it('counts dead-lettered and dropped records as the consume edge failures, retried ones as handled', () => {
    expect(edges.get('kafka->worker')).toEqual({ ratePerSecond: 4, errorShare: 0.125 });
  });

  it('leaves a breaker fallback out of the call rate (it follows a failed call)', () => {
    expect(edges.get('gateway->data-service')).toEqual({ ratePerSecond: 2, errorShare: 0.5 });
  });

  it('gives 0/s and no error share to an edge without traffic or with only NaN', () => {
    expect(edges.get('kafka->bot')).toEqual({ ratePerSecond: 0, errorShare: null });
    expect(edges.get('gateway->token-dealer')).toEqual({ ratePerSecond: 0, errorShare: null });
  });
});

describe('rates from /metrics (CounterHistory)', () => {
  const samples = (gatewayOk: number, gatewayError: number, workerOk: number): MetricSample[] => [
    {
      name: 'jeeves_kafka_messages_produced_total',
      labels: { topic: 'jeeves.messages.v1', outcome: 'ok', service: 'gateway' },
      value: gatewayOk,
    },
    {
      name: 'jeeves_kafka_messages_produced_total',
      labels: { topic: 'jeeves.messages.v1', outcome: 'error', service: 'gateway' },
      value: gatewayError,
    },
    {
      name: 'jeeves_kafka_messages_consumed_total',
      labels: { topic: 'jeeves.actions.v1', group: 'jeeves-worker', outcome: 'ok', service: 'worker' },
      value: workerOk,
    },
  ];
  /** Each app's /metrics as the console read it: every app here answers with the same samples. */
  const apps = (
    s: MetricSample[],
    answered = ['gateway', 'worker', 'bot', 'data-service', 'provider', 'token-dealer'],
  ): Map<string, MetricSample[]> => new Map(answered.map((app) => [app, s]));

  it('has no rate from a single reading', () => {
    const history = new CounterHistory();
    history.add(readCounters(0, apps(samples(10, 0, 5))));
    expect(history.windowSeconds()).toBeNull();
    expect(history.edges().get('gateway->kafka')).toEqual({ ratePerSecond: null, errorShare: null });
  });

  it('divides the increase since the oldest kept reading by the seconds between them', () => {
    const history = new CounterHistory(30_000);
    history.add(readCounters(0, apps(samples(10, 0, 5))));
    history.add(readCounters(2_000, apps(samples(20, 2, 9))));
    history.add(readCounters(4_000, apps(samples(26, 4, 13))));
    expect(history.windowSeconds()).toBe(4);
    expect(history.edges().get('gateway->kafka')).toEqual({ ratePerSecond: 5, errorShare: 0.2 });
    expect(history.edges().get('kafka->worker')).toEqual({ ratePerSecond: 2, errorShare: 0 });
  });

  it('forgets readings older than its window', () => {
    const history = new CounterHistory(3_000);
    history.add(readCounters(0, apps(samples(0, 0, 0))));
    history.add(readCounters(2_000, apps(samples(100, 0, 0))));
    history.add(readCounters(4_000, apps(samples(104, 0, 0))));
    expect(history.windowSeconds()).toBe(2);
    expect(history.edges().get('gateway->kafka')?.ratePerSecond).toBe(2);
  });

  it('takes a counter that went down as reset (its app restarted): the new value is the increase', () => {
    const history = new CounterHistory();
    history.add(readCounters(0, apps(samples(500, 0, 0))));
    history.add(readCounters(2_000, apps(samples(6, 0, 0))));
    expect(history.edges().get('gateway->kafka')?.ratePerSecond).toBe(3);
  });

  it('has no rate for an edge whose reporting app did not answer one of the readings', () => {
    const history = new CounterHistory();
    history.add(readCounters(0, apps(samples(10, 0, 5), ['worker'])));
    history.add(readCounters(2_000, apps(samples(20, 0, 9))));
    expect(history.edges().get('gateway->kafka')?.ratePerSecond).toBeNull();
    expect(history.edges().get('kafka->worker')?.ratePerSecond).toBe(2);
  });
});

describe('outcomesOf and rateAndErrorShare', () => {
  it('skips series of other edges and without an outcome', () => {
    const e = edge('worker->kafka');
    expect(
      outcomesOf(e, [
        { labels: { service: 'worker', outcome: 'ok' }, value: 1 },
        { labels: { service: 'worker', outcome: 'ok', topic: 'jeeves.dlq.v1' }, value: 2 },
        { labels: { service: 'bot', outcome: 'ok' }, value: 7 },
        { labels: { service: 'worker' }, value: 7 },
      ]),
    ).toEqual({ ok: 3 });
    expect(rateAndErrorShare(e, {})).toEqual({ ratePerSecond: 0, errorShare: null });
  });
});
