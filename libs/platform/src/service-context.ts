import type { Logger, MetricsRegistry } from '#libs/observability';
import type { Readiness } from './readiness';

export interface ServiceContext<C = unknown> {
  /** The app's name: gateway, bot, worker… */
  readonly name: string;
  /** Unique per process (`worker-2`); used as Kafka clientId suffix and metric label. */
  readonly instanceId: string;
  readonly config: C;
  readonly logger: Logger;
  readonly registry: MetricsRegistry;
  readonly readiness: Readiness;
}
