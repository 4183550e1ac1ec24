import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { EventConsumer, KafkaConnection, type RetryPolicy } from '#libs/kafka';
import { PAYLOAD_SCHEMAS, TOPICS } from '#libs/contracts';
import { EventIngestor } from './event-ingestor';

export const DATA_SERVICE_GROUP = 'jeeves-data-service';

/**
 * Store writes fail only when the store does (locked, down): give it longer than the default
 * before a message is dead-lettered. Our own dead letters are applied again when they come back.
 */
const STORE_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 200, maxDelayMs: 3000 };

/** The consumer group member that feeds every pipeline topic, and the DLQ, into the store. */
@Injectable()
export class IngestConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: EventConsumer | undefined;

  constructor(
    @Inject(KafkaConnection) private readonly connection: KafkaConnection,
    @Inject(EventIngestor) private readonly ingestor: EventIngestor,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await this.connection.startConsumer({
      groupId: DATA_SERVICE_GROUP,
      topics: [TOPICS.messages, TOPICS.actions, TOPICS.replies, TOPICS.dlq],
      schemas: PAYLOAD_SCHEMAS,
      handler: async (message) => void (await this.ingestor.ingest(message.envelope, message.headers)),
      raw: { topics: [TOPICS.dlq], handler: async (message) => void (await this.ingestor.ingestDeadLetter(message)) },
      retry: STORE_RETRY,
      // The store dedupes by envelope id durably; an in-memory window would only hide duplicates
      // from jeeves_data_duplicate_events_total and the ledger.
      dedupeWindow: 0,
    });
  }

  /** Stop taking messages before the store closes (onApplicationShutdown), so none is half-handled. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
