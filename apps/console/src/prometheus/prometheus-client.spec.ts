import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpPrometheusQueries, PrometheusUnavailableError, sampleValue } from './prometheus-client';

describe('HttpPrometheusQueries', () => {
  let server: Server;
  let base: string;
  const seen: URL[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: {} };

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(new URL(request.url ?? '/', 'http://x'));
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => (seen.length = 0));

  it('asks /api/v1/query with the query and maps each series, NaN and +Inf kept as numbers', async () => {
    answer = {
      status: 200,
      body: {
        status: 'success',
        data: {
          resultType: 'vector',
          result: [
            { metric: { service: 'gateway', outcome: 'ok' }, value: [1700000000.5, '2.5'] },
            { metric: { service: 'bot', outcome: 'ok' }, value: [1700000000.5, 'NaN'] },
            { metric: {}, value: [1700000000.5, '+Inf'] },
          ],
        },
      },
    };
    const samples = await new HttpPrometheusQueries(base, 1000).vector('sum by (service) (rate(x_total[1m]))');
    expect(seen[0].pathname).toBe('/api/v1/query');
    expect(seen[0].searchParams.get('query')).toBe('sum by (service) (rate(x_total[1m]))');
    expect(samples[0]).toEqual({ labels: { service: 'gateway', outcome: 'ok' }, value: 2.5 });
    expect(samples[1].value).toBeNaN();
    expect(samples[2].value).toBe(Number.POSITIVE_INFINITY);
  });

  it('asks /api/v1/query_range with start, end and step, and maps the points', async () => {
    answer = {
      status: 200,
      body: {
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [
            {
              metric: { group: 'jeeves-bot' },
              values: [
                [100, '1'],
                [105, '3'],
              ],
            },
          ],
        },
      },
    };
    const series = await new HttpPrometheusQueries(base, 1000).range('group:lag:sum', 100, 400, 5);
    expect(Object.fromEntries(seen[0].searchParams)).toEqual({
      query: 'group:lag:sum',
      start: '100',
      end: '400',
      step: '5',
    });
    expect(series).toEqual([
      {
        labels: { group: 'jeeves-bot' },
        points: [
          [100, 1],
          [105, 3],
        ],
      },
    ]);
  });

  it('says "refused" with Prometheus own error for a bad query', async () => {
    answer = { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 3' } };
    const error = await new HttpPrometheusQueries(base, 1000).vector('sum(').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrometheusUnavailableError);
    expect(error).toMatchObject({ problem: 'refused', message: expect.stringContaining('parse error at char 3') });
  });

  it('says "refused" for an answer that is not the API (another program on the port)', async () => {
    answer = { status: 200, body: '<html>hello</html>' };
    await expect(new HttpPrometheusQueries(base, 1000).vector('up')).rejects.toMatchObject({ problem: 'refused' });
  });

  it.each([
    ['a null series', 'vector', [null]],
    ['a series that is a string', 'vector', ['x']],
    ['a value that is not a pair', 'vector', [{ metric: {}, value: 3 }]],
    ['a point that is not a pair', 'matrix', [{ metric: {}, values: [5] }]],
    ['points that are not a list', 'matrix', [{ metric: {}, values: 'x' }]],
    ['labels that are not strings', 'vector', [{ metric: { outcome: 7 }, value: [1, '1'] }]],
  ])('says "refused" for a success envelope around %s, never a TypeError', async (_what, resultType, result) => {
    answer = { status: 200, body: { status: 'success', data: { resultType, result } } };
    const client = new HttpPrometheusQueries(base, 1000);
    const call = resultType === 'vector' ? client.vector('up') : client.range('up', 0, 60, 5);
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrometheusUnavailableError);
    expect(error).toMatchObject({ problem: 'refused' });
  });

  it('says "unreachable" when nothing listens, and "not-configured" without a URL, asking nothing', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(new HttpPrometheusQueries(`http://127.0.0.1:${port}`, 1000).vector('up')).rejects.toMatchObject({
      problem: 'unreachable',
      message: expect.stringContaining('does not answer'),
    });
    await expect(new HttpPrometheusQueries(undefined, 1000).range('up', 0, 1, 1)).rejects.toMatchObject({
      problem: 'not-configured',
    });
    expect(seen).toEqual([]);
  });

  it('reads the value strings of the API', () => {
    expect(sampleValue('0.25')).toBe(0.25);
    expect(sampleValue('-Inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(sampleValue('NaN')).toBeNaN();
  });
});
