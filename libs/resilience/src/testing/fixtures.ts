import { createLogger, createMetricsRegistry, type MetricsRegistry } from '#libs/observability';
import type { BreakerOptions } from '../breaker';

export const silentLogger = createLogger({ service: 'test', level: 'silent' });

export function freshRegistry(): MetricsRegistry {
  return createMetricsRegistry({ service: 'test', defaultMetrics: false });
}

/** The value of one series, or undefined when the series does not exist. */
export async function metricValue(
  registry: MetricsRegistry,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return undefined;
  const { values } = await metric.get();
  const found = values.find((v) => Object.entries(labels).every(([key, value]) => v.labels[key] === value));
  return found?.value;
}

/** Opens after 2 of ≥ 4 calls fail in a 1 s window; a trial call after 1 s. */
export const fastBreaker: BreakerOptions = {
  timeoutMs: 100,
  errorThresholdPercentage: 50,
  volumeThreshold: 4,
  resetTimeoutMs: 1000,
  rollingCountTimeoutMs: 1000,
  rollingCountBuckets: 10,
};

export class HttpLikeError extends Error {
  constructor(readonly status: number) {
    super(`status ${status}`);
  }
}
