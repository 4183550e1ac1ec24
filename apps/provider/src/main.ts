import { authConfigShape } from '#libs/auth';
import { env } from '#libs/config';
import { runService, type ServiceConfig, type ServiceDefinition } from '#libs/platform';
import { ProviderModule } from './provider.module';

const configShape = {
  /** Latency every answer takes before chaos adds any. */
  PROVIDER_BASE_LATENCY_MS: env.int(20, 0, 60_000),
  PROVIDER_JITTER_MS: env.int(10, 0, 60_000),
  /** Where the chaos API's tokens are verified (the provider has no other protected route). */
  ...authConfigShape,
};

export type ProviderConfig = ServiceConfig<typeof configShape>;

export const providerService: ServiceDefinition<typeof configShape> = {
  name: 'provider',
  defaultPort: 3003,
  configShape,
  module: (context) => ProviderModule.register(context),
};

if (require.main === module) void runService(providerService);
