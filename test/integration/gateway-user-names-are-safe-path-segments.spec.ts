import { randomUUID } from 'node:crypto';
import { problemOf, rawToGateway, servedDocumentValidator, type Validator } from './gateway-edge-helpers';
import { CLIENTS, getToken, waitFor } from './support/lab';

/**
 * Issue 10, case 6: `POST {"user":"..","text":"help"}` was accepted, and `GET /v1/users/%2E%2E/messages`
 * answered 200 with no items: the gateway's `fetch` resolved the dot segment and asked data-service
 * for another URL. User names are now safe path segments (`.` and `..` are refused at POST and GET,
 * by the contract's pattern), every segment of a data-service URL is encoded, and a listing shows
 * what was stored — against the running gateway and data-service.
 */
describe('gateway: user names are safe path segments, and a listing shows what was stored', () => {
  let validator: Validator;
  let auth: [string, string];
  const json: [string, string] = ['Content-Type', 'application/json'];

  beforeAll(async () => {
    validator = await servedDocumentValidator();
    auth = ['Authorization', `Bearer ${await getToken(CLIENTS.demo.id, CLIENTS.demo.secret)}`];
  });

  const fieldsOf = (body: string) => (JSON.parse(body) as { errors?: { field: string }[] }).errors?.map((e) => e.field);

  it('refuses the user names "." and ".." at POST, so nothing is stored under them', async () => {
    for (const user of ['..', '.']) {
      const answer = await rawToGateway(
        validator,
        'POST',
        '/v1/messages',
        [auth, json],
        JSON.stringify({ user, text: 'help' }),
      );
      expect(answer.status).toBe(400);
      expect(fieldsOf(answer.body)).toEqual(['user']);
    }
  });

  it.each(['/v1/users/%2E%2E/messages', '/v1/users/../messages', '/v1/users/./messages', '/v1/users/%2e/messages'])(
    'answers GET %s (sent as is) with a 400 naming the user, never a listing of another URL',
    async (path) => {
      const answer = await rawToGateway(validator, 'GET', path, [auth]);
      expect(answer.status).toBe(400);
      expect(problemOf(answer).code).toBe('validation-failed');
      expect(fieldsOf(answer.body)).toEqual(['user']);
    },
  );

  it('lists exactly what was stored for names with dots that are not dot segments', async () => {
    const suffix = randomUUID().slice(0, 8);
    for (const user of [`...${suffix}`, `.${suffix}`, `${suffix}.`]) {
      const posted = await rawToGateway(
        validator,
        'POST',
        '/v1/messages',
        [auth, json],
        JSON.stringify({ user, text: 'help' }),
      );
      expect(posted.status).toBe(202);
      const { id } = JSON.parse(posted.body) as { id: string };
      const listed = await waitFor(
        async () => {
          const answer = await rawToGateway(validator, 'GET', `/v1/users/${encodeURIComponent(user)}/messages`, [auth]);
          const items = (JSON.parse(answer.body) as { items: { id: string; user: string; text: string }[] }).items;
          return items.length > 0 ? items : undefined;
        },
        { timeoutMs: 60_000, what: `the message of ${user} to be listed` },
      );
      expect(listed).toEqual([expect.objectContaining({ id, user, text: 'help' })]);
    }
  });
});
