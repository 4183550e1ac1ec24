import { describeInstance, instanceReady, openLab, startInstance, stopInstance } from '../../tools/lab';
import { demoToken, uniqueUser } from './pipeline-helpers';
import { lab, waitFor } from './support/lab';
import { TEST_STATE_DIR } from './support/settings';

/** An instance number no other spec uses, for the gateway started with a CORS allow-list. */
const CORS_INSTANCE = 8;
const ALLOWED = 'http://app.example:8080';
const OTHER = 'http://evil.example';

const corsHeaders = (response: Response): string[] =>
  [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));

/**
 * The gateway's CORS allow-list (CORS_ALLOWED_ORIGINS), on a real gateway process of the test lab:
 * an allowed origin gets the preflight answer (its own origin, the path's methods, the API's headers,
 * no credentials) and can read real answers; another origin gets no Access-Control-* header; the
 * lab's own gateway, started without a list, answers no preflight at all.
 */
describe('gateway: CORS for an allow-list of origins', () => {
  const config = openLab(process.env, { stateDir: TEST_STATE_DIR });
  const target = describeInstance(config, 'gateway', CORS_INSTANCE);

  beforeAll(async () => {
    const before = process.env.CORS_ALLOWED_ORIGINS;
    process.env.CORS_ALLOWED_ORIGINS = ALLOWED;
    try {
      await startInstance(config, target, { brokers: lab().brokers });
    } finally {
      if (before === undefined) delete process.env.CORS_ALLOWED_ORIGINS;
      else process.env.CORS_ALLOWED_ORIGINS = before;
    }
    await waitFor(() => instanceReady(target), {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: `${target.id} to be ready`,
    });
  }, 120_000);
  afterAll(async () => {
    await stopInstance(config, target.id);
  });

  const preflight = (baseUrl: string, origin: string, method = 'POST') =>
    fetch(`${baseUrl}/v1/messages`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': method,
        'access-control-request-headers': 'authorization, content-type',
      },
    });

  it('answers the preflight of an allowed origin with that origin, the methods and headers, and no credentials', async () => {
    const response = await preflight(target.url, ALLOWED);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(response.headers.get('access-control-allow-methods')).toBe('POST');
    expect(response.headers.get('access-control-allow-headers')?.split(', ')).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'idempotency-key']),
    );
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary')).toContain('Origin');
  });

  it('gives another origin no Access-Control-* header, on the preflight and on a real request', async () => {
    expect(corsHeaders(await preflight(target.url, OTHER))).toEqual([]);
    const post = await fetch(`${target.url}/v1/messages`, {
      method: 'POST',
      headers: { origin: OTHER, authorization: `Bearer ${await demoToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: uniqueUser('cors'), text: 'help' }),
    });
    expect(post.status).toBe(202);
    expect(corsHeaders(post)).toEqual([]);
  });

  it('lets the allowed origin read a real answer and its headers', async () => {
    const post = await fetch(`${target.url}/v1/messages`, {
      method: 'POST',
      headers: { origin: ALLOWED, authorization: `Bearer ${await demoToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: uniqueUser('cors'), text: 'help' }),
    });
    expect(post.status).toBe(202);
    expect(post.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(post.headers.get('access-control-expose-headers')).toContain('location');
    expect(post.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it("leaves the lab's own gateway (no allow-list) without CORS: no preflight answer", async () => {
    const response = await preflight(lab().urls.gateway, ALLOWED);
    expect(response.status).toBe(405);
    expect(corsHeaders(response)).toEqual([]);
  });
});
