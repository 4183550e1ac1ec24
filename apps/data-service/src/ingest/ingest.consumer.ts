import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { PAYLOAD_SCHEMAS, TOPICS } from '#libs/contracts';
import { EventConsumer, KafkaConnection, type RetryPolicy } from '#libs/kafka';
import type { Logger } from '#libs/observability';
import { LOGGER, METRICS_REGISTRY } from '#libs/platform';
import type { MetricsRegistry } from '#libs/observability';
import { resilienceMetrics } from '#libs/resilience';
import { EventIngestor } from './event-ingestor';
import { type StoreRetryOptions, whileStoreFails } from './store-retry';

export const DATA_SERVICE_GROUP = 'jeeves-data-service';

/** Between two store attempts: 100 ms doubling to 2 s, full jitter. */
const STORE_BACKOFF = { baseDelayMs: 100, maxDelayMs: 2000 };
/**
 * A pipeline event waits through about half a minute of store failures in place (about 1 s a
 * retry, on average, once backed off); past that the adapter's own retries and dead-lettering take
 * over, and our own dead letters come back to be applied again (see EventIngestor).
 */
const EVENT_STORE_ATTEMPTS = 30;
/** The adapter's retries after ours: few, since ours already waited. */
const ADAPTER_RETRY: RetryPolicy = { attempts: 2, baseDelayMs: 500, maxDelayMs: 1000 };

/** The consumer group member that feeds every pipeline topic, and the DLQ, into the store. */
@Injectable()
export class IngestConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: EventConsumer | undefined;
  private readonly stopping = new AbortController();

  constructor(
    @Inject(KafkaConnection) private readonly connection: KafkaConnection,
    @Inject(EventIngestor) private readonly ingestor: EventIngestor,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) private readonly registry: MetricsRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const retries = resilienceMetrics(this.registry).retries;
    const storeRetry = (heartbeat: () => Promise<void>, attempts: number): StoreRetryOptions => ({
      ...STORE_BACKOFF,
      attempts,
      signal: this.stopping.signal,
      heartbeat,
      onRetry: (error, attempt) => {
        retries.inc({ dependency: 'store' });
        // One line per outage and then every tenth attempt, not one per message per attempt.
        if (attempt === 1 || attempt % 10 === 0)
          this.logger.warn({ err: error, attempt }, 'store write failed; retrying');
      },
    });
    this.consumer = await this.connection.startConsumer({
      groupId: DATA_SERVICE_GROUP,
      topics: [TOPICS.messages, TOPICS.actions, TOPICS.replies, TOPICS.dlq],
      schemas: PAYLOAD_SCHEMAS,
      handler: async (message) => {
        await whileStoreFails(
          () => this.ingestor.ingest(message.envelope, message.headers),
          storeRetry(message.heartbeat, EVENT_STORE_ATTEMPTS),
        );
      },
      raw: {
        topics: [TOPICS.dlq],
        // A dead letter has nowhere else to go: it waits for the store as long as it takes.
        handler: async (message) => {
          await whileStoreFails(
            () => this.ingestor.ingestDeadLetter(message),
            storeRetry(message.heartbeat, Number.POSITIVE_INFINITY),
          );
        },
      },
      retry: ADAPTER_RETRY,
      // The store dedupes by envelope id durably; an in-memory window would only hide duplicates
      // from jeeves_data_duplicate_events_total and the ledger.
      dedupeWindow: 0,
    });
  }

  /** Stop taking messages before the store closes (onApplicationShutdown), so none is half-handled. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort(new Error('data-service is shutting down'));
    await this.consumer?.stop();
  }
}
