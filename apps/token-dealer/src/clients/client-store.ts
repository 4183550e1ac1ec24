import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { LAB_CLIENTS } from '#libs/contracts';
import { DEFAULT_SCRYPT_PARAMS, hashSecret, parseSecretHash, type ParsedHash, verifySecret } from './secret-hash';

/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`. */
export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** One OAuth client as configured in TOKEN_CLIENTS. */
const clientConfigSchema = z
  .object({
    clientId: z.string().regex(/^[A-Za-z0-9._~-]{1,64}$/, 'letters, digits and . _ ~ - only, at most 64'),
    secretHash: z
      .string()
      .refine(
        (value) => parseSecretHash(value) !== undefined,
        'not a secret hash: produce one with `node dist/apps/token-dealer/src/hash-secret.js` (see apps/token-dealer/README.md)',
      ),
    scopes: z
      .array(z.string().regex(SCOPE_TOKEN, 'a scope is printable ASCII without spaces, quotes or backslashes'))
      .min(1),
  })
  .strict();
export const clientsConfigSchema = z
  .array(clientConfigSchema)
  .min(1)
  .refine((clients) => new Set(clients.map((c) => c.clientId)).size === clients.length, 'client ids must be unique');

export type ClientConfig = z.infer<typeof clientConfigSchema>;

export interface Client {
  readonly clientId: string;
  /** Allowed scopes, in configured order. */
  readonly scopes: readonly string[];
}

/** The lab's clients when TOKEN_CLIENTS is unset. Their secrets are public: never in production. */
export const DEFAULT_CLIENT_SECRETS: Readonly<Record<string, { secret: string; scopes: readonly string[] }>> =
  Object.freeze(
    Object.fromEntries(Object.values(LAB_CLIENTS).map((c) => [c.id, { secret: c.secret, scopes: c.scope.split(' ') }])),
  );

export async function defaultClients(): Promise<ClientConfig[]> {
  return Promise.all(
    Object.entries(DEFAULT_CLIENT_SECRETS).map(async ([clientId, { secret, scopes }]) => ({
      clientId,
      secretHash: await hashSecret(secret),
      scopes: [...scopes],
    })),
  );
}

/** Client ids whose configured hash matches one of the lab's published default secrets. */
export async function clientsWithDefaultSecrets(clients: readonly ClientConfig[]): Promise<string[]> {
  const known = Object.values(DEFAULT_CLIENT_SECRETS).map((c) => c.secret);
  const flagged: string[] = [];
  for (const client of clients) {
    for (const secret of known) {
      if (await verifySecret(secret, client.secretHash)) {
        flagged.push(client.clientId);
        break;
      }
    }
  }
  return flagged;
}

export class DefaultSecretInProductionError extends Error {
  readonly code = 'EDEFAULTSECRET';
  constructor(readonly clientIds: readonly string[]) {
    super(
      `refusing to start with NODE_ENV=production: client(s) ${clientIds.map((id) => `"${id}"`).join(', ')} use the lab's published default secret. ` +
        'Set TOKEN_CLIENTS to clients with secrets of your own (hash them with `node dist/apps/token-dealer/src/hash-secret.js`).',
    );
    this.name = 'DefaultSecretInProductionError';
  }
}

export interface ClientStoreOptions {
  /**
   * How long a secret that passed scrypt is recognised by a keyed HMAC instead; 0 turns it off.
   * scrypt is slow on purpose (tens of ms of CPU, far more on a loaded box), which would make the
   * token endpoint the lab's bottleneck; wrong secrets always pay the full scrypt cost.
   */
  verifiedCacheMs?: number;
  now?: () => number;
  /** The scrypt comparison; replaceable so tests can count it. */
  verify?: (secret: string, stored: ParsedHash) => Promise<boolean>;
}

/**
 * Authenticates clients against their hashed secrets. Unknown clients cost the same scrypt work as
 * known ones with a wrong secret, so response time does not tell which client ids exist.
 */
export class ClientStore {
  private readonly clients = new Map<string, { client: Client; hash: ParsedHash }>();
  /** Per process and never exported: the cache holds HMACs that are useless outside this process. */
  private readonly cacheKey = randomBytes(32);
  private readonly verified = new Map<string, { mac: Buffer; expiresAtMs: number }>();

  private constructor(
    configs: readonly ClientConfig[],
    private readonly decoy: ParsedHash,
    private readonly options: ClientStoreOptions,
  ) {
    for (const config of configs) {
      const hash = parseSecretHash(config.secretHash);
      if (!hash) throw new Error(`client "${config.clientId}" has an unreadable secretHash`);
      this.clients.set(config.clientId, {
        client: Object.freeze({ clientId: config.clientId, scopes: Object.freeze([...new Set(config.scopes)]) }),
        hash,
      });
    }
  }

  static async create(configs: readonly ClientConfig[], options: ClientStoreOptions = {}): Promise<ClientStore> {
    const decoy = parseSecretHash(await hashSecret('decoy', DEFAULT_SCRYPT_PARAMS));
    if (!decoy) throw new Error('decoy hash unreadable');
    return new ClientStore(configs, decoy, options);
  }

  /**
   * The client when `secret` is the one that passed scrypt for it within `verifiedCacheMs`: an HMAC,
   * no scrypt. Undefined otherwise (which says nothing about the secret: `authenticate` decides).
   */
  recognise(clientId: string, secret: string): Client | undefined {
    const entry = this.clients.get(clientId);
    const cached = entry && this.verified.get(clientId);
    if (!entry || !cached || cached.expiresAtMs <= (this.options.now ?? Date.now)()) return undefined;
    return timingSafeEqual(cached.mac, this.mac(secret)) ? entry.client : undefined;
  }

  /** The client when the secret is right; undefined for an unknown client or a wrong secret alike. */
  async authenticate(clientId: string, secret: string): Promise<Client | undefined> {
    const recognised = this.recognise(clientId, secret);
    if (recognised) return recognised;
    const entry = this.clients.get(clientId);
    const now = (this.options.now ?? Date.now)();
    const mac = this.mac(secret);
    const ok = await (this.options.verify ?? verifySecret)(secret, entry?.hash ?? this.decoy);
    if (!entry || !ok) return undefined;
    const cacheMs = this.options.verifiedCacheMs ?? 0;
    if (cacheMs > 0) this.verified.set(clientId, { mac, expiresAtMs: now + cacheMs });
    return entry.client;
  }

  private mac(secret: string): Buffer {
    return createHmac('sha256', this.cacheKey).update(secret).digest();
  }

  ids(): string[] {
    return [...this.clients.keys()];
  }
}
