import { startStubHttpServer, type StubAnswer, type StubHttpServer } from '../testing';
import { TokenDealerError, TokenSource } from './token-dealer';

describe('TokenSource: client_credentials tokens from token-dealer', () => {
  let server: StubHttpServer;
  let answer: () => StubAnswer;
  let issued = 0;

  beforeAll(async () => {
    server = await startStubHttpServer(() => answer());
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    issued = 0;
    answer = () => ({ status: 200, body: { access_token: `t${++issued}`, token_type: 'Bearer', expires_in: 900 } });
  });

  it('posts a form-encoded client_credentials grant with the scope asked for (RFC 6749 §4.4.2)', async () => {
    const tokens = new TokenSource(server.url, { id: 'lab-admin', secret: 's3cret' }, 'lab:chaos');
    await expect(tokens.get()).resolves.toBe('t1');
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', url: '/oauth/token' });
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request!.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'lab-admin',
      client_secret: 's3cret',
      scope: 'lab:chaos',
    });
  });

  it('asks for no scope when given none (the client gets its own)', async () => {
    await new TokenSource(server.url, { id: 'jeeves-demo', secret: 'x' }).get();
    expect(new URLSearchParams(server.requests[0]!.body).has('scope')).toBe(false);
  });

  it('caches the token within 80 % of its lifetime and makes one request for concurrent callers', async () => {
    const tokens = new TokenSource(server.url, { id: 'c', secret: 's' });
    const all = await Promise.all([tokens.get(), tokens.get(), tokens.get()]);
    expect(all).toEqual(['t1', 't1', 't1']);
    await expect(tokens.get()).resolves.toBe('t1');
    expect(server.requests).toHaveLength(1);
  });

  it('fetches again once 80 % of the lifetime has passed', async () => {
    answer = () => ({ status: 200, body: { access_token: `t${++issued}`, expires_in: 0.05 } });
    const tokens = new TokenSource(server.url, { id: 'c', secret: 's' });
    await expect(tokens.get()).resolves.toBe('t1');
    await new Promise((resolve) => setTimeout(resolve, 60));
    await expect(tokens.get()).resolves.toBe('t2');
  });

  it('refresh() drops the cached token', async () => {
    const tokens = new TokenSource(server.url, { id: 'c', secret: 's' });
    await tokens.get();
    await expect(tokens.refresh()).resolves.toBe('t2');
    await expect(tokens.get()).resolves.toBe('t2');
  });

  it('says what token-dealer answered to a refusal, with its status', async () => {
    answer = () => ({ status: 401, body: { error: 'invalid_client' } });
    const failure = new TokenSource(server.url, { id: 'nobody', secret: 'x' }).get();
    await expect(failure).rejects.toThrow('token-dealer answered 401 for client nobody: {"error":"invalid_client"}');
    await expect(failure).rejects.toMatchObject({ status: 401, code: 'ETOKENDEALER' });
  });

  it('refuses an answer without an access_token', async () => {
    answer = () => ({ status: 200, body: { token_type: 'Bearer' } });
    await expect(new TokenSource(server.url, { id: 'c', secret: 's' }).get()).rejects.toThrow(
      'token-dealer answered without an access_token',
    );
    answer = () => ({ status: 200, body: 'not json' });
    await expect(new TokenSource(server.url, { id: 'c', secret: 's' }).get()).rejects.toThrow(
      'token-dealer answered without an access_token',
    );
  });

  it('names the address when token-dealer does not answer (status 0)', async () => {
    const failure = new TokenSource('http://127.0.0.1:9', { id: 'c', secret: 's' }, undefined, 1000).get();
    await expect(failure).rejects.toThrow(/^token-dealer at http:\/\/127\.0\.0\.1:9 does not answer \(/);
    await expect(failure).rejects.toBeInstanceOf(TokenDealerError);
    await expect(failure).rejects.toMatchObject({ status: 0 });
  });
});
