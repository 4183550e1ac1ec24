import { Counter, Gauge, Histogram } from 'prom-client';
import { HTTP_BUCKETS_SECONDS, type MetricsRegistry } from '#libs/observability';

/** How a request ended for its caller: a reply came, its deadline passed, or it failed before either. */
export type RequestOutcome = 'replied' | 'timeout' | 'error';

/** The caller's side of Kafka request-reply (ADR 0042). `topic` is the contract's request topic, unprefixed. */
export interface RequestReplyMetrics {
  duration: Histogram<'topic' | 'outcome'>;
  timeouts: Counter<'topic'>;
  lateReplies: Counter<'topic'>;
  strayReplies: Counter<'topic'>;
  inFlight: Gauge<'topic'>;
}

const cache = new WeakMap<MetricsRegistry, RequestReplyMetrics>();

/** Request-reply metrics, created once per registry. */
export function requestReplyMetrics(registry: MetricsRegistry): RequestReplyMetrics {
  const existing = cache.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: RequestReplyMetrics = {
    duration: new Histogram({
      name: 'jeeves_kafka_request_duration_seconds',
      help: 'Kafka request-reply calls, from send to the reply or to giving up, by request topic and outcome (replied, timeout, error).',
      labelNames: ['topic', 'outcome'],
      // A read: the HTTP buckets (1 ms … 10 s) cover every deadline the gateway allows.
      buckets: HTTP_BUCKETS_SECONDS,
      registers,
    }),
    timeouts: new Counter({
      name: 'jeeves_kafka_request_timeouts_total',
      help: 'Kafka request-reply calls given up at their deadline, by request topic.',
      labelNames: ['topic'],
      registers,
    }),
    lateReplies: new Counter({
      name: 'jeeves_kafka_late_replies_total',
      help: 'Replies that arrived after their caller had given up, by request topic.',
      labelNames: ['topic'],
      registers,
    }),
    strayReplies: new Counter({
      name: 'jeeves_kafka_stray_replies_total',
      help: 'Replies with a correlation id this instance never sent (another instance asked; its reply partition moved here), by request topic.',
      labelNames: ['topic'],
      registers,
    }),
    inFlight: new Gauge({
      name: 'jeeves_kafka_requests_in_flight',
      help: 'Kafka request-reply calls sent and not yet answered or given up, by request topic.',
      labelNames: ['topic'],
      registers,
    }),
  };
  cache.set(registry, metrics);
  return metrics;
}
