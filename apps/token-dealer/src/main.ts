import { defaultPortOf } from '#libs/contracts';
import { runService, type ServiceDefinition } from '#libs/platform';
import { countTokenRejections } from './metrics';
import { tokenDealerConfigShape } from './token-dealer.config';
import { TokenDealerModule } from './token-dealer.module';

export const tokenDealerService: ServiceDefinition<typeof tokenDealerConfigShape> = {
  name: 'token-dealer',
  defaultPort: defaultPortOf('token-dealer'),
  configShape: tokenDealerConfigShape,
  module: (context) => TokenDealerModule.register(context),
  // Form bodies (RFC 6749 §4.4.2) and JSON are parsed by the platform (libs/platform
  // registerBodyParsers: strict UTF-8; a repeated form key becomes an array, which the endpoint
  // refuses); any other media type gets the platform's 415 rather than a confusing invalid_request.
  configureHttp: (instance, context) => countTokenRejections(instance, context.registry),
};

if (require.main === module) void runService(tokenDealerService);
