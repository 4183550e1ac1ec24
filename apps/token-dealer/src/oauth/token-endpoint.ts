import type { ClientStore } from '../clients/client-store';
import { OAuthError } from './oauth-error';
import { grantScopes } from './scope';
import type { TokenIssuer, TokenResponse } from './token-issuer';
import { readTokenRequest } from './token-request';

/** The client_credentials grant (RFC 6749 §4.4), free of HTTP: request in, token or OAuthError out. */
export class TokenEndpoint {
  constructor(
    private readonly clients: ClientStore,
    private readonly issuer: TokenIssuer,
  ) {}

  async handle(body: unknown, authorization: string | undefined): Promise<TokenResponse & { clientId: string }> {
    const request = readTokenRequest(body, authorization);
    const client = await this.clients.authenticate(request.clientId, request.clientSecret);
    if (!client) throw new OAuthError('invalid_client', 'unknown client or wrong secret', request.basicAttempted);
    const scopes = grantScopes(request.scope, client.scopes);
    return { ...(await this.issuer.issue(client, scopes)), clientId: client.clientId };
  }
}
