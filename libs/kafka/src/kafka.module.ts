import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { CommonConfig, ServiceContext } from '#libs/platform';
import { KafkaConnection } from './connection';

/**
 * Provides the app's KafkaConnection, connected (topics ensured, producer up) before the app
 * listens, and closed on shutdown. Readiness waits for the producer and every consumer.
 */
@Module({})
export class KafkaModule implements OnApplicationShutdown {
  constructor(@Inject(KafkaConnection) private readonly connection: KafkaConnection) {}

  static forRoot(context: ServiceContext<CommonConfig>): DynamicModule {
    return {
      module: KafkaModule,
      providers: [
        {
          provide: KafkaConnection,
          useFactory: async () => {
            const connection = new KafkaConnection({
              brokers: context.config.KAFKA_BROKERS,
              clientId: context.instanceId,
              topicPrefix: context.config.JEEVES_TOPIC_PREFIX,
              logger: context.logger,
              registry: context.registry,
            });
            context.readiness.register('kafka-producer', () => connection.producerReady());
            context.readiness.register('kafka-consumers', () => connection.consumersReady());
            await connection.ensureTopics();
            await connection.connectProducer();
            return connection;
          },
        },
      ],
      exports: [KafkaConnection],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}
