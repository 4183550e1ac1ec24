import { kafkaMetrics, requestReplyMetrics } from '#libs/kafka';
import { createHttpMetrics, createMetricsRegistry } from '#libs/observability';
import { resilienceMetrics } from '#libs/resilience';
import { METRICS } from './metric-catalogue';

/**
 * The catalogue the dashboards and rules are checked against must be what the libs really register:
 * a renamed metric or label in a lib fails here, not as an empty panel during a load run.
 */
describe('metric catalogue vs the libs', () => {
  const registry = createMetricsRegistry({ service: 'catalogue-check' });
  createHttpMetrics(registry);
  kafkaMetrics(registry);
  requestReplyMetrics(registry);
  resilienceMetrics(registry);

  const registered = new Map(
    registry.getMetricsAsArray().map((m) => {
      const metric = m as unknown as { name: string; type: string; labelNames?: string[] };
      return [metric.name, { type: metric.type, labels: [...(metric.labelNames ?? [])].sort() }];
    }),
  );

  /** Families the libs own; the business, end-to-end and chaos metrics live in apps and the chaos lib. */
  const libOwned = METRICS.filter((m) =>
    /^(http_server_|jeeves_kafka_|jeeves_breaker_|jeeves_retries_|jeeves_bulkhead_)/.test(m.name),
  );

  it.each(libOwned.map((m) => [m.name, m] as const))(
    '%s is registered with the catalogued type and labels',
    (name, spec) => {
      expect(registered.get(name)).toEqual({ type: spec.type, labels: [...spec.labels].sort() });
    },
  );

  it('includes the runtime metrics the dashboards read (prom-client defaults)', () => {
    const runtime = METRICS.filter((m) => m.source === 'runtime').map((m) => m.name);
    expect(runtime.filter((name) => !registered.has(name))).toEqual([]);
  });
});
