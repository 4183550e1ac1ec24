import { Counter } from 'prom-client';
import type { MetricsRegistry } from '#libs/observability';

export interface TokenMetrics {
  /** Labelled by configured client id only: ids come from config, so the label stays bounded. */
  issued: Counter<'client'>;
  /** Labelled by OAuth error or problem code (a fixed set). */
  rejected: Counter<'error'>;
}

const byRegistry = new WeakMap<MetricsRegistry, TokenMetrics>();

/** One set per registry: the HTTP hook and the token controller both record into it. */
export function tokenMetrics(registry: MetricsRegistry): TokenMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = {
      issued: new Counter({
        name: 'jeeves_tokens_issued_total',
        help: 'Access tokens issued, per OAuth client.',
        labelNames: ['client'],
        registers: [registry],
      }),
      rejected: new Counter({
        name: 'jeeves_token_requests_rejected_total',
        help: 'Token requests refused, per OAuth error or problem code.',
        labelNames: ['error'],
        registers: [registry],
      }),
    };
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
