import { FakePrometheus, startStubHttpServer, type StubAnswer, type StubHttpServer } from '../testing';
import { HttpPrometheus, PrometheusError } from './prometheus-api';

describe('HttpPrometheus: the HTTP API', () => {
  let server: StubHttpServer;
  let answer: (path: string, params: URLSearchParams) => StubAnswer;
  let prometheus: HttpPrometheus;

  beforeAll(async () => {
    server = await startStubHttpServer((request) => {
      const url = new URL(request.url, 'http://x');
      return answer(url.pathname, url.searchParams);
    });
    prometheus = new HttpPrometheus(server.url, 2000);
  });
  afterAll(() => server.close());
  beforeEach(() => (server.requests.length = 0));

  const vector = (...series: Array<[Record<string, string>, string]>) => ({
    status: 200,
    body: {
      status: 'success',
      data: { resultType: 'vector', result: series.map(([metric, v]) => ({ metric, value: [1_800_000_000, v] })) },
    },
  });

  it('instant: the first series’ value at the time asked, undefined when nothing matches', async () => {
    answer = (_path, params) => (params.get('query') === 'none' ? vector() : vector([{ a: '1' }, '0.25'], [{}, '9']));
    await expect(prometheus.instant('up', 1_800_000_000)).resolves.toBe(0.25);
    expect(server.requests[0]!.url).toBe('/api/v1/query?query=up&time=1800000000');
    await expect(prometheus.instant('none')).resolves.toBeUndefined();
    expect(server.requests[1]!.url).toBe('/api/v1/query?query=none');
  });

  it('instant and vector read a scalar as one sample', async () => {
    answer = () => ({ status: 200, body: { status: 'success', data: { resultType: 'scalar', result: [1, '3'] } } });
    await expect(prometheus.instant('scalar(1)')).resolves.toBe(3);
    await expect(prometheus.vector('scalar(1)')).resolves.toEqual([{ labels: {}, value: 3 }]);
  });

  it('vector: every series with its labels', async () => {
    answer = () => vector([{ service: 'gateway' }, '1'], [{ service: 'bot' }, 'NaN']);
    const samples = await prometheus.vector('up');
    expect(samples.map((s) => s.labels.service)).toEqual(['gateway', 'bot']);
    expect(samples[0]!.value).toBe(1);
    expect(samples[1]!.value).toBeNaN();
  });

  it('range: series with numeric points', async () => {
    answer = (path) => {
      expect(path).toBe('/api/v1/query_range');
      return {
        status: 200,
        body: {
          status: 'success',
          data: {
            resultType: 'matrix',
            result: [
              {
                metric: { a: 'b' },
                values: [
                  [10, '1'],
                  [11, '2.5'],
                ],
              },
            ],
          },
        },
      };
    };
    await expect(prometheus.range('rate(x[1m])', 10, 11, 1)).resolves.toEqual([
      {
        labels: { a: 'b' },
        points: [
          [10, 1],
          [11, 2.5],
        ],
      },
    ]);
    expect(Object.fromEntries(new URL(server.requests[0]!.url, 'http://x').searchParams)).toEqual({
      query: 'rate(x[1m])',
      start: '10',
      end: '11',
      step: '1',
    });
  });

  it('alerts and reload', async () => {
    answer = (path) =>
      path === '/-/reload'
        ? { status: 200 }
        : {
            status: 200,
            body: { status: 'success', data: { alerts: [{ labels: { alertname: 'X' }, state: 'firing' }] } },
          };
    await expect(prometheus.alerts()).resolves.toEqual([{ labels: { alertname: 'X' }, state: 'firing' }]);
    await prometheus.reload();
    expect(server.requests[1]).toMatchObject({ method: 'POST', url: '/-/reload' });
  });

  it('says which query failed and why', async () => {
    answer = () => ({ status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error' } });
    const failure = prometheus.instant('up{');
    await expect(failure).rejects.toThrow('Prometheus /api/v1/query failed for up{: parse error');
    await expect(failure).rejects.toBeInstanceOf(PrometheusError);
    answer = () => ({ status: 502, body: 'bad gateway' });
    await expect(prometheus.instant('up')).rejects.toThrow('Prometheus /api/v1/query failed for up: HTTP 502');
    answer = (path) => (path === '/-/reload' ? { status: 403, body: 'Lifecycle API is not enabled.' } : vector());
    await expect(prometheus.reload()).rejects.toThrow('Prometheus reload answered 403: Lifecycle API is not enabled.');
  });

  it('reads this machine’s Prometheus only', () => {
    expect(() => new HttpPrometheus('http://prometheus.example:9090')).toThrow(/is not a loopback address/);
  });
});

describe('FakePrometheus', () => {
  it('answers canned values, records instant queries and counts reloads', async () => {
    const fake = new FakePrometheus((q) => (q === 'up' ? 1 : undefined));
    await expect(fake.vector('up')).resolves.toEqual([{ labels: {}, value: 1 }]);
    await expect(fake.vector('down')).resolves.toEqual([]);
    await fake.reload();
    expect(fake.instants.map((i) => i.query)).toEqual(['up', 'down']);
    expect(fake.reloads).toBe(1);
  });
});
