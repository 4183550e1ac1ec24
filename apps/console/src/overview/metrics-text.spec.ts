import { parseSamples } from './metrics-text';

describe('parseSamples', () => {
  const text = [
    '# HELP jeeves_breaker_state Circuit breaker state',
    '# TYPE jeeves_breaker_state gauge',
    'jeeves_breaker_state{dependency="provider",state="closed",service="worker"} 0',
    'jeeves_breaker_state{dependency="provider",state="open",service="worker"} 1',
    'jeeves_kafka_consumer_lag_messages{group="g",topic="t",partition="0"} 3 1700000000000',
    'jeeves_kafka_consumer_lag_messages{group="g",topic="t",partition="1"} 4 # {trace_id="abc"} 1',
    'other_metric{a="b"} 9',
    'jeeves_breaker_state{dependency="we\\"ird\\\\name",state="open"} 1',
    'jeeves_breaker_state{dependency="x",state="open"} NaN',
  ].join('\n');
  const names = new Set(['jeeves_breaker_state', 'jeeves_kafka_consumer_lag_messages']);

  it('keeps only the named metrics, with labels and values; skips comments, timestamps, exemplars and NaN', () => {
    const samples = parseSamples(text, names);
    expect(samples).toHaveLength(5);
    expect(samples[1]).toEqual({
      name: 'jeeves_breaker_state',
      labels: { dependency: 'provider', state: 'open', service: 'worker' },
      value: 1,
    });
    expect(samples.filter((s) => s.name === 'jeeves_kafka_consumer_lag_messages').map((s) => s.value)).toEqual([3, 4]);
  });

  it('unescapes label values as the exposition format defines', () => {
    expect(parseSamples(text, names)[4].labels.dependency).toBe('we"ird\\name');
  });
});
