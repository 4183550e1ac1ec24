/** RFC 6749 §5.2 error codes this endpoint answers with. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope';

const STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  unsupported_grant_type: 400,
  invalid_scope: 400,
};

/** A token request the dealer refuses; rendered as `{error, error_description}`, never as a 5xx. */
export class OAuthError extends Error {
  readonly status: number;

  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    /** True when the client tried HTTP Basic: RFC 6749 §5.2 then requires a matching challenge. */
    readonly basicAttempted = false,
  ) {
    super(description);
    this.name = 'OAuthError';
    this.status = STATUS[code];
  }

  headers(): Record<string, string> {
    return this.code === 'invalid_client' && this.basicAttempted
      ? { 'www-authenticate': 'Basic realm="jeeves", charset="UTF-8"' }
      : {};
  }

  body(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}
