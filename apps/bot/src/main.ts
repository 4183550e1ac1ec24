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
};

if (require.main === module) void runService(botService);
