import { type DynamicModule, Module } from '@nestjs/common';
import { authOptions } from '#libs/auth';
import { ChaosModule } from '#libs/chaos';
import type { ServiceContext } from '#libs/platform';
import type { ProviderConfig } from './provider.config';
import { ProviderController } from './provider.controller';
import { SimulatedLatency } from './simulated-latency';

@Module({})
export class ProviderModule {
  static register(context: ServiceContext<ProviderConfig>): DynamicModule {
    return {
      module: ProviderModule,
      // The thing that breaks: error, latency and hang faults on /v1/weather and /v1/time.
      imports: [ChaosModule.register(context, { auth: authOptions(context.config) })],
      controllers: [ProviderController],
      providers: [
        {
          provide: SimulatedLatency,
          useValue: new SimulatedLatency(context.config.PROVIDER_BASE_LATENCY_MS, context.config.PROVIDER_JITTER_MS),
        },
      ],
    };
  }
}
