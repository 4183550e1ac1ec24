import { randomUUID } from 'node:crypto';
import { APP_NAMES } from '../../tools/lab';
import { rawRequest } from '../../libs/platform/src/testing/raw-http';
import { httpRequest, problemOf, rawToGateway, servedDocumentValidator, type Validator } from './gateway-edge-helpers';
import { CLIENTS, getToken, lab } from './support/lab';

/**
 * Issue 10, case 9: `PUT`, `DELETE`, `PATCH` on `/v1/messages` got 404. A known path asked with a
 * method it does not serve gets 405 with `Allow` (RFC 9110 §15.5.6) in problem+json — on the
 * gateway's public API, as its OpenAPI document says, and on every app's own routes.
 */
describe('a known path with another method answers 405 with Allow', () => {
  let validator: Validator;
  let auth: [string, string];

  beforeAll(async () => {
    validator = await servedDocumentValidator();
    auth = ['Authorization', `Bearer ${await getToken(CLIENTS.demo.id, CLIENTS.demo.secret)}`];
  });

  it.each(['PUT', 'DELETE', 'PATCH'])('answers %s /v1/messages with 405 and Allow: POST', async (method) => {
    const answer = await rawToGateway(
      validator,
      method,
      '/v1/messages',
      [auth, ['Content-Type', 'application/json']],
      JSON.stringify({ user: 'alice', text: 'hi' }),
    );
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('POST');
    expect(problemOf(answer)).toMatchObject({ status: 405, code: 'method-not-allowed' });
  });

  it.each([
    ['GET', '/v1/messages', 'POST'],
    ['DELETE', `/v1/messages/${randomUUID()}`, 'GET, HEAD'],
    ['POST', '/v1/users/alice/messages', 'GET, HEAD'],
  ])('answers %s %s with 405 and Allow: %s, whatever the credentials', async (method, path, allow) => {
    for (const headers of [[auth], []]) {
      const answer = await rawToGateway(validator, method, path, headers);
      expect(answer.status).toBe(405);
      expect(answer.headers.allow).toBe(allow);
    }
  });

  it.each(APP_NAMES.map((app) => [app]))('%s answers DELETE /health/live with 405 and Allow', async (app) => {
    const answer = await rawRequest(lab().urls[app], httpRequest('DELETE', '/health/live'));
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD');
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(problemOf(answer)).toMatchObject({ status: 405, code: 'method-not-allowed' });
  });
});
