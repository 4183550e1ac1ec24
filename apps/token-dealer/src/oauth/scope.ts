import { SCOPE_TOKEN } from '../clients/client-store';
import { OAuthError } from './oauth-error';

/**
 * The scopes to grant: the requested ones when they are all allowed, all allowed scopes when none
 * were requested (RFC 6749 §3.3 lets the server pick a default). Order follows the client's config.
 */
export function grantScopes(requested: string | undefined, allowed: readonly string[]): string[] {
  const wanted = (requested ?? '').split(' ').filter(Boolean);
  if (wanted.length === 0) return [...allowed];
  const malformed = wanted.find((scope) => !SCOPE_TOKEN.test(scope));
  if (malformed !== undefined)
    throw new OAuthError(
      'invalid_scope',
      'scope must be space-separated scope tokens (printable ASCII, no quotes or backslashes)',
    );
  const outside = [...new Set(wanted.filter((scope) => !allowed.includes(scope)))];
  if (outside.length > 0)
    throw new OAuthError('invalid_scope', `scope not allowed for this client: ${outside.join(' ')}`);
  return allowed.filter((scope) => wanted.includes(scope));
}
