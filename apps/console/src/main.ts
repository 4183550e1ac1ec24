import { CONSOLE_APP } from '#libs/contracts';
import { runService, type ServiceDefinition } from '#libs/platform';
import { consoleConfigShape } from './console.config';
import { ConsoleModule } from './console.module';
import { guardConsoleRequests } from './security/request-guard';

export const consoleService: ServiceDefinition<typeof consoleConfigShape> = {
  name: CONSOLE_APP.name,
  defaultPort: CONSOLE_APP.defaultPort,
  configShape: consoleConfigShape,
  module: (context) => ConsoleModule.register(context),
  configureHttp: (instance, context) => guardConsoleRequests(instance, context.config),
};

if (require.main === module) void runService(consoleService);
