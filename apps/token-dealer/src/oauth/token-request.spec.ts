import { OAuthError } from './oauth-error';
import { readTokenRequest } from './token-request';

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

function refusal(body: unknown, authorization?: string): OAuthError {
  try {
    readTokenRequest(body, authorization);
  } catch (error) {
    if (error instanceof OAuthError) return error;
    throw error;
  }
  throw new Error('request was accepted');
}

describe('readTokenRequest', () => {
  it('reads body credentials and treats an empty scope as absent', () => {
    expect(
      readTokenRequest(
        { grant_type: 'client_credentials', client_id: 'a', client_secret: 's', scope: '', extra: 'ignored' },
        undefined,
      ),
    ).toEqual({
      grantType: 'client_credentials',
      clientId: 'a',
      clientSecret: 's',
      scope: undefined,
      basicAttempted: false,
    });
  });

  it('reads form-encoded HTTP Basic credentials (RFC 6749 §2.3.1), and raw ones too', () => {
    const encoded = readTokenRequest({ grant_type: 'client_credentials' }, basic('my%20client:p%3Ass+word'));
    expect(encoded).toMatchObject({ clientId: 'my client', clientSecret: 'p:ss word', basicAttempted: true });
    const raw = readTokenRequest({ grant_type: 'client_credentials' }, basic('client:100%sure:yes'));
    expect(raw).toMatchObject({ clientId: 'client', clientSecret: '100%sure:yes' });
  });

  it('accepts a body client_id that matches the Basic one', () => {
    expect(readTokenRequest({ grant_type: 'client_credentials', client_id: 'a' }, basic('a:s')).clientId).toBe('a');
  });

  it.each([
    ['no body at all', undefined, undefined, 'invalid_request'],
    ['a body that is not an object', 'grant_type=client_credentials', undefined, 'invalid_request'],
    [
      'a repeated parameter',
      { grant_type: 'client_credentials', client_id: 'a', client_secret: ['s', 't'] },
      undefined,
      'invalid_request',
    ],
    [
      'a non-string parameter',
      { grant_type: 'client_credentials', client_id: 7, client_secret: 's' },
      undefined,
      'invalid_request',
    ],
    [
      'both Basic and a body secret',
      { grant_type: 'client_credentials', client_secret: 's' },
      basic('a:s'),
      'invalid_request',
    ],
    [
      'a body client_id other than the Basic one',
      { grant_type: 'client_credentials', client_id: 'b' },
      basic('a:s'),
      'invalid_request',
    ],
    ['Basic without a colon', { grant_type: 'client_credentials' }, basic('just-an-id'), 'invalid_request'],
    ['Basic with an empty secret', { grant_type: 'client_credentials' }, basic('a:'), 'invalid_request'],
    ['Basic that is not base64', { grant_type: 'client_credentials' }, 'Basic ***', 'invalid_request'],
    ['another authentication scheme', { grant_type: 'client_credentials' }, 'Bearer abc', 'invalid_client'],
    [
      'another grant type',
      { grant_type: 'password', client_id: 'a', client_secret: 's' },
      undefined,
      'unsupported_grant_type',
    ],
  ])('refuses %s', (_what, body, authorization, code) => {
    expect(refusal(body, authorization).code).toBe(code);
  });

  it('asks for a Basic challenge only when the client used the Authorization header', () => {
    expect(refusal({ grant_type: 'client_credentials' }, 'Bearer abc').headers()).toEqual({
      'www-authenticate': expect.stringMatching(/^Basic realm="jeeves"/),
    });
    expect(refusal({ grant_type: 'password', client_id: 'a', client_secret: 's' }).headers()).toEqual({});
  });

  it('names the missing parameters', () => {
    expect(refusal({ client_id: 'a', client_secret: 's' }).description).toContain('grant_type');
    expect(refusal({ grant_type: 'client_credentials' }).description).toBe(
      'missing parameter: client_id, client_secret',
    );
  });
});
