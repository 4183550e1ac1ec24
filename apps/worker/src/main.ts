import { CONSUMER_GROUPS, defaultPortOf } from '#libs/contracts';
import { kafkaConsumer } from '#libs/kafka';
import { runService, type ServiceDefinition } from '#libs/platform';
import { workerConfigShape } from './worker.config';
import { WorkerModule } from './worker.module';

export const workerService: ServiceDefinition<typeof workerConfigShape> = {
  name: 'worker',
  defaultPort: defaultPortOf('worker'),
  configShape: workerConfigShape,
  module: (context) => WorkerModule.register(context),
  // A hybrid app: HTTP for health, metrics and chaos; its work arrives through Nest's Kafka transport.
  connectMicroservices: (app, context) =>
    app.connectMicroservice(
      kafkaConsumer(app, { group: CONSUMER_GROUPS.worker, concurrency: context.config.WORKER_CONCURRENCY }),
    ),
};

if (require.main === module) void runService(workerService);
