import { Counter, Histogram } from 'prom-client';
import { END_TO_END_BUCKETS_SECONDS, type MetricsRegistry } from '#libs/observability';

export interface DataMetrics {
  completed: Counter<'intent' | 'status' | 'degraded'>;
  endToEnd: Histogram<'intent' | 'status'>;
  duplicates: Counter<'type'>;
  deadLetters: Counter<'source_topic' | 'effect'>;
}

/** data-service's own metrics, in the injected registry. */
export function createDataMetrics(registry: MetricsRegistry): DataMetrics {
  const registers = [registry];
  return {
    completed: new Counter({
      name: 'jeeves_messages_completed_total',
      help: 'Messages that reached replied or failed, counted once each, by intent, final status and whether the answer was degraded.',
      labelNames: ['intent', 'status', 'degraded'],
      registers,
    }),
    endToEnd: new Histogram({
      name: 'jeeves_message_end_to_end_seconds',
      help: 'From acceptance at the gateway to the final status being stored, once per message.',
      labelNames: ['intent', 'status'],
      buckets: END_TO_END_BUCKETS_SECONDS,
      enableExemplars: true,
      registers,
    }),
    duplicates: new Counter({
      name: 'jeeves_data_duplicate_events_total',
      help: 'Redelivered events (an envelope id already applied) suppressed by the store, by event type.',
      labelNames: ['type'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'jeeves_data_dead_letters_observed_total',
      help: 'Dead letters read from the DLQ, by source topic and what the store did with them.',
      labelNames: ['source_topic', 'effect'],
      registers,
    }),
  };
}
