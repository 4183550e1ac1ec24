import { Counter, Gauge } from 'prom-client';
import type { MetricsRegistry } from '#libs/observability';

export type BreakerState = 'closed' | 'open' | 'half_open';
export const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half_open'];
export type CallOutcome = 'success' | 'failure' | 'timeout' | 'rejected' | 'fallback';

export interface ResilienceMetrics {
  breakerState: Gauge<'dependency' | 'state'>;
  breakerCalls: Counter<'dependency' | 'outcome'>;
  breakerTransitions: Counter<'dependency' | 'to'>;
  retries: Counter<'dependency'>;
  bulkheadRejections: Counter<'dependency'>;
  bulkheadActive: Gauge<'dependency'>;
}

const cache = new WeakMap<MetricsRegistry, ResilienceMetrics>();

/**
 * The agreed resilience metrics, created once per registry: every breaker and bulkhead of a process
 * writes to the same series, told apart by `dependency`. Exported from opossum's events ourselves
 * rather than with opossum-prometheus, which brings summaries and its own registry.
 */
export function resilienceMetrics(registry: MetricsRegistry): ResilienceMetrics {
  const existing = cache.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: ResilienceMetrics = {
    breakerState: new Gauge({
      name: 'jeeves_breaker_state',
      help: 'Circuit breaker state per dependency: 1 for the current state (closed, open, half_open), 0 for the others.',
      labelNames: ['dependency', 'state'],
      registers,
    }),
    breakerCalls: new Counter({
      name: 'jeeves_breaker_calls_total',
      help: 'Calls through a circuit breaker by outcome: success, failure, timeout, rejected (breaker open), fallback (answer served by the fallback).',
      labelNames: ['dependency', 'outcome'],
      registers,
    }),
    breakerTransitions: new Counter({
      name: 'jeeves_breaker_transitions_total',
      help: 'Circuit breaker state changes, by the state entered.',
      labelNames: ['dependency', 'to'],
      registers,
    }),
    retries: new Counter({
      name: 'jeeves_retries_total',
      help: 'Retries of idempotent dependency calls (first attempts not counted).',
      labelNames: ['dependency'],
      registers,
    }),
    bulkheadRejections: new Counter({
      name: 'jeeves_bulkhead_rejections_total',
      help: 'Calls refused because the dependency bulkhead was full or the queue wait timed out.',
      labelNames: ['dependency'],
      registers,
    }),
    bulkheadActive: new Gauge({
      name: 'jeeves_bulkhead_active',
      help: 'Calls in progress inside the dependency bulkhead.',
      labelNames: ['dependency'],
      registers,
    }),
  };
  cache.set(registry, metrics);
  return metrics;
}
