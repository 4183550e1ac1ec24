import { Histogram } from 'prom-client';
import type { MetricsRegistry } from '#libs/observability';
import type { ProviderCallOutcome, ProviderEndpoint } from './provider-client';

/** Provider call latency as the worker sees it (the provider's own HTTP metrics miss the network and timeouts). */
export function providerCallMetrics(
  registry: MetricsRegistry,
): (endpoint: ProviderEndpoint, outcome: ProviderCallOutcome, durationSeconds: number) => void {
  const duration = new Histogram({
    name: 'jeeves_provider_call_duration_seconds',
    help: 'Provider calls made by the worker, by endpoint and outcome (ok, rejected, timeout, unavailable).',
    labelNames: ['endpoint', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers: [registry],
  });
  return (endpoint, outcome, durationSeconds) => duration.observe({ endpoint, outcome }, durationSeconds);
}
