import { request } from 'node:http';
import { decodedBody, wireGet } from './gateway-read-helpers';
import { postMessage, uniqueUser, waitForFinal } from './pipeline-helpers';
import { CLIENTS, lab } from './support/lab';

/** A message whose JSON is well over the 1 KiB compression threshold (text is at most 2000 characters). */
const LONG_TEXT = `weather in Paris ${'and the forecast for the whole week, please. '.repeat(30)}`.slice(0, 1500);

/**
 * The running gateway compresses its answers with br or gzip when the client accepts one and the
 * body is 1 KiB or more, says so (Content-Encoding, Vary), and the bytes decode with node:zlib to
 * exactly the identity body; small bodies, /metrics and the token-dealer's tokens are never
 * compressed (ADR 0043).
 */
describe('the gateway compresses when asked: gzip and br', () => {
  let id: string;
  let user: string;

  beforeAll(async () => {
    user = uniqueUser('compress');
    id = (await postMessage(user, LONG_TEXT)).id;
    await waitForFinal(id);
  }, 90_000);

  it.each(['br', 'gzip'] as const)(
    'answers a message and a page in %s when asked, decoding to the identity body',
    async (coding) => {
      const gateway = lab().urls.gateway;
      for (const path of [`/v1/messages/${id}`, `/v1/users/${user}/messages`]) {
        const identity = await wireGet(gateway, path);
        expect(identity.status).toBe(200);
        expect(identity.headers['content-encoding']).toBeUndefined();
        expect(identity.raw.length).toBeGreaterThanOrEqual(1024);

        const coded = await wireGet(gateway, path, { 'accept-encoding': coding });
        expect(coded.status).toBe(200);
        expect(coded.headers['content-encoding']).toBe(coding);
        expect(coded.headers.vary).toContain('accept-encoding');
        expect(coded.raw.length).toBeLessThan(identity.raw.length / 2);
        expect(decodedBody(coded)).toBe(decodedBody(identity));
        // Each coding is its own representation, with its own strong ETag (RFC 9110 §8.8.3).
        expect(coded.headers.etag).not.toBe(identity.headers.etag);
      }
    },
  );

  it('picks the client’s preferred coding and leaves a small body alone', async () => {
    const gateway = lab().urls.gateway;
    const preferGzip = await wireGet(gateway, `/v1/messages/${id}`, { 'accept-encoding': 'br;q=0.5, gzip' });
    expect(preferGzip.headers['content-encoding']).toBe('gzip');
    const small = await wireGet(gateway, `/v1/users/${uniqueUser('empty')}/messages`, {
      'accept-encoding': 'br, gzip',
    });
    expect(small.status).toBe(200);
    expect(small.raw.length).toBeLessThan(1024);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(decodedBody(small))).toEqual({ items: [], nextBefore: null });
  });

  it('never compresses /metrics, and the token-dealer never compresses a token', async () => {
    const metrics = await wireGet(lab().urls.gateway, '/metrics', { 'accept-encoding': 'br, gzip' });
    expect(metrics.status).toBe(200);
    expect(metrics.raw.length).toBeGreaterThan(1024);
    expect(metrics.headers['content-encoding']).toBeUndefined();

    const token = await postForm(`${lab().urls['token-dealer']}/oauth/token`, {
      grant_type: 'client_credentials',
      client_id: CLIENTS.demo.id,
      client_secret: CLIENTS.demo.secret,
    });
    expect(token.status).toBe(200);
    expect(token.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(token.raw.toString('utf8'))).toHaveProperty('access_token');
  });
});

/** POSTs a form asking for br/gzip, keeping the answer's bytes as they came. */
function postForm(
  url: string,
  form: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; raw: Buffer }> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'accept-encoding': 'br, gzip',
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, raw: Buffer.concat(chunks) }),
        );
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error('no answer from the token-dealer within 15 s')));
    req.on('error', reject);
    req.end(body);
  });
}
