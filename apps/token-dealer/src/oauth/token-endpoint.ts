import { ProblemError } from '#libs/platform';
import type { Client, ClientStore } from '../clients/client-store';
import type { FailedAttemptLimiter, FailureLimit } from '../throttling/failed-attempt-limiter';
import { OAuthError } from './oauth-error';
import { grantScopes } from './scope';
import type { TokenIssuer, TokenResponse } from './token-issuer';
import { readTokenRequest, type TokenRequest } from './token-request';

export interface TokenEndpointOptions {
  /** Limits failed client authentications before their scrypt; absent: every guess is checked. */
  limiter?: FailedAttemptLimiter;
  /** Called for each attempt refused by a failed-attempt budget (the refusal counter). */
  onThrottled?: (limit: FailureLimit) => void;
}

const THROTTLED_WHERE: Record<FailureLimit, string> = {
  client_source: 'for this client id from this address',
  source: 'from this address',
  client: 'for this client id from addresses it has not authenticated from lately',
  untrusted: 'from addresses not known for their client id',
};

/** The client_credentials grant (RFC 6749 §4.4), free of HTTP: request in, token or OAuthError out. */
export class TokenEndpoint {
  constructor(
    private readonly clients: ClientStore,
    private readonly issuer: TokenIssuer,
    private readonly options: TokenEndpointOptions = {},
  ) {}

  /**
   * Answers one token request from `peerAddress` (the connection's IP address). Throws OAuthError
   * for a refusal RFC 6749 §5.2 names, and a 429 ProblemError with Retry-After (RFC 6585 §4) when
   * the client id or the address has failed too often to be checked again yet.
   */
  async handle(
    body: unknown,
    authorization: string | undefined,
    peerAddress?: string,
  ): Promise<TokenResponse & { clientId: string }> {
    const request = readTokenRequest(body, authorization);
    const client = await this.authenticate(request, peerAddress);
    if (!client) throw new OAuthError('invalid_client', 'unknown client or wrong secret', request.basicAttempted);
    const scopes = grantScopes(request.scope, client.scopes);
    return { ...(await this.issuer.issue(client, scopes)), clientId: client.clientId };
  }

  private async authenticate(request: TokenRequest, peerAddress: string | undefined): Promise<Client | undefined> {
    const { limiter } = this.options;
    if (!limiter) return this.clients.authenticate(request.clientId, request.clientSecret);
    // A secret verified lately costs an HMAC, not a scrypt, and is no guess: it needs no budget.
    const recognised = this.clients.recognise(request.clientId, request.clientSecret);
    if (recognised) {
      limiter.recordSuccess(request.clientId, peerAddress);
      return recognised;
    }
    const admission = limiter.admit(request.clientId, peerAddress);
    if (admission.kind === 'refused') {
      this.options.onThrottled?.(admission.limit);
      throw new ProblemError(429, 'rate-limited', {
        detail: `too many failed client authentications ${THROTTLED_WHERE[admission.limit]}; retry after ${admission.retryAfterSeconds} s`,
        retryAfterSeconds: admission.retryAfterSeconds,
      });
    }
    const client = await this.clients.authenticate(request.clientId, request.clientSecret);
    if (client) admission.permit.succeeded();
    else admission.permit.failed();
    return client;
  }
}
