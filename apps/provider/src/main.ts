import { defaultPortOf } from '#libs/contracts';
import { runService, type ServiceDefinition } from '#libs/platform';
import { providerConfigShape } from './provider.config';
import { ProviderModule } from './provider.module';

export const providerService: ServiceDefinition<typeof providerConfigShape> = {
  name: 'provider',
  defaultPort: defaultPortOf('provider'),
  configShape: providerConfigShape,
  module: (context) => ProviderModule.register(context),
};

if (require.main === module) void runService(providerService);
