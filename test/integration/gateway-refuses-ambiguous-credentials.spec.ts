import { randomUUID } from 'node:crypto';
import { rawRequest } from '../../libs/platform/src/testing/raw-http';
import { httpRequest, problemOf, rawToGateway, servedDocumentValidator, type Validator } from './gateway-edge-helpers';
import { postMessage, waitForFinal } from './pipeline-helpers';
import { CLIENTS, getToken, lab } from './support/lab';

/**
 * Issue 10, case 8: two `Authorization` lines, the valid token first and `Bearer junk` second, got
 * 202 (reversed: 401) — Node keeps only the first line. Ambiguous credentials are refused with 400
 * `invalid_request` (RFC 6750 §3.1, a Bearer challenge in `WWW-Authenticate`) whatever the order,
 * and nothing is published; the token dealer refuses two Authorization lines the same way.
 * Raw sockets: fetch would merge the two lines into one.
 */
describe('ambiguous credentials are refused, whatever the order', () => {
  let validator: Validator;
  let good: string;
  const user = `it-creds-${randomUUID().slice(0, 8)}`;
  const json: [string, string] = ['Content-Type', 'application/json'];

  beforeAll(async () => {
    validator = await servedDocumentValidator();
    good = `Bearer ${await getToken(CLIENTS.demo.id, CLIENTS.demo.secret)}`;
  });

  const expectInvalidRequest = (answer: Awaited<ReturnType<typeof rawToGateway>>) => {
    expect(answer.status).toBe(400);
    expect(problemOf(answer).code).toBe('invalid-request');
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="jeeves", error="invalid_request"/);
  };

  it.each([
    ['the valid token first (the reported case)', () => [good, 'Bearer junk']],
    ['the valid token last', () => ['Bearer junk', good]],
    ['the same valid token twice', () => [good, good]],
  ])('answers two Authorization lines with %s with 400, and publishes nothing', async (_name, lines) => {
    const headers = lines().map((value) => ['Authorization', value] as const);
    const answer = await rawToGateway(
      validator,
      'POST',
      '/v1/messages',
      [...headers, json],
      JSON.stringify({ user, text: 'ambiguous' }),
    );
    expectInvalidRequest(answer);
    expectInvalidRequest(await rawToGateway(validator, 'GET', `/v1/users/${user}/messages`, headers));
  });

  it('answers a token in the URI as well with 400', async () => {
    expectInvalidRequest(
      await rawToGateway(validator, 'GET', `/v1/users/${user}/messages?access_token=x`, [['Authorization', good]]),
    );
  });

  it('stored none of the refused messages', async () => {
    // A message sent after them, once replied, is on the same partition behind any of them.
    const { id } = await postMessage(user, 'echo the only one');
    await waitForFinal(id);
    const answer = await rawToGateway(validator, 'GET', `/v1/users/${user}/messages?limit=50`, [
      ['Authorization', good],
    ]);
    const items = (JSON.parse(answer.body) as { items: { id: string }[] }).items;
    expect(items.map((m) => m.id)).toEqual([id]);
  });

  it('the token dealer refuses two Authorization lines as invalid_request', async () => {
    const basic = `Basic ${Buffer.from(`${CLIENTS.demo.id}:${CLIENTS.demo.secret}`).toString('base64')}`;
    for (const lines of [
      [basic, 'Basic junk'],
      ['Basic junk', basic],
    ]) {
      const answer = await rawRequest(
        lab().urls['token-dealer'],
        httpRequest(
          'POST',
          '/oauth/token',
          [
            ...lines.map((value) => ['Authorization', value] as const),
            ['Content-Type', 'application/x-www-form-urlencoded'],
          ],
          'grant_type=client_credentials',
        ),
      );
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_request' });
    }
  });
});
