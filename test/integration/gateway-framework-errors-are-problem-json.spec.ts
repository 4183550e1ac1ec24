import { randomUUID } from 'node:crypto';
import { rawRequest } from '../../libs/platform/src/testing/raw-http';
import { problemOf, rawToGateway, servedDocumentValidator, type Validator } from './gateway-edge-helpers';
import { CLIENTS, getToken, lab } from './support/lab';

/**
 * Issue 10, case 5: `GET /v1/messages/%zz` got Fastify's own 400 in plain JSON. The running gateway
 * answers every error it gives before our handlers run — a URL that is not percent-encoded UTF-8, an
 * over-long path segment, an unknown path, a body too large or of the wrong type, bytes that are not
 * HTTP, headers too large — as RFC 9457 problem+json, each with a status the served OpenAPI document
 * lists (the validator checks every answer here against it).
 */
describe('gateway: errors the framework answers are problem+json and documented', () => {
  let validator: Validator;
  let auth: [string, string];

  beforeAll(async () => {
    validator = await servedDocumentValidator();
    auth = ['Authorization', `Bearer ${await getToken(CLIENTS.demo.id, CLIENTS.demo.secret)}`];
  });

  it('answers GET /v1/messages/%zz with a problem+json 400 (the reported input)', async () => {
    const answer = await rawToGateway(validator, 'GET', '/v1/messages/%zz', [auth]);
    expect(answer.status).toBe(400);
    expect(problemOf(answer)).toMatchObject({ status: 400, code: 'malformed-url' });
  });

  it.each([
    ['escapes that are not UTF-8', 'GET', '/v1/users/%C0%AF/messages', 400, 'malformed-url'],
    ['a bad escape with a method no route has', 'PUT', '/v1/messages/%zz', 400, 'malformed-url'],
    ['an over-long path segment', 'GET', `/v1/users/${'a'.repeat(300)}/messages`, 414, 'uri-too-long'],
    ['an unknown path', 'GET', '/v2/messages', 404, 'not-found'],
  ])('answers %s with a problem+json %#', async (_name, method, path, status, code) => {
    const answer = await rawToGateway(validator, method, path, [auth]);
    expect(problemOf(answer)).toMatchObject({ status, code });
  });

  it.each([
    ['a body over 16 KiB', 'application/json', JSON.stringify({ user: 'u', text: 'x'.repeat(17_000) }), 413],
    ['another media type', 'text/plain', 'hello', 415],
    ['broken JSON', 'application/json', '{"user":', 400],
    ['an empty JSON body', 'application/json', '', 400],
  ])('answers %s with a problem+json %#', async (_name, contentType, body, status) => {
    const answer = await rawToGateway(validator, 'POST', '/v1/messages', [auth, ['Content-Type', contentType]], body);
    expect(answer.status).toBe(status);
  });

  it('answers bytes that are not HTTP and headers that are too large with problem+json, and closes', async () => {
    for (const [bytes, status, code] of [
      ['GET /v1/messages HTTP/1.1\r\nHost gateway\r\n\r\n', 400, 'malformed-request'],
      [
        `GET /v1/messages/${randomUUID()} HTTP/1.1\r\nHost: gateway\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        431,
        'header-fields-too-large',
      ],
    ] as const) {
      const answer = await rawRequest(lab().urls.gateway, bytes);
      expect(answer.status).toBe(status);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.headers.connection).toBe('close');
      expect(problemOf(answer)).toMatchObject({ status, code });
      // Documented as answers given before routing.
      expect(
        validator.check({ method: 'GET', url: '/nowhere', status, headers: answer.headers, body: answer.body }),
      ).toEqual([]);
    }
  });

  it('still serves a good request afterwards', async () => {
    const answer = await rawToGateway(
      validator,
      'POST',
      '/v1/messages',
      [auth, ['Content-Type', 'application/json']],
      JSON.stringify({ user: `it-${randomUUID().slice(0, 8)}`, text: 'help' }),
    );
    expect(answer.status).toBe(202);
  });
});
