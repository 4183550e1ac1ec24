import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { requestFacts } from '#libs/observability';
import { OAuthError } from './oauth-error';

/** Token endpoint refusals in RFC 6749 §5.2 shape; everything else falls through to problem+json. */
@Catch(OAuthError)
export class OAuthErrorFilter implements ExceptionFilter {
  catch(error: OAuthError, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    // Read by the request log line and the rejection counter.
    requestFacts(reply.request.raw).problem = error.code;
    (reply as FastifyReply & { jeevesProblem?: string }).jeevesProblem = error.code;
    void reply
      .status(error.status)
      .headers({
        ...error.headers(),
        'cache-control': 'no-store',
        pragma: 'no-cache',
        'content-type': 'application/json; charset=utf-8',
      })
      .send(error.body());
  }
}
