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
import { ProblemError } from '#libs/platform';
import { bearerChallenge, invalidToken, type Principal, TokenVerifier } from './token-verifier';

const REQUIRED_SCOPES = Symbol('jeevesRequiredScopes');
const PRINCIPAL = Symbol('jeevesPrincipal');

interface WithPrincipal {
  headers: Record<string, string | string[] | undefined>;
  [PRINCIPAL]?: Principal;
}

/** RFC 6750 b64token: what may follow `Bearer `. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

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

/** Like `principalOf`, but undefined for an unauthenticated request. */
export function maybePrincipalOf(request: object): Principal | undefined {
  return (request as WithPrincipal)[PRINCIPAL];
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
    const principal = await this.verifier.verify(bearerToken(request.headers.authorization));
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

function bearerToken(header: string | string[] | undefined): string {
  if (header === undefined || header === '') {
    // RFC 6750 §3.1: a request without credentials gets a challenge without an error code.
    throw new ProblemError(401, 'unauthorized', {
      detail: 'an access token is required (Authorization: Bearer <token>)',
      headers: { 'www-authenticate': bearerChallenge() },
    });
  }
  const match = typeof header === 'string' ? BEARER.exec(header) : null;
  if (!match) throw invalidToken('expected "Authorization: Bearer <token>"');
  return match[1]!;
}
