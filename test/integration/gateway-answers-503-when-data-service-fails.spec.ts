import { randomUUID } from 'node:crypto';
import { CLIENTS, getToken, lab, waitFor } from './support/lab';

/**
 * Faults on `dependency:data-service`, injected in the running gateway through its chaos API: reads
 * fail with 503 dependency-unavailable and Retry-After (an error right away, a hang at the call's
 * timeout), writes keep being accepted over Kafka, and reads recover when the fault is cleared.
 */
describe('gateway answers 503 when data-service fails (chaos on dependency:data-service)', () => {
  const gateway = () => lab().urls.gateway;
  let token: string;
  let admin: string;
  const user = `it-${randomUUID().slice(0, 8)}`;

  const request = async (method: string, path: string, auth: string, body?: unknown) => {
    const response = await fetch(`${gateway()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${auth}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    };
  };
  const clearFaults = () => request('DELETE', '/admin/chaos/faults', admin);

  beforeAll(async () => {
    token = await getToken(CLIENTS.demo.id, CLIENTS.demo.secret);
    admin = await getToken(CLIENTS.admin.id, CLIENTS.admin.secret);
  });

  /** Reads answer 200 again: the gateway's data-service breaker has closed (within its 5 s resetTimeout). */
  const readsRecover = () =>
    waitFor(
      async () => {
        const read = await request('GET', `/v1/users/${user}/messages`, token);
        return read.status === 200 ? read : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250, what: 'gateway reads to recover after the fault is cleared' },
    );

  afterAll(async () => {
    await clearFaults();
    // Even after a failed case: no breaker left open for the next spec's reads.
    await readsRecover();
  }, 30_000);

  it.each([
    ['an error', { type: 'error', rate: 1, status: 503 }, 'the message store is unavailable'],
    ['a hang', { type: 'hang' }, 'the message store did not answer in time'],
  ])('turns %s into 503 + Retry-After on reads, keeps accepting writes, and recovers', async (_name, fault, detail) => {
    const created = await request('POST', '/admin/chaos/faults', admin, {
      ...fault,
      target: 'dependency:data-service',
      durationMs: 60_000,
    });
    expect(created.status).toBe(201);
    try {
      // The first read meets the fault itself (the previous case left the breaker closed). Once
      // failures fill the breaker's window it opens, and later reads are refused as unavailable: how
      // soon depends on the window's history (an earlier spec's slow reads), not on the fault.
      const paths = [`/v1/messages/${randomUUID()}`, `/v1/users/${user}/messages`];
      for (const [i, path] of paths.entries()) {
        const read = await request('GET', path, token);
        expect(read.status).toBe(503);
        expect(read.headers.get('retry-after')).toBe('1');
        expect(read.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(read.body).toMatchObject({ code: 'dependency-unavailable' });
        if (i === 0) expect(read.body?.detail).toBe(detail);
        else expect([detail, 'the message store is unavailable']).toContain(read.body?.detail);
      }
      const write = await request('POST', '/v1/messages', token, { user, text: 'accepted while the store is down' });
      expect(write.status).toBe(202);
    } finally {
      expect((await clearFaults()).status).toBe(204);
    }
    // The gateway's data-service breaker may have opened on these failures (or an earlier spec's):
    // reads recover once it half-opens, within its resetTimeout (5 s in the lab) — poll, with a deadline.
    expect((await readsRecover()).status).toBe(200);
  });
});
