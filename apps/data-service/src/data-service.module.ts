import {
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { KafkaModule } from '#libs/kafka';
import type { CommonConfig, ServiceContext } from '#libs/platform';
import { createDataMetrics } from './ingest/data-metrics';
import { EventIngestor } from './ingest/event-ingestor';
import { DATA_SERVICE_GROUP, IngestConsumer } from './ingest/ingest.consumer';
import type { DataServiceConfig } from './main';
import { MessageQueries } from './messages/message-queries';
import { MessagesController } from './messages/messages.controller';
import { MESSAGE_REPOSITORY, type MessageRepository } from './store/message.repository';
import { openStore } from './store/open-store';

@Injectable()
class StoreCloser implements OnApplicationShutdown {
  constructor(@Inject(MESSAGE_REPOSITORY) private readonly repository: MessageRepository) {}

  async onApplicationShutdown(): Promise<void> {
    await this.repository.close();
  }
}

export interface DataServiceOptions {
  /** A store opened by the caller (tests); default: the one the environment names. */
  repository?: MessageRepository;
  /** False serves the read API alone, with no Kafka (read-API tests). */
  ingest?: boolean;
}

@Module({})
export class DataServiceModule {
  static register(context: ServiceContext<DataServiceConfig>, options: DataServiceOptions = {}): DynamicModule {
    const { config } = context;
    const storeProvider: Provider = {
      provide: MESSAGE_REPOSITORY,
      useFactory: async () => {
        const repository =
          options.repository ??
          (await openStore(
            {
              dataDir: config.DATA_DIR,
              databaseUrl: config.DATABASE_URL,
              sqliteBusyTimeoutMs: config.DATA_SQLITE_BUSY_TIMEOUT_MS,
              pgPoolSize: config.DATA_PG_POOL_SIZE,
              pgStatementTimeoutMs: config.DATA_PG_STATEMENT_TIMEOUT_MS,
            },
            context.logger,
          ));
        context.readiness.register('store', () => repository.ping());
        return repository;
      },
    };
    const providers: Provider[] = [
      storeProvider,
      StoreCloser,
      {
        provide: MessageQueries,
        useFactory: (repository: MessageRepository) => new MessageQueries(repository),
        inject: [MESSAGE_REPOSITORY],
      },
    ];
    const imports: DynamicModule[] = [];
    if (options.ingest ?? true) {
      const prefix = config.JEEVES_TOPIC_PREFIX;
      const ownGroup = prefix ? `${prefix}.${DATA_SERVICE_GROUP}` : DATA_SERVICE_GROUP;
      const metrics = createDataMetrics(context.registry);
      imports.push(KafkaModule.forRoot(context as unknown as ServiceContext<CommonConfig>));
      providers.push(
        {
          provide: EventIngestor,
          useFactory: (repository: MessageRepository) =>
            new EventIngestor(repository, metrics, context.logger, ownGroup),
          inject: [MESSAGE_REPOSITORY],
        },
        IngestConsumer,
      );
    }
    return { module: DataServiceModule, imports, controllers: [MessagesController], providers };
  }
}
