import { env } from '#libs/config';
import { CONSUMER_GROUPS } from '#libs/contracts';
import { kafkaConsumer } from '#libs/kafka';
import { breakerEnvShape } from '#libs/resilience';
import { runService, type ServiceConfig, type ServiceDefinition } from '#libs/platform';
import { WorkerModule } from './worker.module';

const configShape = {
  PROVIDER_URL: env.url('http://127.0.0.1:3003'),
  /** Longest one provider call may take (body included) before it is aborted. */
  PROVIDER_TIMEOUT_MS: env.int(2000, 1, 60_000),
  /** Partitions of jeeves.actions.v1 handled at once by this instance (6 partitions in all). */
  WORKER_CONCURRENCY: env.int(3, 1, 64),
  /** The provider breaker (PROVIDER_BREAKER_*): its timeout is below PROVIDER_TIMEOUT_MS, so it aborts first. */
  ...breakerEnvShape('PROVIDER', {
    timeoutMs: 1500,
    errorThresholdPercentage: 50,
    volumeThreshold: 5,
    resetTimeoutMs: 5000,
  }),
  /** Provider calls in flight at once, and how many may wait for a slot (and for how long). */
  PROVIDER_BULKHEAD_MAX_CONCURRENT: env.int(8, 1, 1000),
  PROVIDER_BULKHEAD_MAX_QUEUE: env.int(16, 0, 10_000),
  PROVIDER_BULKHEAD_QUEUE_TIMEOUT_MS: env.int(1000, 1, 60_000),
  /** Attempts per provider GET (idempotent), the first included; retries stay within a 20% budget. */
  PROVIDER_RETRY_ATTEMPTS: env.int(2, 1, 5),
};

export type WorkerConfig = ServiceConfig<typeof configShape>;

export const workerService: ServiceDefinition<typeof configShape> = {
  name: 'worker',
  defaultPort: 3005,
  configShape,
  module: (context) => WorkerModule.register(context),
  // A hybrid app: HTTP for health, metrics and chaos; its work arrives through Nest's Kafka transport.
  connectMicroservices: (app, context) =>
    app.connectMicroservice(
      kafkaConsumer(app, { group: CONSUMER_GROUPS.worker, concurrency: context.config.WORKER_CONCURRENCY }),
    ),
};

if (require.main === module) void runService(workerService);
