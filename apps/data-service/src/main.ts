import { z } from 'zod';
import { env } from '#libs/config';
import { READ_GROUPS } from '#libs/contracts';
import { kafkaConsumer, kafkaResponder } from '#libs/kafka';
import { runService, type ServiceConfig, type ServiceDefinition } from '#libs/platform';
import { DataServiceModule } from './data-service.module';
import { DATA_SERVICE_CONSUMER } from './ingest/ingest.controller';

const configShape = {
  /** Where the embedded SQLite store keeps jeeves.db. */
  DATA_DIR: env.string('./.lab/data'),
  /**
   * postgres://… selects PostgreSQL; empty or unset selects SQLite. Checked by the store at boot, not
   * here, so that a bad value is never echoed (it may hold a password).
   */
  DATABASE_URL: z.string().default(''),
  DATA_SQLITE_BUSY_TIMEOUT_MS: env.int(5000, 0, 60_000),
  DATA_PG_POOL_SIZE: env.int(10, 1, 100),
  DATA_PG_STATEMENT_TIMEOUT_MS: env.int(5000, 100, 60_000),
};

export type DataServiceConfig = ServiceConfig<typeof configShape>;

export const dataService: ServiceDefinition<typeof configShape> = {
  name: 'data-service',
  defaultPort: 3002,
  configShape,
  module: (context) => DataServiceModule.register(context),
  // A hybrid app: HTTP for reads, health, metrics and chaos; events arrive through Nest's Kafka
  // transport, and reads over Kafka request-reply on a second consumer of their own (ADR 0042).
  connectMicroservices: (app) => [
    app.connectMicroservice(kafkaConsumer(app, DATA_SERVICE_CONSUMER)),
    app.connectMicroservice(kafkaResponder(app, READ_GROUPS.responders)),
  ],
};

if (require.main === module) void runService(dataService);
