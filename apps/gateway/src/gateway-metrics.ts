import { Counter } from 'prom-client';
import type { MetricsRegistry } from '#libs/observability';

/**
 * The gateway's business metrics. `client` is an OAuth client id from a verified token: only the
 * token dealer's configured clients can appear, so the label stays bounded.
 */
export class GatewayMetrics {
  readonly accepted: Counter<'client'>;
  readonly rateLimited: Counter<'client'>;
  readonly concurrencyLimited: Counter<'client'>;
  readonly idempotentReplays: Counter<'client'>;
  readonly unconfirmed: Counter<'client'>;
  readonly publishedLate: Counter<'client'>;

  constructor(registry: MetricsRegistry) {
    this.accepted = new Counter({
      name: 'jeeves_messages_accepted_total',
      help: 'Messages accepted (202) and published, per client (idempotent replays excluded; see jeeves_messages_published_late_total for those answered 503 and published later).',
      labelNames: ['client'],
      registers: [registry],
    });
    this.rateLimited = new Counter({
      name: 'jeeves_rate_limited_requests_total',
      help: 'Requests refused by the per-client rate limit (429 rate-limited).',
      labelNames: ['client'],
      registers: [registry],
    });
    this.concurrencyLimited = new Counter({
      name: 'jeeves_concurrency_limited_requests_total',
      help: 'Requests refused by the per-client in-flight limit (429 too-many-concurrent-requests).',
      labelNames: ['client'],
      registers: [registry],
    });
    this.idempotentReplays = new Counter({
      name: 'jeeves_idempotent_replays_total',
      help: 'POSTs answered from an earlier request with the same Idempotency-Key.',
      labelNames: ['client'],
      registers: [registry],
    });
    this.unconfirmed = new Counter({
      name: 'jeeves_messages_unconfirmed_total',
      help: 'POSTs answered 503 publish-unconfirmed: Kafka did not confirm the message in time; it may still be published (its id was in the answer).',
      labelNames: ['client'],
      registers: [registry],
    });
    this.publishedLate = new Counter({
      name: 'jeeves_messages_published_late_total',
      help: 'Messages whose POST was answered 503 publish-unconfirmed and whose publish went through afterwards (each message once).',
      labelNames: ['client'],
      registers: [registry],
    });
  }
}
