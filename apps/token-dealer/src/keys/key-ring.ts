import type { PublicJwk, SigningKey } from './signing-key';

/** Where keys outlive the process (TOKEN_SIGNING_KEYS_DIR); absent, keys live in memory only. */
export interface KeyStore {
  save(key: SigningKey): Promise<void>;
}

export interface KeyRingOptions {
  /** Lifetime of the tokens signed with these keys: a retired key stays published this long. */
  tokenTtlSeconds: number;
  /** Extra time a retired key stays published, for verifiers whose clocks run behind. */
  clockSkewSeconds?: number;
  generate: () => Promise<SigningKey>;
  now?: () => number;
  store?: KeyStore;
}

export interface RotationResult {
  activeKid: string;
  nextKid: string;
  retiredKid: string;
  publishedKids: string[];
}

const DEFAULT_CLOCK_SKEW_SECONDS = 60;

/**
 * The token dealer's signing keys. One key signs (active); the one that will sign after the next
 * rotation is published already (next), so verifiers holding a cached JWKS know it before the first
 * token carries its kid; retired keys stay published until every token they signed has expired.
 */
export class KeyRing {
  private retired: { key: SigningKey; retiredAtMs: number }[] = [];
  private rotating: Promise<unknown> = Promise.resolve();

  private constructor(
    private active: SigningKey,
    private next: SigningKey,
    retired: readonly SigningKey[],
    private readonly options: KeyRingOptions,
  ) {
    const now = this.now();
    // Keys found on disk beyond the newest two may still have signed live tokens before a restart.
    this.retired = retired.map((key) => ({ key, retiredAtMs: now }));
  }

  /** `existing` is oldest first, as a KeyStore lists them; missing keys are generated (and stored). */
  static async create(existing: readonly SigningKey[], options: KeyRingOptions): Promise<KeyRing> {
    const keys = [...existing];
    while (keys.length < 2) {
      const key = await options.generate();
      await options.store?.save(key);
      keys.push(key);
    }
    const next = keys[keys.length - 1];
    const active = keys[keys.length - 2];
    return new KeyRing(active, next, keys.slice(0, -2), options);
  }

  /** The key that signs tokens now. */
  signingKey(): SigningKey {
    return this.active;
  }

  /** Every public key a verifier may need: active, next and not-yet-expired retired keys. */
  publishedJwks(): PublicJwk[] {
    this.prune();
    return [this.active, this.next, ...this.retired.map((r) => r.key)].map((key) => key.publicJwk);
  }

  /**
   * Next becomes active, active retires, a new next is generated. Rotations run one at a time; a
   * failure to generate or store the new key leaves the ring as it was.
   */
  rotate(): Promise<RotationResult> {
    const run = this.rotating.then(async () => {
      const fresh = await this.options.generate();
      await this.options.store?.save(fresh);
      const retiredKid = this.active.kid;
      this.retired.push({ key: this.active, retiredAtMs: this.now() });
      this.active = this.next;
      this.next = fresh;
      return {
        activeKid: this.active.kid,
        nextKid: this.next.kid,
        retiredKid,
        publishedKids: this.publishedJwks().map((jwk) => jwk.kid),
      };
    });
    this.rotating = run.catch(() => undefined);
    return run;
  }

  private prune(): void {
    const retentionMs =
      (this.options.tokenTtlSeconds + (this.options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS)) * 1000;
    const now = this.now();
    this.retired = this.retired.filter((r) => now - r.retiredAtMs < retentionMs);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
