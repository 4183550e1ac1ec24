import { type DynamicModule, Module } from '@nestjs/common';
import { createLocalJWKSet } from 'jose';
import { AuthModule, type TokenVerifierOptions } from '#libs/auth';
import { ChaosModule } from '#libs/chaos';
import type { ServiceContext } from '#libs/platform';
import {
  ClientStore,
  clientsWithDefaultSecrets,
  DEFAULT_CLIENT_SECRETS,
  DefaultSecretInProductionError,
  defaultClients,
} from './clients/client-store';
import { KeyDirectory } from './keys/key-directory';
import { KeyRing } from './keys/key-ring';
import { KeysController } from './keys/keys.controller';
import { generateSigningKey } from './keys/signing-key';
import { TokenController } from './oauth/token.controller';
import { TokenEndpoint } from './oauth/token-endpoint';
import { TokenIssuer } from './oauth/token-issuer';
import { tokenMetrics } from './metrics';
import { FailedAttemptLimiter } from './throttling/failed-attempt-limiter';
import type { TokenDealerConfig } from './token-dealer.config';

@Module({})
export class TokenDealerModule {
  /** Loads clients and keys before Nest starts, so a bad secret or key file stops the boot. */
  static async register(context: ServiceContext<TokenDealerConfig>): Promise<DynamicModule> {
    const { config, logger } = context;
    // Without TOKEN_CLIENTS every client is a lab default: no need to test hashes to know it.
    const defaults = config.TOKEN_CLIENTS
      ? await clientsWithDefaultSecrets(config.TOKEN_CLIENTS)
      : Object.keys(DEFAULT_CLIENT_SECRETS);
    if (defaults.length > 0) {
      if (config.NODE_ENV === 'production') throw new DefaultSecretInProductionError(defaults);
      logger.warn(
        { clients: defaults },
        'clients use the lab default secrets; fine for the lab, refused in production',
      );
    }
    const clientConfigs = config.TOKEN_CLIENTS ?? (await defaultClients());
    const clients = await ClientStore.create(clientConfigs, {
      verifiedCacheMs: config.TOKEN_SECRET_CACHE_SECONDS * 1000,
    });

    const directory = config.TOKEN_SIGNING_KEYS_DIR ? new KeyDirectory(config.TOKEN_SIGNING_KEYS_DIR) : undefined;
    const keys = await KeyRing.create((await directory?.load()) ?? [], {
      tokenTtlSeconds: config.TOKEN_TTL_SECONDS,
      generate: generateSigningKey,
      store: directory,
    });
    logger.info(
      {
        clients: clients.ids(),
        activeKid: keys.signingKey().kid,
        published: keys.publishedJwks().length,
        persisted: directory !== undefined,
      },
      'token dealer keys ready',
    );
    context.readiness.register('signing-key', () => keys.publishedJwks().length > 0);

    const settings = {
      issuer: config.TOKEN_ISSUER,
      audience: config.TOKEN_AUDIENCE,
      ttlSeconds: config.TOKEN_TTL_SECONDS,
    };
    // The dealer checks admin and chaos tokens against its own ring: fetching its own JWKS over
    // HTTP would fail whenever it is not listening yet (or is the thing being broken).
    const auth: TokenVerifierOptions = {
      jwksUrl: `http://127.0.0.1:${config.PORT}/.well-known/jwks.json`,
      issuer: settings.issuer,
      audience: settings.audience,
      keySet: (header, token) => createLocalJWKSet({ keys: keys.publishedJwks() })(header, token),
    };
    return {
      module: TokenDealerModule,
      imports: [AuthModule.register(auth), ChaosModule.register(context, { auth })],
      controllers: [TokenController, KeysController],
      providers: [
        { provide: KeyRing, useValue: keys },
        {
          provide: TokenEndpoint,
          useValue: new TokenEndpoint(clients, new TokenIssuer(keys, settings), {
            limiter: failedAttemptLimiter(config),
            onThrottled: (limit) => tokenMetrics(context.registry).throttled.inc({ limit }),
          }),
        },
      ],
    };
  }
}

/** Keys per failed-attempt budget: enough for a busy edge, bounded so a spray of ids cannot grow it. */
const FAILED_ATTEMPT_KEYS = 10_000;

/** The limiter TOKEN_FAILED_AUTH_* describe, or none when TOKEN_FAILED_AUTH_LIMITS=false. */
function failedAttemptLimiter(config: TokenDealerConfig): FailedAttemptLimiter | undefined {
  if (!config.TOKEN_FAILED_AUTH_LIMITS) return undefined;
  return new FailedAttemptLimiter({
    clientSource: {
      burst: config.TOKEN_FAILED_AUTH_CLIENT_SOURCE_BURST,
      perMinute: config.TOKEN_FAILED_AUTH_CLIENT_SOURCE_PER_MINUTE,
    },
    source: { burst: config.TOKEN_FAILED_AUTH_SOURCE_BURST, perMinute: config.TOKEN_FAILED_AUTH_SOURCE_PER_MINUTE },
    client: { burst: config.TOKEN_FAILED_AUTH_CLIENT_BURST, perMinute: config.TOKEN_FAILED_AUTH_CLIENT_PER_MINUTE },
    untrusted: {
      burst: config.TOKEN_FAILED_AUTH_UNTRUSTED_BURST,
      perMinute: config.TOKEN_FAILED_AUTH_UNTRUSTED_PER_MINUTE,
    },
    trustTtlMs: config.TOKEN_TRUSTED_SOURCE_TTL_SECONDS * 1000,
    maxKeys: FAILED_ATTEMPT_KEYS,
  });
}
