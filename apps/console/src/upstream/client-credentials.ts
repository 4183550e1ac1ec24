import { performance } from 'node:perf_hooks';

/** A client the token-dealer knows (RFC 6749 §2.3.1 client_id / client_secret). */
export interface ClientCredentials {
  readonly id: string;
  readonly secret: string;
}

/** Why no token came: `status` is the token-dealer's HTTP status, 0 when it did not answer. */
export class TokenUnavailableError extends Error {
  readonly code = 'ETOKENUNAVAILABLE';
  override readonly name = 'TokenUnavailableError';
  constructor(
    message: string,
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Something that hands out a bearer token; FakeBearerTokens in unit specs. */
export interface BearerTokens {
  /** A cached token within 80 % of its lifetime, or a fresh one. Throws TokenUnavailableError. */
  get(): Promise<string>;
  /** Drops the cached token and fetches a new one (after a 401). Throws TokenUnavailableError. */
  refresh(): Promise<string>;
}

/** Lifetime assumed when the answer has no usable `expires_in` (optional in RFC 6749 §5.1). */
const DEFAULT_LIFETIME_SECONDS = 300;

/**
 * client_credentials tokens from the token-dealer (RFC 6749 §4.4), held in this process only: the
 * console's page never sees a token or a secret (ADR 0100). Concurrent callers share one request.
 * The lab side has its own TokenSource (tools/common); apps do not import the lab side.
 */
export class ClientCredentialsTokens implements BearerTokens {
  private token: { value: string; refreshAtMs: number } | undefined;
  private pending: Promise<string> | undefined;

  /** `tokenDealerUrl`: base URL; `timeoutMs`: per token request. */
  constructor(
    private readonly tokenDealerUrl: string,
    private readonly client: ClientCredentials,
    private readonly timeoutMs: number,
  ) {}

  async get(): Promise<string> {
    if (this.token && performance.now() < this.token.refreshAtMs) return this.token.value;
    this.pending ??= this.fetchToken().finally(() => (this.pending = undefined));
    return this.pending;
  }

  async refresh(): Promise<string> {
    this.token = undefined;
    return this.get();
  }

  private async fetchToken(): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.client.id,
      client_secret: this.client.secret,
    });
    let response: Response;
    try {
      response = await fetch(`${this.tokenDealerUrl}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new TokenUnavailableError(`token-dealer does not answer (${(error as Error).message})`, 0, {
        cause: error,
      });
    }
    const parsed = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown };
    // The token-dealer's error body names the client, never the secret; still, say only the status.
    if (!response.ok)
      throw new TokenUnavailableError(
        `token-dealer refused client ${this.client.id} (${response.status})`,
        response.status,
      );
    if (typeof parsed.access_token !== 'string')
      throw new TokenUnavailableError('token-dealer answered without an access_token', response.status);
    const lifetimeS =
      typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_LIFETIME_SECONDS;
    this.token = { value: parsed.access_token, refreshAtMs: performance.now() + lifetimeS * 800 };
    return parsed.access_token;
  }
}
