import { type DynamicModule, Inject, type INestApplication, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { CustomStrategy } from '@nestjs/microservices';
import type { CommonConfig, ServiceContext } from '#libs/platform';
import type { ReadGroup } from '#libs/contracts';
import { KafkaConnection, type KafkaConsumerSettings } from './connection';

/**
 * Provides the app's KafkaConnection, connected (topics ensured, producer up) before the app
 * listens, and closed on shutdown. Readiness waits for the producer and, in a consuming app, for
 * its consumer to have joined its group.
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
              transport: context.config.KAFKA_TRANSPORT,
              acks: context.config.KAFKA_PRODUCER_ACKS,
              fetch: {
                minBytes: context.config.KAFKA_FETCH_MIN_BYTES,
                maxWaitMs: context.config.KAFKA_FETCH_MAX_WAIT_MS,
              },
              logger: context.logger,
              registry: context.registry,
            });
            context.readiness.register('kafka-producer', () => connection.producerReady());
            context.readiness.register('kafka-consumer-joined-group', () => connection.consumersReady());
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

/**
 * The options for `app.connectMicroservice(...)` that run a consuming app's `@EventPattern`
 * handlers on the app's Kafka connection, with the transport KAFKA_TRANSPORT names.
 */
export function kafkaConsumer(app: INestApplication, settings: KafkaConsumerSettings): CustomStrategy {
  return { strategy: app.get(KafkaConnection, { strict: false }).createServer(settings) };
}

/**
 * The options for `app.connectMicroservice(...)` that answer an app's request-reply handlers
 * (`@MessagePattern(topic, REQUEST_REPLY_TRANSPORT)`) on its own consumer group (ADR 0042).
 */
export function kafkaResponder(app: INestApplication, group: ReadGroup): CustomStrategy {
  return { strategy: app.get(KafkaConnection, { strict: false }).createResponder(group) };
}
