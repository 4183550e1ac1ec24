import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { finalize, type Observable, throwError } from 'rxjs';
import { principalOf } from '#libs/auth';
import { ProblemError } from '#libs/platform';
import { GatewayMetrics } from '../gateway-metrics';
import { ConcurrencyLimiter } from './concurrency-limiter';
import { rateLimitHeaders } from './rate-limit-headers';
import { TokenBucketLimiter } from './token-bucket';

/**
 * Per-client limits, after authentication (guards run before interceptors): a token bucket for the
 * rate and a counter for requests in flight. The RateLimit headers go on every answer, 429s included.
 */
@Injectable()
export class ClientLimitsInterceptor implements NestInterceptor {
  constructor(
    @Inject(TokenBucketLimiter) private readonly rate: TokenBucketLimiter,
    @Inject(ConcurrencyLimiter) private readonly concurrency: ConcurrencyLimiter,
    @Inject(GatewayMetrics) private readonly metrics: GatewayMetrics,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const { clientId } = principalOf(http.getRequest<FastifyRequest>());

    const decision = this.rate.take(clientId);
    void reply.headers(rateLimitHeaders(decision, this.rate.burst, this.rate.windowSeconds));
    if (!decision.allowed) {
      this.metrics.rateLimited.inc({ client: clientId });
      return throwError(
        () =>
          new ProblemError(429, 'rate-limited', {
            detail: `client ${clientId} is over its request rate`,
            retryAfterSeconds: decision.retryAfterSeconds,
          }),
      );
    }
    const release = this.concurrency.tryAcquire(clientId);
    if (!release) {
      this.metrics.concurrencyLimited.inc({ client: clientId });
      return throwError(
        () =>
          new ProblemError(429, 'too-many-concurrent-requests', {
            detail: `client ${clientId} already has ${this.concurrency.maxInFlight} requests in flight`,
            retryAfterSeconds: 1,
          }),
      );
    }
    return next.handle().pipe(finalize(release));
  }
}
