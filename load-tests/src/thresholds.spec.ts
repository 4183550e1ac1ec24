import { MetricStore } from './metrics';
import { compileThresholds, evaluateThresholds, parseSelector, parseThreshold, ThresholdError } from './thresholds';

describe('parseThreshold', () => {
  it.each([
    ['p(95)<200', { kind: 'p', percentile: 95 }, '<', 200],
    ['p(99.9) <= 1500', { kind: 'p', percentile: 99.9 }, '<=', 1500],
    ['rate<0.01', { kind: 'rate' }, '<', 0.01],
    ['count>0', { kind: 'count' }, '>', 0],
    ['avg==3', { kind: 'avg' }, '==', 3],
    ['med!=-1', { kind: 'med' }, '!=', -1],
  ])('%s', (source, aggregation, operator, bound) => {
    expect(parseThreshold(source)).toMatchObject({ aggregation, operator, bound, abortOnFail: false });
  });

  it('reads abortOnFail and delayAbortEval', () => {
    expect(parseThreshold({ threshold: 'p(99)<250', abortOnFail: true, delayAbortEval: '10s' })).toMatchObject({
      abortOnFail: true,
      delayAbortEvalSeconds: 10,
    });
  });

  it.each(['p95<200', 'rate < high', 'p(101)<1', ''])('rejects "%s"', (source) =>
    expect(() => parseThreshold(source)).toThrow(ThresholdError),
  );
});

describe('parseSelector', () => {
  it('splits metric and tag filter', () => {
    expect(parseSelector('http_req_duration{endpoint:post_message,method:POST}')).toEqual({
      metric: 'http_req_duration',
      tags: { endpoint: 'post_message', method: 'POST' },
    });
    expect(parseSelector('checks')).toEqual({ metric: 'checks', tags: {} });
    expect(() => parseSelector('http_req_duration{endpoint}')).toThrow(ThresholdError);
  });
});

describe('evaluateThresholds', () => {
  function store(): MetricStore {
    const m = new MetricStore(() => 10);
    for (let i = 1; i <= 100; i++) m.add('http_req_duration', i, { endpoint: 'post_message' });
    for (let i = 1; i <= 100; i++) m.add('http_req_duration', 1000 + i, { endpoint: 'get_message' });
    for (let i = 0; i < 200; i++) m.add('http_req_failed', i < 3 ? 1 : 0, {});
    for (let i = 0; i < 200; i++) m.add('http_reqs', 1, {});
    return m;
  }

  it('applies tag filters, percentiles, rates and counter rates like k6', () => {
    const results = evaluateThresholds(
      compileThresholds({
        'http_req_duration{endpoint:post_message}': ['p(95)<100', 'p(95)<50', 'max<=100', 'avg<51'],
        http_req_duration: ['p(50)<500'],
        http_req_failed: ['rate<0.01', 'rate<0.02'],
        http_reqs: ['count==200', 'rate>19'],
      }),
      store(),
    );
    expect(results.map((r) => [r.threshold, r.ok])).toEqual([
      ['p(95)<100', true],
      ['p(95)<50', false],
      ['max<=100', true],
      ['avg<51', true],
      ['p(50)<500', false],
      ['rate<0.01', false],
      ['rate<0.02', true],
      ['count==200', true],
      ['rate>19', true],
    ]);
    expect(results[0].value).toBeCloseTo(95.05, 5);
  });

  it('a metric with no samples passes (k6 semantics) and reports no value', () => {
    const [r] = evaluateThresholds(compileThresholds({ jeeves_e2e_latency: ['p(99)<1'] }), new MetricStore(() => 1));
    expect(r).toMatchObject({ ok: true, value: undefined });
  });
});
