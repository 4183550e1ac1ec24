import { Body, Controller, Header, HttpCode, Inject, Post, Req, UseFilters } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { MetricsRegistry } from '#libs/observability';
import { headerLines, METRICS_REGISTRY } from '#libs/platform';
import { tokenMetrics } from '../metrics';
import { OAuthError } from './oauth-error';
import { OAuthErrorFilter } from './oauth-error.filter';
import { TokenEndpoint } from './token-endpoint';
import type { TokenResponse } from './token-issuer';

@Controller('oauth')
@UseFilters(OAuthErrorFilter)
export class TokenController {
  constructor(
    @Inject(TokenEndpoint) private readonly endpoint: TokenEndpoint,
    @Inject(METRICS_REGISTRY) private readonly registry: MetricsRegistry,
  ) {}

  /** RFC 6749 §4.4.2; the body is a form or JSON, both parsed by the platform (strict UTF-8). */
  @Post('token')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @Header('pragma', 'no-cache')
  async token(@Body() body: unknown, @Req() request: FastifyRequest): Promise<TokenResponse> {
    // Every Authorization line, not Node's first one: two would make the answer depend on their order.
    const authorization = headerLines(request.raw, 'authorization');
    if (authorization.length > 1) {
      throw new OAuthError('invalid_request', 'send at most one Authorization header (RFC 6749 §3.2)', true);
    }
    // The connection's peer: the dealer sits behind no proxy in the lab (Fastify's trustProxy is off).
    const { clientId, ...response } = await this.endpoint.handle(body, authorization[0], request.ip);
    tokenMetrics(this.registry).issued.inc({ client: clientId });
    return response;
  }
}
