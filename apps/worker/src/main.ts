import { env } from '#libs/config';
import { runService, type ServiceConfig, type ServiceDefinition } from '#libs/platform';
import { WorkerModule } from './worker.module';

const configShape = {
  PROVIDER_URL: env.url('http://127.0.0.1:3003'),
  /** Longest one provider call may take (body included) before it is aborted. */
  PROVIDER_TIMEOUT_MS: env.int(2000, 1, 60_000),
  /** Partitions of jeeves.actions.v1 handled at once by this instance (6 partitions in all). */
  WORKER_CONCURRENCY: env.int(3, 1, 64),
};

export type WorkerConfig = ServiceConfig<typeof configShape>;

export const workerService: ServiceDefinition<typeof configShape> = {
  name: 'worker',
  defaultPort: 3005,
  configShape,
  module: (context) => WorkerModule.register(context),
};

if (require.main === module) void runService(workerService);
