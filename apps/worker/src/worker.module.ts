import { type DynamicModule, Module } from '@nestjs/common';
import { authOptions } from '#libs/auth';
import { chaosFor, ChaosModule } from '#libs/chaos';
import { KafkaConnection, KafkaModule } from '#libs/kafka';
import type { ServiceContext } from '#libs/platform';
import { breakerOptionsFromConfig, RetryBudget } from '#libs/resilience';
import { ActionHandler } from './actions/action-handler';
import { ACTION_RUNNER, type ActionRunner, ProviderActionRunner } from './actions/action-runner';
import { ActionController } from './actions/action.controller';
import { GuardedActionRunner } from './provider/guarded-action-runner';
import { ProviderClient } from './provider/provider-client';
import { providerCallMetrics } from './provider/provider-metrics';
import type { WorkerConfig } from './worker.config';

@Module({})
export class WorkerModule {
  static register(context: ServiceContext<WorkerConfig>): DynamicModule {
    const { PROVIDER_URL, PROVIDER_TIMEOUT_MS } = context.config;
    return {
      module: WorkerModule,
      // Chaos reaches the app's own KafkaConnection for pause-consumer and produce-failure faults.
      imports: [
        KafkaModule.forRoot(context, { payloadFormat: context.config.JEEVES_PAYLOAD_FORMAT }),
        ChaosModule.register(context, { kafka: true, auth: authOptions(context.config) }),
      ],
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
          // The provider behind its breaker, bulkhead and budgeted retries, with degraded fallbacks:
          // one runner for the app's life, wrapping the plain one.
          provide: ACTION_RUNNER,
          inject: [ProviderClient],
          useFactory: (provider: ProviderClient): ActionRunner =>
            new GuardedActionRunner(new ProviderActionRunner(provider), {
              breaker: breakerOptionsFromConfig(context.config, 'PROVIDER'),
              bulkhead: {
                maxConcurrent: context.config.PROVIDER_BULKHEAD_MAX_CONCURRENT,
                maxQueue: context.config.PROVIDER_BULKHEAD_MAX_QUEUE,
                queueTimeoutMs: context.config.PROVIDER_BULKHEAD_QUEUE_TIMEOUT_MS,
              },
              retry: {
                attempts: context.config.PROVIDER_RETRY_ATTEMPTS,
                baseDelayMs: 50,
                maxDelayMs: 500,
                idempotent: true,
                budget: new RetryBudget({ ratio: 0.2, minRetriesPerSecond: 2 }),
              },
              registry: context.registry,
              logger: context.logger,
              beforeCall: chaosFor(context).beforeDependency,
            }),
        },
        {
          provide: ActionHandler,
          inject: [ACTION_RUNNER, KafkaConnection],
          useFactory: (runner: ActionRunner, connection: KafkaConnection) =>
            new ActionHandler(runner, connection.publisher),
        },
      ],
      controllers: [ActionController],
    };
  }
}
