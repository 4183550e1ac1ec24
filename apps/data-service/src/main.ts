import { READ_GROUPS, defaultPortOf } from '#libs/contracts';
import { kafkaConsumer, kafkaResponder } from '#libs/kafka';
import { runService, type ServiceDefinition } from '#libs/platform';
import { dataServiceConfigShape } from './data-service.config';
import { DataServiceModule } from './data-service.module';
import { DATA_SERVICE_CONSUMER } from './ingest/ingest.controller';

export const dataService: ServiceDefinition<typeof dataServiceConfigShape> = {
  name: 'data-service',
  defaultPort: defaultPortOf('data-service'),
  configShape: dataServiceConfigShape,
  module: (context) => DataServiceModule.register(context),
  // A hybrid app: HTTP for reads, health, metrics and chaos; events arrive through Nest's Kafka
  // transport, and reads over Kafka request-reply on a second consumer of their own (ADR 0042).
  connectMicroservices: (app) => [
    app.connectMicroservice(kafkaConsumer(app, DATA_SERVICE_CONSUMER)),
    app.connectMicroservice(kafkaResponder(app, READ_GROUPS.responders)),
  ],
};

if (require.main === module) void runService(dataService);
