import { CONSUMER_GROUPS, defaultPortOf } from '#libs/contracts';
import { kafkaConsumer } from '#libs/kafka';
import { runService, type ServiceDefinition } from '#libs/platform';
import { botConfigShape } from './bot.config';
import { BotModule } from './bot.module';

export const botService: ServiceDefinition<typeof botConfigShape> = {
  name: 'bot',
  defaultPort: defaultPortOf('bot'),
  configShape: botConfigShape,
  module: (context) => BotModule.register(context),
  // A hybrid app: HTTP for health, metrics and chaos; its work arrives through Nest's Kafka transport.
  connectMicroservices: (app) => app.connectMicroservice(kafkaConsumer(app, { group: CONSUMER_GROUPS.bot })),
};

if (require.main === module) void runService(botService);
