import { OAuthError } from './oauth-error';

const CLIENT_CREDENTIALS = 'client_credentials';

/** A syntactically complete client_credentials request; the secret is not checked yet. */
export interface TokenRequest {
  grantType: typeof CLIENT_CREDENTIALS;
  clientId: string;
  clientSecret: string;
  scope: string | undefined;
  /** The client authenticated with HTTP Basic (RFC 6749 §2.3.1) rather than body parameters. */
  basicAttempted: boolean;
}

const PARAMETERS = ['grant_type', 'client_id', 'client_secret', 'scope'] as const;
type Parameter = (typeof PARAMETERS)[number];
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Reads a token request from its parsed body (form or JSON) and Authorization header. Unknown
 * parameters are ignored (RFC 6749 §3.2); repeated or non-string ones are refused.
 */
export function readTokenRequest(body: unknown, authorization: string | undefined): TokenRequest {
  const params = readParameters(body);
  const basic = authorization === undefined ? undefined : readBasic(authorization);
  const basicAttempted = basic !== undefined;

  if (params.grant_type === undefined) throw new OAuthError('invalid_request', 'missing parameter: grant_type');
  if (basic && params.client_secret !== undefined) {
    throw new OAuthError(
      'invalid_request',
      'use one client authentication method: HTTP Basic or client_secret in the body, not both',
      true,
    );
  }
  if (basic && params.client_id !== undefined && params.client_id !== basic.clientId) {
    throw new OAuthError('invalid_request', 'client_id in the body does not match the HTTP Basic credentials', true);
  }
  const clientId = basic?.clientId ?? params.client_id;
  const clientSecret = basic?.clientSecret ?? params.client_secret;
  const missing = [clientId === undefined && 'client_id', clientSecret === undefined && 'client_secret'].filter(
    Boolean,
  );
  if (missing.length > 0) throw new OAuthError('invalid_request', `missing parameter: ${missing.join(', ')}`);
  if (params.grant_type !== CLIENT_CREDENTIALS) {
    throw new OAuthError('unsupported_grant_type', `grant_type must be ${CLIENT_CREDENTIALS}`, basicAttempted);
  }
  return {
    grantType: CLIENT_CREDENTIALS,
    clientId: clientId as string,
    clientSecret: clientSecret as string,
    scope: params.scope || undefined,
    basicAttempted,
  };
}

function readParameters(body: unknown): Partial<Record<Parameter, string>> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new OAuthError('invalid_request', 'the body must hold the parameters as a form or a JSON object');
  const source = body as Record<string, unknown>;
  const params: Partial<Record<Parameter, string>> = {};
  for (const name of PARAMETERS) {
    const value = source[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) throw new OAuthError('invalid_request', `parameter ${name} must not be repeated`);
    if (typeof value !== 'string') throw new OAuthError('invalid_request', `parameter ${name} must be a string`);
    // An empty value is the same as an absent one (RFC 6749 §3.1).
    if (value !== '') params[name] = value;
  }
  return params;
}

/** RFC 6749 §2.3.1 (and RFC 7617): `Basic base64(urlencode(id) ":" urlencode(secret))`. */
function readBasic(header: string): { clientId: string; clientSecret: string } {
  const match = /^Basic +(\S+) *$/i.exec(header);
  if (!match)
    throw new OAuthError('invalid_client', 'client authentication must use HTTP Basic or body parameters', true);
  if (!BASE64.test(match[1]))
    throw new OAuthError('invalid_request', 'HTTP Basic credentials are not valid base64', true);
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0)
    throw new OAuthError('invalid_request', 'HTTP Basic credentials must be client_id:client_secret', true);
  const clientId = formDecode(decoded.slice(0, colon));
  const clientSecret = formDecode(decoded.slice(colon + 1));
  if (!clientId || !clientSecret)
    throw new OAuthError('invalid_request', 'HTTP Basic credentials must name a client_id and a client_secret', true);
  return { clientId, clientSecret };
}

/** Many clients send the id and secret without the form-encoding the RFC asks for; take them raw then. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '));
  } catch {
    return value;
  }
}
