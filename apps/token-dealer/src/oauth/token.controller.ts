import { Body, Controller, Header, Headers, HttpCode, Inject, Post, UseFilters } from '@nestjs/common';
import type { MetricsRegistry } from '#libs/observability';
import { METRICS_REGISTRY } from '#libs/platform';
import { tokenMetrics } from '../metrics';
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

  /** RFC 6749 §4.4.2; the body is a form or JSON, both parsed by the Fastify adapter. */
  @Post('token')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @Header('pragma', 'no-cache')
  async token(
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
  ): Promise<TokenResponse> {
    const { clientId, ...response } = await this.endpoint.handle(body, authorization);
    tokenMetrics(this.registry).issued.inc({ client: clientId });
    return response;
  }
}
