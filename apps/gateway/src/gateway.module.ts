import { type DynamicModule, Module } from '@nestjs/common';
import { AuthModule, authOptions, type TokenVerifierOptions } from '#libs/auth';
import { chaosFor, ChaosModule } from '#libs/chaos';
import { READ_GROUPS, READ_TOPICS } from '#libs/contracts';
import { KafkaConnection, KafkaModule } from '#libs/kafka';
import type { ServiceContext } from '#libs/platform';
import { breakerOptionsFromConfig, DEFAULT_BREAKER_OPTIONS } from '#libs/resilience';
import { API_ROUTES } from './api-routes';
import { DataServiceClient } from './data-service/data-service.client';
import { GuardedMessageReader } from './data-service/guarded-message-reader';
import { KafkaMessageReader } from './data-service/kafka-message-reader';
import { MESSAGE_READER, type MessageReader } from './data-service/message-reader';
import { GatewayMetrics } from './gateway-metrics';
import type { GatewayConfig } from './gateway.config';
import { IDEMPOTENCY_STORE, InMemoryIdempotencyStore, type IdempotencyStore } from './idempotency/idempotency-store';
import { ClientLimitsInterceptor } from './limits/client-limits.interceptor';
import { ConcurrencyLimiter } from './limits/concurrency-limiter';
import { TokenBucketLimiter } from './limits/token-bucket';
import { MessageIntake } from './messages/message-intake';
import { KafkaMessagePublisher, MESSAGE_PUBLISHER, type MessagePublisher } from './messages/message-publisher';
import { MessagesController } from './messages/messages.controller';
import { RecentlyAccepted } from './messages/recently-accepted';
import { buildOpenApiDocument } from './openapi/openapi-document';
import { OPENAPI_DOCUMENT, OpenApiController } from './openapi/openapi.controller';

/** How long the gateway vouches for an id it accepted that data-service does not know yet. */
const RECENTLY_ACCEPTED_TTL_MS = 10 * 60_000;

/** Seams for tests: with a publisher given, the module does not touch Kafka at all. */
export interface GatewayOverrides {
  publisher?: MessagePublisher;
  reader?: MessageReader;
  idempotencyStore?: IdempotencyStore;
  /** Key resolver for the token verifier instead of the token dealer's JWKS. */
  keySet?: TokenVerifierOptions['keySet'];
}

@Module({})
export class GatewayModule {
  static register(context: ServiceContext<GatewayConfig>, overrides: GatewayOverrides = {}): DynamicModule {
    const config = context.config;
    const tokenDealer = config.TOKEN_DEALER_URL.replace(/\/+$/, '');
    const metrics = new GatewayMetrics(context.registry);
    const recent = new RecentlyAccepted({ ttlMs: RECENTLY_ACCEPTED_TTL_MS, maxIds: config.RECENTLY_ACCEPTED_MAX_IDS });
    return {
      module: GatewayModule,
      imports: [
        ...(overrides.publisher
          ? []
          : [KafkaModule.forRoot(context, { payloadFormat: context.config.JEEVES_PAYLOAD_FORMAT })]),
        AuthModule.register({
          ...authOptions(config),
          keySet: overrides.keySet,
          // JWKS fetches (not cached keys) behind the `jwks` breaker: a down token dealer costs a fast 503.
          jwksBreaker: {
            options: { ...DEFAULT_BREAKER_OPTIONS, timeoutMs: config.JWKS_TIMEOUT_MS + 500, volumeThreshold: 3 },
            registry: context.registry,
            logger: context.logger,
          },
        }),
        // /admin/chaos/faults (scope lab:chaos); Kafka faults act on this app's own connection.
        ChaosModule.register(context, {
          kafka: !overrides.publisher,
          auth: { ...authOptions(config), keySet: overrides.keySet },
        }),
      ],
      controllers: [MessagesController, OpenApiController],
      providers: [
        { provide: GatewayMetrics, useValue: metrics },
        { provide: RecentlyAccepted, useValue: recent },
        {
          provide: TokenBucketLimiter,
          useValue: new TokenBucketLimiter({
            ratePerSecond: config.RATE_LIMIT_PER_SECOND,
            burst: config.RATE_LIMIT_BURST,
          }),
        },
        { provide: ConcurrencyLimiter, useValue: new ConcurrencyLimiter(config.RATE_LIMIT_MAX_IN_FLIGHT) },
        ClientLimitsInterceptor,
        overrides.publisher
          ? { provide: MESSAGE_PUBLISHER, useValue: overrides.publisher }
          : {
              provide: MESSAGE_PUBLISHER,
              inject: [KafkaConnection],
              useFactory: (connection: KafkaConnection): MessagePublisher =>
                new KafkaMessagePublisher(connection.publisher, config.PUBLISH_TIMEOUT_MS),
            },
        {
          provide: IDEMPOTENCY_STORE,
          useValue:
            overrides.idempotencyStore ??
            new InMemoryIdempotencyStore({
              ttlMs: config.IDEMPOTENCY_TTL_SECONDS * 1000,
              maxKeys: config.IDEMPOTENCY_MAX_KEYS,
            }),
        },
        {
          provide: MessageIntake,
          inject: [MESSAGE_PUBLISHER, IDEMPOTENCY_STORE],
          useFactory: (publisher: MessagePublisher, store: IdempotencyStore) =>
            new MessageIntake(publisher, store, recent, {
              waitForHolderMs: config.PUBLISH_TIMEOUT_MS,
              onAccepted: (client, replayed) =>
                (replayed ? metrics.idempotentReplays : metrics.accepted).inc({ client }),
              onUnconfirmed: (client) => metrics.unconfirmed.inc({ client }),
              onPublishedLate: (client) => metrics.publishedLate.inc({ client }),
            }),
        },
        overrides.reader
          ? { provide: MESSAGE_READER, useValue: overrides.reader }
          : {
              provide: MESSAGE_READER,
              inject: [{ token: KafkaConnection, optional: true }],
              // Reads go through the data-service breaker: fast 503s once data-service keeps failing.
              useFactory: async (connection: KafkaConnection | null): Promise<MessageReader> =>
                new GuardedMessageReader(await dataServiceReader(context, connection), {
                  breaker: breakerOptionsFromConfig(config, 'DATA_SERVICE'),
                  registry: context.registry,
                  logger: context.logger,
                }),
            },
        {
          provide: OPENAPI_DOCUMENT,
          useValue: buildOpenApiDocument(Object.values(API_ROUTES), { tokenUrl: `${tokenDealer}/oauth/token` }),
        },
      ],
    };
  }
}

/**
 * The reader GATEWAY_READS names: data-service's HTTP API (ADR 0040), or Kafka request-reply
 * (ADR 0042) on the app's Kafka connection, its reply consumer joined before the gateway is ready.
 */
async function dataServiceReader(
  context: ServiceContext<GatewayConfig>,
  connection: KafkaConnection | null,
): Promise<MessageReader> {
  const { config } = context;
  const beforeCall = chaosFor(context).beforeDependency;
  if (config.GATEWAY_READS === 'http')
    return new DataServiceClient({
      baseUrl: config.DATA_SERVICE_URL,
      timeoutMs: config.DATA_SERVICE_TIMEOUT_MS,
      beforeCall,
    });
  if (!connection)
    throw new Error('GATEWAY_READS=kafka needs the Kafka connection, which a publisher override leaves out');
  const client = connection.createRequestReplyClient(READ_GROUPS.replies, Object.values(READ_TOPICS));
  context.readiness.register('kafka-reply-consumer-joined-group', () => client.isReady());
  await client.connect();
  return new KafkaMessageReader(client, { timeoutMs: config.DATA_SERVICE_TIMEOUT_MS, beforeCall });
}
