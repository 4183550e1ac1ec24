import { OAuthError } from './oauth-error';
import { grantScopes } from './scope';

const ALLOWED = ['messages:write', 'messages:read', 'lab:chaos'];

function refusal(requested: string): OAuthError {
  try {
    grantScopes(requested, ALLOWED);
  } catch (error) {
    if (error instanceof OAuthError) return error;
    throw error;
  }
  throw new Error(`"${requested}" was granted`);
}

describe('grantScopes', () => {
  it('grants every allowed scope when none is requested', () => {
    expect(grantScopes(undefined, ALLOWED)).toEqual(ALLOWED);
    expect(grantScopes('', ALLOWED)).toEqual(ALLOWED);
  });

  it('grants a requested subset in configured order, once each, ignoring extra spaces', () => {
    expect(grantScopes('lab:chaos  messages:write lab:chaos', ALLOWED)).toEqual(['messages:write', 'lab:chaos']);
  });

  it('refuses a scope outside the client with invalid_scope, naming it', () => {
    const error = refusal('messages:read admin:all');
    expect(error.code).toBe('invalid_scope');
    expect(error.status).toBe(400);
    expect(error.description).toContain('admin:all');
    expect(error.description).not.toContain('messages:read');
  });

  it('refuses malformed scope tokens', () => {
    expect(refusal('messages:read "quoted"').code).toBe('invalid_scope');
    expect(refusal('back\\slash').code).toBe('invalid_scope');
  });

  it('is case-sensitive, as RFC 6749 §3.3 says', () => {
    expect(refusal('MESSAGES:READ').code).toBe('invalid_scope');
  });
});
