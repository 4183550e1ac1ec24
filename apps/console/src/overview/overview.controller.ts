import { Controller, Get, Inject } from '@nestjs/common';
import { SERVICE_NAMES, type ServiceName } from '#libs/contracts';
import { LabServices } from '../upstream/lab-services';
import { parseSamples } from './metrics-text';

/** A breaker of a service and the state it is in (`closed`, `open`, `half_open`). */
export interface BreakerView {
  readonly dependency: string;
  readonly state: string;
}

/** Lag of one consumer group on one topic: the sum over its partitions. */
export interface LagView {
  readonly group: string;
  readonly topic: string;
  readonly lagMessages: number;
}

/** What the overview shows of one service. */
export interface ServiceView {
  readonly service: ServiceName;
  /** `ready`, `not-ready` (answers 503), `down` (no answer). */
  readonly readiness: 'ready' | 'not-ready' | 'down';
  readonly breakers: readonly BreakerView[];
  readonly lag: readonly LagView[];
}

const METRICS = new Set(['jeeves_breaker_state', 'jeeves_kafka_consumer_lag_messages']);

/**
 * The overview's data, read from every service's /health/ready and /metrics on each call (the page
 * polls every few seconds): no Prometheus round trip between a breaker opening and the page.
 */
@Controller('api/overview')
export class OverviewController {
  constructor(@Inject(LabServices) private readonly services: LabServices) {}

  @Get()
  async overview(): Promise<{ services: ServiceView[] }> {
    return { services: await Promise.all(SERVICE_NAMES.map((service) => this.serviceView(service))) };
  }

  private async serviceView(service: ServiceName): Promise<ServiceView> {
    const [ready, metrics] = await Promise.all([
      this.services.getText(service, '/health/ready'),
      this.services.getText(service, '/metrics'),
    ]);
    const readiness = ready === undefined ? 'down' : ready.status === 200 ? 'ready' : 'not-ready';
    const samples = metrics?.status === 200 ? parseSamples(metrics.text, METRICS) : [];
    const breakers = samples
      .filter((s) => s.name === 'jeeves_breaker_state' && s.value === 1)
      .map((s) => ({ dependency: s.labels.dependency ?? '', state: s.labels.state ?? '' }))
      .sort((a, b) => a.dependency.localeCompare(b.dependency));
    const lag = new Map<string, LagView>();
    for (const s of samples.filter((x) => x.name === 'jeeves_kafka_consumer_lag_messages')) {
      const key = `${s.labels.group}\u0000${s.labels.topic}`;
      const before = lag.get(key)?.lagMessages ?? 0;
      lag.set(key, { group: s.labels.group ?? '', topic: s.labels.topic ?? '', lagMessages: before + s.value });
    }
    return { service, readiness, breakers, lag: [...lag.values()] };
  }
}
