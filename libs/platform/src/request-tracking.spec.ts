import { hangUpAfter, rawRequest } from './testing/raw-http';
import { type ProbeService, startProbeService } from './testing/probe-service';

/**
 * Every request is counted once in flight (and back), once in the duration histogram and once in
 * the request log, however it ends: answered, client gone first (499), handler throw, an error
 * Fastify answers before any route, or bytes that are not HTTP. A real socket on a real port:
 * `inject` has no connection to close.
 */
describe('every request is counted and logged once, however it ends', () => {
  let probe: ProbeService;

  beforeAll(async () => {
    probe = await startProbeService();
  });

  afterAll(async () => {
    await probe.close();
  });

  const get = (path: string, requestId: string) =>
    `GET ${path} HTTP/1.1\r\nHost: probe\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n`;
  const requestLines = (requestId: string) =>
    probe.logLines().filter((line) => line.msg === 'request' && line.requestId === requestId);
  const until = async (condition: () => Promise<boolean> | boolean, what: string) => {
    const deadline = Date.now() + 5000;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('counts a request whose client hung up as 499, brings in-flight back, and logs it once', async () => {
    const idle = await probe.inFlight();
    const before = await probe.requestCount({ route: '/slow', status_code: '499' });
    const hangUp = hangUpAfter(probe.baseUrl, get('/slow', 'hang-up-1'), 5_000);
    await until(() => probe.gate.held === 1, 'the request to reach the handler');
    expect(await probe.inFlight()).toBe(idle + 1);
    // The client goes away while the handler still works…
    await hangUpAfter(probe.baseUrl, get('/slow', 'hang-up-2'), 100);
    await until(async () => (await probe.requestCount({ route: '/slow', status_code: '499' })) === before + 1, '499');
    expect(await probe.inFlight()).toBe(idle + 1);
    // …and once it answers into the closed connection, nothing is counted twice.
    probe.gate.open();
    expect((await hangUp).toString('latin1')).toMatch(/^HTTP\/1\.1 200 /);
    await until(async () => (await probe.inFlight()) === idle, 'in-flight to come back to idle');
    expect(await probe.requestCount({ route: '/slow', status_code: '499', status_class: '4xx' })).toBe(before + 1);
    expect(requestLines('hang-up-2')).toEqual([
      expect.objectContaining({ method: 'GET', route: '/slow', status: 499, level: 'info' }),
    ]);
    expect(requestLines('hang-up-1')).toEqual([expect.objectContaining({ status: 200 })]);
  });

  it('counts and logs a handler throw once, as a problem+json 500', async () => {
    const before = await probe.requestCount({ route: '/boom', status_code: '500' });
    const answer = await rawRequest(probe.baseUrl, get('/boom', 'boom-1'));
    expect(answer.status).toBe(500);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    await until(() => requestLines('boom-1').length === 1, 'the log line');
    expect(requestLines('boom-1')[0]).toMatchObject({ status: 500, problem: 'internal' });
    expect(await probe.requestCount({ route: '/boom', status_code: '500' })).toBe(before + 1);
  });

  it('counts and logs an error Fastify answers before any route (a bad URL) once', async () => {
    const idle = await probe.inFlight();
    const before = await probe.requestCount({ route: 'unmatched', status_code: '400' });
    const answer = await rawRequest(probe.baseUrl, get('/items/%zz', 'bad-url-1'));
    expect(answer.status).toBe(400);
    await until(() => requestLines('bad-url-1').length === 1, 'the log line');
    expect(requestLines('bad-url-1')[0]).toMatchObject({ status: 400, problem: 'malformed-url', route: 'unmatched' });
    expect(await probe.requestCount({ route: 'unmatched', status_code: '400' })).toBe(before + 1);
    expect(await probe.inFlight()).toBe(idle);
  });

  it('counts and logs a bad URL with a method no route has (Fastify runs no hook for it) once', async () => {
    const before = await probe.requestCount({ method: 'PUT', route: 'unmatched', status_code: '400' });
    const answer = await rawRequest(
      probe.baseUrl,
      'PUT /items/%C0%AF HTTP/1.1\r\nHost: probe\r\nX-Request-Id: bad-put-1\r\nConnection: close\r\n\r\n',
    );
    expect(answer.status).toBe(400);
    await until(() => requestLines('bad-put-1').length === 1, 'the log line');
    expect(requestLines('bad-put-1')[0]).toMatchObject({ status: 400, problem: 'malformed-url' });
    expect(await probe.requestCount({ method: 'PUT', route: 'unmatched', status_code: '400' })).toBe(before + 1);
  });

  it('counts and logs bytes that are not HTTP once, with an unknown method', async () => {
    const before = await probe.requestCount({ method: '_OTHER', status_code: '400' });
    const answer = await rawRequest(probe.baseUrl, 'HELLO THERE\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(await probe.requestCount({ method: '_OTHER', status_code: '400' })).toBe(before + 1);
    expect(probe.logLines().filter((l) => l.msg === 'request' && l.problem === 'malformed-request')).toHaveLength(1);
  });

  it('keeps the caller’s sane X-Request-Id as the request id, and makes one up for anything else', async () => {
    await rawRequest(probe.baseUrl, get('/items/1', 'no spaces <allowed>'));
    await rawRequest(probe.baseUrl, get('/items/2', 'sane-id_1.2:3'));
    await until(() => requestLines('sane-id_1.2:3').length === 1, 'the log line');
    expect(probe.logLines().filter((l) => l.requestId === 'no spaces <allowed>')).toEqual([]);
    const made = probe.logLines().filter((l) => l.msg === 'request' && l.route === '/items/:id');
    expect(made.some((l) => /^[0-9a-f-]{36}$/.test(String(l.requestId)))).toBe(true);
  });
});
