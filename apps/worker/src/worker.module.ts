import { type DynamicModule, Module } from '@nestjs/common';
import { ChaosModule } from '#libs/chaos';
import { KafkaConnection, KafkaModule } from '#libs/kafka';
import type { ServiceContext } from '#libs/platform';
import { ActionHandler } from './actions/action-handler';
import { ActionRunner } from './actions/action-runner';
import { ActionConsumer } from './actions/action.consumer';
import type { WorkerConfig } from './main';
import { ProviderClient } from './provider/provider-client';
import { providerCallMetrics } from './provider/provider-metrics';

@Module({})
export class WorkerModule {
  static register(context: ServiceContext<WorkerConfig>): DynamicModule {
    const { PROVIDER_URL, PROVIDER_TIMEOUT_MS } = context.config;
    return {
      module: WorkerModule,
      // Chaos reaches the app's own KafkaConnection for pause-consumer and produce-failure faults.
      imports: [KafkaModule.forRoot(context), ChaosModule.register(context, { kafka: true })],
      providers: [
        {
          provide: ProviderClient,
          useValue: new ProviderClient({
            baseUrl: PROVIDER_URL,
            timeoutMs: PROVIDER_TIMEOUT_MS,
            onCall: providerCallMetrics(context.registry),
          }),
        },
        {
          provide: ActionRunner,
          inject: [ProviderClient],
          useFactory: (provider: ProviderClient) => new ActionRunner(provider),
        },
        {
          provide: ActionHandler,
          inject: [ActionRunner, KafkaConnection],
          useFactory: (runner: ActionRunner, connection: KafkaConnection) =>
            new ActionHandler(runner, connection.publisher),
        },
        ActionConsumer,
      ],
    };
  }
}
