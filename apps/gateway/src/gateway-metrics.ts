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

  constructor(registry: MetricsRegistry) {
    this.accepted = new Counter({
      name: 'jeeves_messages_accepted_total',
      help: 'Messages accepted and published, per client (idempotent replays excluded).',
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
  }
}
