import { type BeforeApplicationShutdown, Controller, Inject, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, type KafkaContext, Payload } from '@nestjs/microservices';
import { CONSUMER_GROUPS, EVENT_TYPES, TOPICS } from '#libs/contracts';
import {
  type ConsumedMessage,
  EventHandlers,
  KafkaConnection,
  type KafkaConsumerSettings,
  rawConsumedMessage,
  type RetryPolicy,
} from '#libs/kafka';
import type { Logger, MetricsRegistry } from '#libs/observability';
import { LOGGER, METRICS_REGISTRY, RpcErrorPassthroughFilter } from '#libs/platform';
import { resilienceMetrics } from '#libs/resilience';
import { EventIngestor } from './event-ingestor';
import { type StoreRetryOptions, whileStoreFails } from './store-retry';

/** Between two store attempts: 100 ms doubling to 2 s, full jitter. */
const STORE_BACKOFF = { baseDelayMs: 100, maxDelayMs: 2000 };
/**
 * A pipeline event waits through about half a minute of store failures in place (about 1 s a
 * retry, on average, once backed off); past that the transport's own retries and dead-lettering
 * take over, and our own dead letters come back to be applied again (see EventIngestor).
 */
const EVENT_STORE_ATTEMPTS = 30;
/** The transport's retries after ours: few, since ours already waited. */
const TRANSPORT_RETRY: RetryPolicy = { attempts: 2, baseDelayMs: 500, maxDelayMs: 1000 };

/** How data-service consumes: every pipeline topic and, undecoded, the DLQ. */
export const DATA_SERVICE_CONSUMER: KafkaConsumerSettings = {
  group: CONSUMER_GROUPS.dataService,
  rawTopics: [TOPICS.dlq],
  retry: TRANSPORT_RETRY,
  // The store dedupes by envelope id durably; an in-memory window would only hide duplicates
  // from jeeves_data_duplicate_events_total and the ledger.
  dedupeWindow: 0,
};

/** The handlers that feed every pipeline topic, and the DLQ, into the store. */
@Controller()
@UseFilters(new RpcErrorPassthroughFilter())
export class IngestController implements BeforeApplicationShutdown {
  private readonly stopping = new AbortController();
  private readonly retries;
  private readonly events = new EventHandlers({
    [EVENT_TYPES.messageAccepted]: (message) => this.ingest(message),
    [EVENT_TYPES.actionRequested]: (message) => this.ingest(message),
    [EVENT_TYPES.replyProduced]: (message) => this.ingest(message),
  });

  constructor(
    @Inject(EventIngestor) private readonly ingestor: EventIngestor,
    @Inject(KafkaConnection) private readonly connection: KafkaConnection,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) registry: MetricsRegistry,
  ) {
    this.retries = resilienceMetrics(registry).retries;
  }

  @EventPattern(TOPICS.messages)
  onMessage(@Payload() payload: unknown, @Ctx() ctx: KafkaContext): Promise<void> {
    return this.events.handle(payload, ctx);
  }

  @EventPattern(TOPICS.actions)
  onAction(@Payload() payload: unknown, @Ctx() ctx: KafkaContext): Promise<void> {
    return this.events.handle(payload, ctx);
  }

  @EventPattern(TOPICS.replies)
  onReply(@Payload() payload: unknown, @Ctx() ctx: KafkaContext): Promise<void> {
    return this.events.handle(payload, ctx);
  }

  /** A dead letter has nowhere else to go: it waits for the store as long as it takes. */
  @EventPattern(TOPICS.dlq)
  async onDeadLetter(@Ctx() ctx: KafkaContext): Promise<void> {
    const message = rawConsumedMessage(ctx);
    await whileStoreFails(
      () => this.ingestor.ingestDeadLetter(message),
      this.storeRetry(message.heartbeat, Number.POSITIVE_INFINITY),
    );
  }

  /** Stop taking messages before the store closes (onApplicationShutdown), so none is half-handled. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort(new Error('data-service is shutting down'));
    await this.connection.stopConsumers();
  }

  private async ingest(message: ConsumedMessage): Promise<void> {
    await whileStoreFails(
      () => this.ingestor.ingest(message.envelope, message.headers),
      this.storeRetry(message.heartbeat, EVENT_STORE_ATTEMPTS),
    );
  }

  private storeRetry(heartbeat: () => Promise<void>, attempts: number): StoreRetryOptions {
    return {
      ...STORE_BACKOFF,
      attempts,
      signal: this.stopping.signal,
      heartbeat,
      onRetry: (error, attempt) => {
        this.retries.inc({ dependency: 'store' });
        // One line per outage and then every tenth attempt, not one per message per attempt.
        if (attempt === 1 || attempt % 10 === 0)
          this.logger.warn({ err: error, attempt }, 'store write failed; retrying');
      },
    };
  }
}
