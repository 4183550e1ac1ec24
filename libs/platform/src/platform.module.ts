import { type DynamicModule, Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import type { ServiceContext } from './service-context';
import { LOGGER, METRICS_REGISTRY, READINESS, SERVICE_CONTEXT } from './tokens';

/**
 * What every service has: logger, metrics registry, readiness, health and /metrics. Global so that
 * feature modules can inject these four tokens; it holds nothing else.
 */
@Module({})
export class PlatformModule {
  static forRoot(context: ServiceContext): DynamicModule {
    return {
      module: PlatformModule,
      global: true,
      controllers: [HealthController],
      providers: [
        { provide: SERVICE_CONTEXT, useValue: context },
        { provide: LOGGER, useValue: context.logger },
        { provide: METRICS_REGISTRY, useValue: context.registry },
        { provide: READINESS, useValue: context.readiness },
      ],
      exports: [SERVICE_CONTEXT, LOGGER, METRICS_REGISTRY, READINESS],
    };
  }
}
