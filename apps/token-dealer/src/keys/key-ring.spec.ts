import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { KeyRing, type KeyStore } from './key-ring';
import {
  generateSigningKey,
  InvalidSigningKeyError,
  type SigningKey,
  signingKeyFrom,
  signingKeyFromPem,
} from './signing-key';

const TTL_SECONDS = 300;
const SKEW_SECONDS = 60;

describe('KeyRing', () => {
  let pool: SigningKey[];
  let now: number;
  let saved: string[];
  let failNextGenerate: boolean;

  beforeAll(async () => {
    pool = await Promise.all(Array.from({ length: 6 }, () => generateSigningKey()));
  });

  beforeEach(() => {
    now = 1_800_000_000_000;
    saved = [];
    failNextGenerate = false;
  });

  function ring(existing: SigningKey[] = []): Promise<KeyRing> {
    const keys = [...pool];
    const store: KeyStore = { save: async (key) => void saved.push(key.kid) };
    return KeyRing.create(existing, {
      tokenTtlSeconds: TTL_SECONDS,
      clockSkewSeconds: SKEW_SECONDS,
      now: () => now,
      store,
      generate: async () => {
        if (failNextGenerate) throw new Error('entropy ran out');
        const key = keys.shift();
        if (!key) throw new Error('pool exhausted');
        return key;
      },
    });
  }

  const kids = (r: KeyRing) => r.publishedJwks().map((jwk) => jwk.kid);

  it('starts with an active key and a published next key, both stored', async () => {
    const r = await ring();
    expect(r.signingKey().kid).toBe(pool[0].kid);
    expect(kids(r)).toEqual([pool[0].kid, pool[1].kid]);
    expect(saved).toEqual([pool[0].kid, pool[1].kid]);
  });

  it('rotates to the pre-published key and keeps the retired one for ttl + skew', async () => {
    const r = await ring();
    const result = await r.rotate();
    expect(result).toEqual({
      activeKid: pool[1].kid,
      nextKid: pool[2].kid,
      retiredKid: pool[0].kid,
      publishedKids: [pool[1].kid, pool[2].kid, pool[0].kid],
    });
    expect(r.signingKey().kid).toBe(pool[1].kid);

    now += (TTL_SECONDS + SKEW_SECONDS) * 1000 - 1;
    expect(kids(r)).toContain(pool[0].kid);
    now += 1;
    expect(kids(r)).toEqual([pool[1].kid, pool[2].kid]);
  });

  it('runs concurrent rotations one after the other', async () => {
    const r = await ring();
    const [first, second] = await Promise.all([r.rotate(), r.rotate()]);
    expect(first.activeKid).toBe(pool[1].kid);
    expect(second.activeKid).toBe(pool[2].kid);
    expect(second.retiredKid).toBe(pool[1].kid);
    expect(kids(r)).toEqual([pool[2].kid, pool[3].kid, pool[0].kid, pool[1].kid]);
  });

  it('leaves the ring unchanged when the new key cannot be generated', async () => {
    const r = await ring();
    failNextGenerate = true;
    await expect(r.rotate()).rejects.toThrow('entropy ran out');
    expect(r.signingKey().kid).toBe(pool[0].kid);
    expect(kids(r)).toEqual([pool[0].kid, pool[1].kid]);
    failNextGenerate = false;
    await expect(r.rotate()).resolves.toMatchObject({ activeKid: pool[1].kid });
  });

  it('resumes from stored keys: newest is next, the one before signs, older ones stay published for a ttl', async () => {
    const r = await ring([pool[3], pool[4], pool[5]]);
    expect(saved).toEqual([]);
    expect(r.signingKey().kid).toBe(pool[4].kid);
    expect(kids(r)).toEqual([pool[4].kid, pool[5].kid, pool[3].kid]);
    now += (TTL_SECONDS + SKEW_SECONDS) * 1000;
    expect(kids(r)).toEqual([pool[4].kid, pool[5].kid]);
  });

  it('generates a next key when only one is stored', async () => {
    const r = await ring([pool[5]]);
    expect(r.signingKey().kid).toBe(pool[5].kid);
    expect(saved).toEqual([pool[0].kid]);
  });
});

describe('signing keys', () => {
  it('publishes RFC 7638 thumbprints as kids, with public members only', async () => {
    const key = await generateSigningKey();
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Object.keys(key.publicJwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    await expect(calculateJwkThumbprint({ kty: 'RSA', n: key.publicJwk.n, e: key.publicJwk.e })).resolves.toBe(key.kid);
  });

  it('reads the same kid back from the PEM it exports', async () => {
    const key = await generateSigningKey();
    const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(signingKeyFromPem(pem).kid).toBe(key.kid);
  });

  it('refuses short RSA keys, other key types and unreadable PEM', () => {
    const short = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(() => signingKeyFrom(short)).toThrow(InvalidSigningKeyError);
    expect(() => signingKeyFrom(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)).toThrow(/RSA/);
    expect(() => signingKeyFromPem('-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----')).toThrow(
      InvalidSigningKeyError,
    );
  });
});
