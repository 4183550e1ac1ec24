import {
  applyDecorators,
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { headerLines, ProblemError, type RawHeaders } from '#libs/platform';
import { bearerChallenge, type Principal, TokenVerifier } from './token-verifier';

const REQUIRED_SCOPES = Symbol('jeevesRequiredScopes');
const PRINCIPAL = Symbol('jeevesPrincipal');

interface WithPrincipal extends CredentialSources {
  [PRINCIPAL]?: Principal;
}

/** Where a request can carry credentials: headers (and every header line, in `raw`), and the query. */
export interface CredentialSources {
  headers: Record<string, string | string[] | undefined>;
  raw?: RawHeaders;
  query?: unknown;
}

/** RFC 6750 §2.1 b64token: what may follow `Bearer `. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
/** RFC 9110 §11.4 `auth-scheme` at the start of a credentials value. */
const SCHEME = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?: |$)/;

/**
 * Requires a valid access token carrying every scope in `scopes` (401 without a valid token, 403
 * with one that lacks a scope). Applied per route so that a public route stays visibly public.
 */
export function RequireScopes(...scopes: string[]): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(REQUIRED_SCOPES, scopes), UseGuards(AuthGuard));
}

/** The verified caller of a route guarded by `@RequireScopes`. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  return principalOf(context.switchToHttp().getRequest<WithPrincipal>());
});

/** The principal the guard attached to the request; throws when the route was not guarded. */
export function principalOf(request: object): Principal {
  const principal = (request as WithPrincipal)[PRINCIPAL];
  if (!principal) throw new Error('no principal on this request: is the route guarded by @RequireScopes?');
  return principal;
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const required =
      this.reflector.getAllAndMerge<string[]>(REQUIRED_SCOPES, [context.getHandler(), context.getClass()]) ?? [];
    const request = context.switchToHttp().getRequest<WithPrincipal>();
    const principal = await this.verifier.verify(bearerToken(request));
    const missing = required.filter((scope) => !principal.scopes.includes(scope));
    if (missing.length > 0) {
      throw new ProblemError(403, 'forbidden', {
        detail: `the access token lacks scope ${missing.join(' ')}`,
        headers: { 'www-authenticate': bearerChallenge({ error: 'insufficient_scope', scope: required.join(' ') }) },
      });
    }
    request[PRINCIPAL] = principal;
    return true;
  }
}

/**
 * The one bearer token of a request, or a problem (RFC 6750 §3.1): no credentials, or another
 * scheme only, is a 401 challenge without an error code; credentials that are ambiguous (two
 * `Authorization` lines, a token in the query as well or instead: we read only the header) or a
 * malformed `Bearer` value are a 400 `invalid_request` — whatever order the lines came in, so no
 * line can override another.
 */
export function bearerToken(request: CredentialSources): string {
  const lines = request.raw ? headerLines(request.raw, 'authorization') : headerValues(request.headers.authorization);
  const query = request.query as Record<string, unknown> | undefined;
  if (query && typeof query === 'object' && 'access_token' in query) {
    throw invalidRequest('send the access token in the Authorization header only, never in the URI (RFC 6750 §2.3)');
  }
  if (lines.length > 1) throw invalidRequest('send exactly one Authorization header');
  const header = lines[0];
  if (header === undefined || header.trim() === '') {
    // RFC 6750 §3.1: a request without credentials gets a challenge without an error code.
    throw new ProblemError(401, 'unauthorized', {
      detail: 'an access token is required (Authorization: Bearer <token>)',
      headers: { 'www-authenticate': bearerChallenge() },
    });
  }
  const match = BEARER.exec(header);
  if (match) return match[1]!;
  const scheme = SCHEME.exec(header)?.[1];
  if (scheme === undefined || scheme.toLowerCase() === 'bearer') {
    throw invalidRequest('expected "Authorization: Bearer <token>" with one token (RFC 6750 §2.1)');
  }
  // Another scheme (Basic…): unsupported, so no error code either (RFC 6750 §3.1).
  throw new ProblemError(401, 'unauthorized', {
    detail: 'only the Bearer scheme is accepted here: send "Authorization: Bearer <token>"',
    headers: { 'www-authenticate': bearerChallenge() },
  });
}

function headerValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** RFC 6750 §3.1 `invalid_request`: 400 with a Bearer challenge naming the error. */
function invalidRequest(description: string): ProblemError {
  return new ProblemError(400, 'invalid-request', {
    detail: description,
    headers: { 'www-authenticate': bearerChallenge({ error: 'invalid_request', error_description: description }) },
  });
}
