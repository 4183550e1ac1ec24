import {
  ClientStore,
  clientsConfigSchema,
  clientsWithDefaultSecrets,
  defaultClients,
  DefaultSecretInProductionError,
} from './client-store';
import { hashSecret, verifySecret } from './secret-hash';

describe('ClientStore', () => {
  let store: ClientStore;

  beforeAll(async () => {
    store = await ClientStore.create([
      {
        clientId: 'reader',
        secretHash: await hashSecret('reader-secret-value'),
        scopes: ['messages:read', 'messages:read'],
      },
      { clientId: 'writer', secretHash: await hashSecret('writer-secret-value'), scopes: ['messages:write'] },
    ]);
  });

  it('authenticates a client with its own secret and returns its scopes, deduplicated', async () => {
    await expect(store.authenticate('reader', 'reader-secret-value')).resolves.toEqual({
      clientId: 'reader',
      scopes: ['messages:read'],
    });
  });

  it("refuses another client's secret, a wrong secret and an unknown client alike", async () => {
    await expect(store.authenticate('reader', 'writer-secret-value')).resolves.toBeUndefined();
    await expect(store.authenticate('reader', 'reader-secret-valuE')).resolves.toBeUndefined();
    await expect(store.authenticate('nobody', 'reader-secret-value')).resolves.toBeUndefined();
  });

  it('holds hashes only: the secrets appear nowhere in the store', async () => {
    const json = JSON.stringify(store, (_key, value: unknown) =>
      Buffer.isBuffer(value) ? value.toString('utf8') : value,
    );
    expect(json).not.toContain('reader-secret-value');
    expect(store.ids()).toEqual(['reader', 'writer']);
  });
});

describe('client configuration', () => {
  it('gives the lab its two default clients with their documented scopes', async () => {
    const clients = await defaultClients();
    expect(clients.map(({ clientId, scopes }) => ({ clientId, scopes }))).toEqual([
      { clientId: 'jeeves-demo', scopes: ['messages:write', 'messages:read'] },
      { clientId: 'lab-admin', scopes: ['messages:write', 'messages:read', 'lab:chaos'] },
    ]);
    const store = await ClientStore.create(clients);
    await expect(store.authenticate('lab-admin', 'lab-admin-secret')).resolves.toBeDefined();
  });

  it('flags clients whose hash is of a published default secret', async () => {
    const clients = [
      { clientId: 'mine', secretHash: await hashSecret('something-else-entirely'), scopes: ['a'] },
      { clientId: 'copied', secretHash: await hashSecret('jeeves-demo-secret'), scopes: ['a'] },
    ];
    await expect(clientsWithDefaultSecrets(clients)).resolves.toEqual(['copied']);
    expect(new DefaultSecretInProductionError(['copied']).message).toMatch(/NODE_ENV=production.*"copied"/);
  });

  it('validates TOKEN_CLIENTS entries', async () => {
    const hash = await hashSecret('x'.repeat(20));
    expect(clientsConfigSchema.safeParse([{ clientId: 'ok', secretHash: hash, scopes: ['a:b'] }]).success).toBe(true);
    for (const bad of [
      [],
      [{ clientId: 'ok', secretHash: 'plain-secret', scopes: ['a'] }],
      [{ clientId: 'has space', secretHash: hash, scopes: ['a'] }],
      [{ clientId: 'ok', secretHash: hash, scopes: ['has space'] }],
      [{ clientId: 'ok', secretHash: hash, scopes: [] }],
      [{ clientId: 'ok', secretHash: hash, scopes: ['a'], secret: 'plain' }],
      [
        { clientId: 'twice', secretHash: hash, scopes: ['a'] },
        { clientId: 'twice', secretHash: hash, scopes: ['b'] },
      ],
    ]) {
      expect(clientsConfigSchema.safeParse(bad).success).toBe(false);
    }
  });
});

describe('ClientStore verified-secret cache', () => {
  it('skips scrypt for a secret verified recently, and pays it again for a wrong one or after expiry', async () => {
    let now = 0;
    let scryptCalls = 0;
    const store = await ClientStore.create(
      [{ clientId: 'svc', secretHash: await hashSecret('svc-secret-value'), scopes: ['a'] }],
      {
        verifiedCacheMs: 1000,
        now: () => now,
        verify: (secret, stored) => {
          scryptCalls += 1;
          return verifySecret(secret, stored);
        },
      },
    );

    await expect(store.authenticate('svc', 'svc-secret-value')).resolves.toBeDefined();
    await expect(store.authenticate('svc', 'svc-secret-value')).resolves.toBeDefined();
    expect(scryptCalls).toBe(1);

    await expect(store.authenticate('svc', 'svc-secret-valuf')).resolves.toBeUndefined();
    await expect(store.authenticate('other', 'svc-secret-value')).resolves.toBeUndefined();
    expect(scryptCalls).toBe(3);

    now = 1000;
    await expect(store.authenticate('svc', 'svc-secret-value')).resolves.toBeDefined();
    expect(scryptCalls).toBe(4);
  });

  it('caches nothing when turned off', async () => {
    let scryptCalls = 0;
    const store = await ClientStore.create(
      [{ clientId: 'svc', secretHash: await hashSecret('svc-secret-value'), scopes: ['a'] }],
      {
        verify: (secret, stored) => {
          scryptCalls += 1;
          return verifySecret(secret, stored);
        },
      },
    );
    await store.authenticate('svc', 'svc-secret-value');
    await store.authenticate('svc', 'svc-secret-value');
    expect(scryptCalls).toBe(2);
  });
});
