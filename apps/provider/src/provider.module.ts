import { type DynamicModule, Module } from '@nestjs/common';
import type { ServiceContext } from '#libs/platform';
import type { ProviderConfig } from './main';
import { ProviderController } from './provider.controller';
import { SimulatedLatency } from './simulated-latency';

@Module({})
export class ProviderModule {
  static register(context: ServiceContext<ProviderConfig>): DynamicModule {
    return {
      module: ProviderModule,
      controllers: [ProviderController],
      providers: [
        { provide: SimulatedLatency, useValue: new SimulatedLatency(context.config.PROVIDER_BASE_LATENCY_MS, context.config.PROVIDER_JITTER_MS) },
      ],
    };
  }
}
