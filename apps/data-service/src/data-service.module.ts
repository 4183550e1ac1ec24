import {
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { authOptions } from '#libs/auth';
import { chaosFor, ChaosModule } from '#libs/chaos';
import { CONSUMER_GROUPS, consumerGroupName } from '#libs/contracts';
import { KafkaModule } from '#libs/kafka';
import type { CommonConfig, ServiceContext } from '#libs/platform';
import type { DataServiceConfig } from './data-service.config';
import { createDataMetrics } from './ingest/data-metrics';
import { EventIngestor } from './ingest/event-ingestor';
import { IngestController } from './ingest/ingest.controller';
import { MessageQueries } from './messages/message-queries';
import { MessagesController } from './messages/messages.controller';
import { ReadsController } from './messages/reads.controller';
import { FaultInjectingRepository } from './store/fault-injecting.repository';
import { TracedRepository } from './store/traced.repository';
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
  /** False serves the read API alone, with no Kafka and no chaos API (read-API tests). */
  ingest?: boolean;
}

@Module({})
export class DataServiceModule {
  static register(context: ServiceContext<DataServiceConfig>, options: DataServiceOptions = {}): DynamicModule {
    const { config } = context;
    const ingest = options.ingest ?? true;
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
        const traced = new TracedRepository(repository);
        return ingest ? new FaultInjectingRepository(traced, chaosFor(context).beforeDependency) : traced;
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
    if (ingest) {
      const ownGroup = consumerGroupName(CONSUMER_GROUPS.dataService, config.JEEVES_TOPIC_PREFIX);
      const metrics = createDataMetrics(context.registry);
      // Chaos reaches the app's own KafkaConnection (pause-consumer, produce-failure) and, through
      // FaultInjectingRepository, the store (`dependency:store`).
      imports.push(
        KafkaModule.forRoot(context as unknown as ServiceContext<CommonConfig>),
        ChaosModule.register(context, { kafka: true, auth: authOptions(context.config) }),
      );
      providers.push({
        provide: EventIngestor,
        useFactory: (repository: MessageRepository) => new EventIngestor(repository, metrics, context.logger, ownGroup),
        inject: [MESSAGE_REPOSITORY],
      });
    }
    // With Kafka, reads are also answered over request-reply (ReadsController, its own group: ADR 0042).
    const controllers = ingest ? [MessagesController, IngestController, ReadsController] : [MessagesController];
    return { module: DataServiceModule, imports, controllers, providers };
  }
}
