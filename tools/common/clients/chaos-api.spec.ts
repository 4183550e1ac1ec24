import {
  FakeChaosApi,
  FakeTokenSource,
  startStubHttpServer,
  type StubAnswer,
  type StubHttpServer,
  type StubRequest,
} from '../testing';
import { ChaosApiError, HttpChaosApi, type ChaosApi, type ChaosFault } from './chaos-api';

/**
 * A stand-in for one service's chaos API (libs/chaos): 401 without a bearer token, faults kept in
 * memory, 404 for an unknown id. Enough to hold HttpChaosApi and FakeChaosApi to one contract.
 */
function chaosService(): (request: StubRequest) => StubAnswer {
  const faults: ChaosFault[] = [];
  let next = 1;
  return (request) => {
    if (!request.headers.authorization) return { status: 401, body: { title: 'Unauthorized', status: 401 } };
    const id = request.url.replace(/^\/admin\/chaos\/faults\/?/, '');
    if (request.method === 'GET') return { status: 200, body: faults };
    if (request.method === 'POST') {
      const { type, target, durationMs, ...params } = JSON.parse(request.body) as Record<string, unknown>;
      if (type === 'meteor')
        return {
          status: 400,
          body: { detail: 'invalid fault', errors: [{ field: 'type', message: 'unknown type' }] },
          headers: { 'content-type': 'application/problem+json' },
        };
      const fault: ChaosFault = {
        id: `f${next++}`,
        type: String(type),
        target: typeof target === 'string' ? target : null,
        params,
        expiresAt: new Date(Date.now() + Number(durationMs ?? 60_000)).toISOString(),
      };
      faults.push(fault);
      return { status: 201, body: fault };
    }
    if (id === '') {
      faults.length = 0;
      return { status: 204 };
    }
    const index = faults.findIndex((f) => f.id === decodeURIComponent(id));
    if (index < 0) return { status: 404, body: { title: 'Not Found', status: 404 } };
    faults.splice(index, 1);
    return { status: 204 };
  };
}

/** What every ChaosApi does, the HTTP client against the stand-in and the fake alike. */
function contract(name: string, make: () => Promise<{ api: ChaosApi; done: () => Promise<void> }>): void {
  describe(`ChaosApi contract: ${name}`, () => {
    let api: ChaosApi;
    let done: () => Promise<void>;
    beforeEach(async () => ({ api, done } = await make()));
    afterEach(() => done());

    it('injects a fault and lists it with its id, type, target and params', async () => {
      const fault = await api.inject('provider', {
        type: 'error',
        target: 'route:/v1/weather',
        rate: 1,
        status: 503,
        durationMs: 20_000,
      });
      expect(fault).toMatchObject({ type: 'error', target: 'route:/v1/weather', params: { rate: 1, status: 503 } });
      expect(typeof fault.id).toBe('string');
      expect(await api.list('provider')).toEqual([fault]);
    });

    it('clears one fault by id, counts an unknown id as cleared, and clears all', async () => {
      const a = await api.inject('worker', { type: 'hang' });
      await api.inject('worker', { type: 'crash' });
      await api.clear('worker', a.id);
      await api.clear('worker', a.id);
      expect((await api.list('worker')).map((f) => f.type)).toEqual(['crash']);
      await api.clear('worker');
      expect(await api.list('worker')).toEqual([]);
    });
  });
}

contract('HttpChaosApi against a stand-in service', async () => {
  const server = await startStubHttpServer(chaosService());
  const api = new HttpChaosApi({ urlOf: () => server.url, tokens: new FakeTokenSource() });
  return { api, done: () => server.close() };
});

contract('FakeChaosApi', async () => ({ api: new FakeChaosApi(), done: async () => undefined }));

describe('HttpChaosApi: requests and refusals', () => {
  let server: StubHttpServer;
  let api: HttpChaosApi;
  const tokens = new FakeTokenSource();

  beforeEach(async () => {
    server = await startStubHttpServer(chaosService());
    api = new HttpChaosApi({ urlOf: (s) => (s === 'nowhere' ? undefined : server.url), tokens });
  });
  afterEach(() => server.close());

  it('sends the bearer token, JSON and accept headers', async () => {
    await api.inject('provider', { type: 'latency', ms: 200 });
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', url: '/admin/chaos/faults' });
    expect(request!.headers).toMatchObject({
      authorization: `Bearer ${await tokens.get()}`,
      'content-type': 'application/json',
      accept: 'application/json',
    });
    expect(JSON.parse(request!.body)).toEqual({ type: 'latency', ms: 200 });
  });

  it('send() passes no token when told null, and another token when given one', async () => {
    expect((await api.send('provider', { method: 'GET', token: null })).status).toBe(401);
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
    await api.send('provider', { method: 'GET', token: 'other' });
    expect(server.requests[1]!.headers.authorization).toBe('Bearer other');
  });

  it('refuses with the status, the parsed problem and the text', async () => {
    const failure = api.inject('provider', { type: 'meteor' });
    await expect(failure).rejects.toThrow(/^provider refused the fault \(400\): \{"detail":"invalid fault"/);
    await expect(failure).rejects.toMatchObject({
      status: 400,
      body: { detail: 'invalid fault', errors: [{ field: 'type', message: 'unknown type' }] },
    });
  });

  it('says which fault it could not clear, and when clearing all fails', async () => {
    const unauthorized = new HttpChaosApi({
      urlOf: () => server.url,
      tokens: { get: async () => '', refresh: async () => '' },
    });
    await expect(unauthorized.clear('gateway', 'f9')).rejects.toThrow('gateway answered 401 to clearing fault f9');
    await expect(unauthorized.clear('gateway')).rejects.toThrow('gateway did not clear its faults: 401');
    await expect(unauthorized.list('gateway')).rejects.toThrow('gateway answered 401 listing its faults');
  });

  it('names a service without a URL, and a URL that does not answer (status 0)', async () => {
    await expect(api.inject('nowhere', { type: 'crash' })).rejects.toThrow('no URL for service nowhere');
    const down = new HttpChaosApi({ urlOf: () => 'http://127.0.0.1:9', tokens, timeoutMs: 1000 });
    const failure = down.list('bot');
    await expect(failure).rejects.toThrow(/^http:\/\/127\.0\.0\.1:9\/admin\/chaos\/faults does not answer \(/);
    await expect(failure).rejects.toBeInstanceOf(ChaosApiError);
    await expect(failure).rejects.toMatchObject({ status: 0 });
  });
});

describe('FakeChaosApi', () => {
  it('records calls and refuses for a service in `refusing`', async () => {
    const fake = new FakeChaosApi();
    fake.refusing.add('bot');
    await expect(fake.inject('bot', { type: 'crash' })).rejects.toMatchObject({ status: 503 });
    expect(fake.calls).toEqual(['inject bot crash']);
  });
});
