import { performance } from 'node:perf_hooks';
import { HttpAnswerError } from './answer-error';

/**
 * The token-dealer's OAuth 2.0 token endpoint (RFC 6749 §4.4, client_credentials): the one place the
 * lab side gets an access token, for the load driver, the experiments, the CLI, the ledger and the
 * integration specs alike.
 */

/** A client the token-dealer knows (`id`/`secret` as in TOKEN_CLIENTS or the lab defaults). */
export interface ClientCredentials {
  readonly id: string;
  readonly secret: string;
}

/** Something that hands out a bearer token: a TokenSource, or FakeTokenSource in unit specs. */
export interface AccessTokens {
  /** A token still within 80 % of its lifetime (cached), or a fresh one. Throws TokenDealerError. */
  get(): Promise<string>;
  /** Drops the cached token and fetches a new one (after a 401, say). Throws TokenDealerError. */
  refresh(): Promise<string>;
}

/** Why no token came: `status` is the token-dealer's HTTP status, 0 when it did not answer. */
export class TokenDealerError extends HttpAnswerError {
  readonly code = 'ETOKENDEALER';
  override readonly name = 'TokenDealerError';
}

/** Lifetime assumed when the answer has no usable `expires_in` (RFC 6749 §5.1 makes it optional). */
const DEFAULT_LIFETIME_SECONDS = 300;

interface CachedToken {
  readonly value: string;
  readonly refreshAtMs: number;
}

/** A client_credentials token, refreshed at 80 % of its lifetime so a soak never runs on an expired one. */
export class TokenSource implements AccessTokens {
  private token: CachedToken | undefined;
  private pending: Promise<string> | undefined;

  /**
   * `tokenDealerUrl`: the token-dealer's base URL (`http://127.0.0.1:3001`); `scope`: space-separated
   * scopes to ask for (RFC 6749 §3.3), the client's own when omitted; `timeoutMs`: per request.
   */
  constructor(
    readonly tokenDealerUrl: string,
    private readonly client: ClientCredentials,
    private readonly scope?: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async get(): Promise<string> {
    if (this.token && performance.now() < this.token.refreshAtMs) return this.token.value;
    this.pending ??= this.fetch().finally(() => (this.pending = undefined));
    return this.pending;
  }

  async refresh(): Promise<string> {
    this.token = undefined;
    return this.get();
  }

  private async fetch(): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.client.id,
      client_secret: this.client.secret,
    });
    if (this.scope) body.set('scope', this.scope);
    let response: Response;
    try {
      response = await fetch(`${this.tokenDealerUrl}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new TokenDealerError(`token-dealer at ${this.tokenDealerUrl} does not answer (${why})`, 0, '', undefined, {
        cause: error,
      });
    }
    const text = await response.text();
    if (!response.ok)
      throw new TokenDealerError(
        `token-dealer answered ${response.status} for client ${this.client.id}: ${text.slice(0, 300)}`,
        response.status,
        text,
      );
    let parsed: { access_token?: unknown; expires_in?: unknown } = {};
    try {
      parsed = (JSON.parse(text) as typeof parsed | null) ?? {};
    } catch {
      /* not JSON: no access_token either, said below */
    }
    if (typeof parsed.access_token !== 'string')
      throw new TokenDealerError('token-dealer answered without an access_token', response.status, text);
    const lifetimeS =
      typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_LIFETIME_SECONDS;
    this.token = { value: parsed.access_token, refreshAtMs: performance.now() + lifetimeS * 800 };
    return parsed.access_token;
  }
}
