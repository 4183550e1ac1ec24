import { randomUUID } from 'node:crypto';
import { hangUpAfter } from '../../libs/platform/src/testing/raw-http';
import { gatewayLogLines, httpRequest } from './gateway-edge-helpers';
import { addFault, clearFaults, metricValue } from './resilience-helpers';
import { CLIENTS, getToken, lab, waitFor } from './support/lab';

/**
 * Issue 10, case 4: a client that hangs up before the answer (a 1.5 s latency fault on the
 * gateway's `dependency:data-service`, a GET whose socket closes after 300 ms). The running gateway
 * brings `http_server_requests_in_flight` back to idle, counts the request once in the duration
 * histogram with status 499 (nginx's "client closed request"), and writes one request log line —
 * also after its handler finishes into the closed connection.
 */
describe('gateway: a client that hangs up is counted and logged once', () => {
  const route = '/v1/messages/:id';
  let token: string;

  beforeAll(async () => {
    token = await getToken(CLIENTS.demo.id, CLIENTS.demo.secret);
  });

  afterAll(async () => {
    await clearFaults('gateway');
  });

  /** In flight while nothing else runs: the /metrics scrape that reads it counts itself. */
  const IDLE = 1;
  const inFlight = () => metricValue('gateway', 'http_server_requests_in_flight');
  const routeCount = (labels: Record<string, string> = {}) =>
    metricValue('gateway', 'http_server_request_duration_seconds_count', { route, ...labels });
  const dataServiceReads = () => metricValue('gateway', 'jeeves_breaker_calls_total', { dependency: 'data-service' });

  it('brings in-flight back to idle, counts a 499 once and logs one line', async () => {
    // Prometheus scrapes the gateway too: wait for a quiet moment rather than assume one.
    await waitFor(async () => (await inFlight()) === IDLE, { timeoutMs: 30_000, what: 'an idle gateway' });
    const before = { closed: await routeCount({ status_code: '499' }), all: await routeCount() };
    const reads = await dataServiceReads();
    await addFault('gateway', { type: 'latency', ms: 1500, target: 'dependency:data-service', durationMs: 60_000 });

    const requestId = `hangup-${randomUUID()}`;
    const received = await hangUpAfter(
      lab().urls.gateway,
      httpRequest('GET', `/v1/messages/${randomUUID()}`, [
        ['Authorization', `Bearer ${token}`],
        ['X-Request-Id', requestId],
      ]),
      300,
    );
    expect(received.length).toBe(0);

    await waitFor(async () => (await routeCount({ status_code: '499' })) === before.closed + 1, {
      timeoutMs: 15_000,
      what: 'the hung-up request to be counted with status 499',
    });
    await waitFor(async () => (await inFlight()) === IDLE, {
      timeoutMs: 15_000,
      what: 'http_server_requests_in_flight to come back to idle',
    });
    // The handler goes on until the injected latency is over and its data-service read ends;
    // after that, still one count and one log line.
    await waitFor(async () => (await dataServiceReads()) >= reads + 1, {
      timeoutMs: 15_000,
      what: "the abandoned handler's data-service read to finish",
    });
    const lines = await waitFor(
      () => {
        const mine = gatewayLogLines().filter((line) => line.msg === 'request' && line.requestId === requestId);
        return mine.length > 0 ? mine : undefined;
      },
      { timeoutMs: 10_000, what: 'the request log line (pino writes asynchronously)' },
    );
    expect(lines).toEqual([expect.objectContaining({ method: 'GET', route, status: 499 })]);
    expect(await routeCount()).toBe(before.all + 1);
    expect(await routeCount({ status_code: '499', status_class: '4xx' })).toBe(before.closed + 1);
  });
});
