import { CONSUMER_GROUPS } from '#libs/contracts';
import { kafkaConsumer } from '#libs/kafka';
import { runService, type ServiceConfig, type ServiceDefinition } from '#libs/platform';
import { BotModule } from './bot.module';

// The bot needs only the common variables (Kafka, prefix, log level).
const configShape = {};

export type BotConfig = ServiceConfig<typeof configShape>;

export const botService: ServiceDefinition<typeof configShape> = {
  name: 'bot',
  defaultPort: 3004,
  configShape,
  module: (context) => BotModule.register(context),
  // A hybrid app: HTTP for health, metrics and chaos; its work arrives through Nest's Kafka transport.
  connectMicroservices: (app) => app.connectMicroservice(kafkaConsumer(app, { group: CONSUMER_GROUPS.bot })),
};

if (require.main === module) void runService(botService);
