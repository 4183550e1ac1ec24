import { Controller, Get, Header, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type MetricsRegistry, renderMetrics } from '#libs/observability';
import { ProblemError } from './problem';
import { Readiness } from './readiness';
import { METRICS_REGISTRY, READINESS } from './tokens';

@Controller()
export class HealthController {
  constructor(
    @Inject(READINESS) private readonly readiness: Readiness,
    @Inject(METRICS_REGISTRY) private readonly registry: MetricsRegistry,
  ) {}

  @Get('health/live')
  @Header('cache-control', 'no-store')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @Header('cache-control', 'no-store')
  async ready(): Promise<{ status: 'ready'; checks: Record<string, boolean> }> {
    const { ready, checks } = await this.readiness.evaluate();
    if (!ready) {
      const failing = Object.keys(checks).filter((name) => !checks[name]);
      throw new ProblemError(503, 'not-ready', { detail: `not ready: ${failing.join(', ')}`, retryAfterSeconds: 1 });
    }
    return { status: 'ready', checks };
  }

  @Get('metrics')
  async metrics(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const rendered = await renderMetrics(this.registry, request.headers.accept);
    await reply.header('content-type', rendered.contentType).send(rendered.body);
  }
}
