import { defaultPortOf } from '#libs/contracts';
import { runService, type ServiceDefinition } from '#libs/platform';
import { API_ROUTES, type ApiRoute } from './api-routes';
import { registerConditionalReads } from './caching/conditional-reads';
import { registerCors } from './cors/cors';
import { gatewayConfigShape } from './gateway.config';
import { GatewayModule } from './gateway.module';

export const gatewayService: ServiceDefinition<typeof gatewayConfigShape> = {
  name: 'gateway',
  defaultPort: defaultPortOf('gateway'),
  configShape: gatewayConfigShape,
  // Bodies: the platform's strict JSON and form parsers only (registerBodyParsers); the POST
  // handler itself refuses anything but application/json with 415.
  module: (context) => GatewayModule.register(context),
  // Clients reach the gateway over networks where bytes cost (ADR 0043); br/gzip when worth it.
  compressResponses: true,
  configureHttp: (instance, context) => {
    registerConditionalReads(instance, CONDITIONAL_ROUTES);
    // Browser apps on CORS_ALLOWED_ORIGINS only; none by default.
    registerCors(instance, {
      allowedOrigins: context.config.CORS_ALLOWED_ORIGINS,
      maxAgeSeconds: context.config.CORS_MAX_AGE_SECONDS,
    });
  },
};

/** The routes whose reads carry an ETag and answer If-None-Match (`conditional` in the route table). */
const CONDITIONAL_ROUTES = Object.values(API_ROUTES as Record<string, ApiRoute>)
  .filter((route) => route.conditional)
  .map((route) => route.path);

if (require.main === module) void runService(gatewayService);
