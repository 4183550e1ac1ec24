import type { FastifyInstance } from 'fastify';
import { Counter } from 'prom-client';
import type { MetricsRegistry } from '#libs/observability';
import { FAILURE_LIMITS } from './throttling/failed-attempt-limiter';

export interface TokenMetrics {
  /** Labelled by configured client id only: ids come from config, so the label stays bounded. */
  issued: Counter<'client'>;
  /** Labelled by OAuth error or problem code (a fixed set). */
  rejected: Counter<'error'>;
  /** Labelled by the failed-attempt budget that refused the request (four values). */
  throttled: Counter<'limit'>;
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
      throttled: new Counter({
        name: 'jeeves_token_requests_throttled_total',
        help: 'Token requests refused (429) before their secret was checked because a failed-attempt budget was empty: per (client id, source), per source, per client id from untrusted sources, or all untrusted attempts.',
        labelNames: ['limit'],
        registers: [registry],
      }),
    };
    // Refusals are rare: every limit starts at zero so a dashboard shows 0, not "no data".
    for (const limit of FAILURE_LIMITS) metrics.throttled.inc({ limit }, 0);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}

/**
 * Counts every refusal of the token route, the platform's (413, 415, bad JSON) as well as OAuth's,
 * in `jeeves_token_requests_rejected_total`. 5xx answers are failures, not refusals: the HTTP
 * metrics count those.
 */
export function countTokenRejections(instance: FastifyInstance, registry: MetricsRegistry): void {
  const { rejected } = tokenMetrics(registry);
  instance.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode < 400 || reply.statusCode >= 500 || request.routeOptions.url !== '/oauth/token') return;
    rejected.inc({ error: (reply as { jeevesProblem?: string }).jeevesProblem ?? `http-${reply.statusCode}` });
  });
}
