import { defaultPortOf } from '#libs/contracts';
import { runService, type ServiceDefinition } from '#libs/platform';
import { gatewayConfigShape } from './gateway.config';
import { GatewayModule } from './gateway.module';

export const gatewayService: ServiceDefinition<typeof gatewayConfigShape> = {
  name: 'gateway',
  defaultPort: defaultPortOf('gateway'),
  configShape: gatewayConfigShape,
  // Bodies: the platform's strict JSON and form parsers only (registerBodyParsers); the POST
  // handler itself refuses anything but application/json with 415.
  module: (context) => GatewayModule.register(context),
};

if (require.main === module) void runService(gatewayService);
