import { type DynamicModule, Inject, type INestApplication, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { CustomStrategy } from '@nestjs/microservices';
import { z } from 'zod';
import type { CommonConfig, ServiceContext } from '#libs/platform';
import { PAYLOAD_FORMATS, type PayloadFormat, type ReadGroup } from '#libs/contracts';
import { KafkaConnection, type KafkaConsumerSettings } from './connection';

/**
 * JEEVES_PAYLOAD_FORMAT, for the config shape of every app that publishes envelopes: how it encodes
 * them (`json`, the default; `msgpack`; `protobuf`), named in each record's `content-type` header.
 * Consumers read all three whatever their own setting (ADR 0090).
 */
export const payloadFormatConfigShape = {
  JEEVES_PAYLOAD_FORMAT: z.enum(PAYLOAD_FORMATS).default('json'),
};

/** What KafkaModule.forRoot takes beyond the common config. */
export interface KafkaModuleOptions {
  /** How this app encodes the envelopes it publishes (its JEEVES_PAYLOAD_FORMAT); default `json`. */
  payloadFormat?: PayloadFormat;
}

/**
 * Provides the app's KafkaConnection, connected (topics ensured, producer up) before the app
 * listens, and closed on shutdown. Readiness waits for the producer and, in a consuming app, for
 * its consumer to have joined its group.
 */
@Module({})
export class KafkaModule implements OnApplicationShutdown {
  constructor(@Inject(KafkaConnection) private readonly connection: KafkaConnection) {}

  static forRoot(context: ServiceContext<CommonConfig>, options: KafkaModuleOptions = {}): DynamicModule {
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
              payloadFormat: options.payloadFormat,
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
