/** What an idempotency key remembers: which request it was used for, and what it produced. */
export interface IdempotencyRecord {
  /** Hash of the request body; the same key with another body is a client bug (422). */
  readonly fingerprint: string;
  readonly messageId: string;
}

/** The outcome of claiming a key. */
export type IdempotencyClaim =
  /**
   * First use, or a retry of a request that gave the key back: do the work, then `complete` — or
   * `release` when it failed or its outcome is unknown, so that a retry of the same request can
   * do it again. A released key stays bound to its request (fingerprint) until it expires.
   */
  | { readonly kind: 'claimed'; complete(messageId: string): Promise<void>; release(): Promise<void> }
  /** Seen before and finished. */
  | { readonly kind: 'done'; readonly record: IdempotencyRecord }
  /** Another request holds the key right now; `settled` resolves to its record, or undefined if it gave up. */
  | {
      readonly kind: 'pending';
      readonly fingerprint: string;
      readonly settled: Promise<IdempotencyRecord | undefined>;
    }
  /** Released by a request with another fingerprint: this one is a different request (422). */
  | { readonly kind: 'released'; readonly fingerprint: string };

/**
 * Remembers idempotency keys for a while. In-process for the lab; a shared implementation (Redis,
 * the database) fits the same interface when the gateway runs as several replicas.
 */
export interface IdempotencyStore {
  /**
   * Atomically claims `key` for a request with `fingerprint` (again, when it was released by a
   * request with the same fingerprint), or says who has it.
   */
  claim(key: string, fingerprint: string): Promise<IdempotencyClaim>;
}

export interface InMemoryIdempotencyStoreOptions {
  /** How long a key is remembered after it was first claimed. */
  ttlMs: number;
  /** Keys kept at most; the oldest go first when full. */
  maxKeys: number;
  now?: () => number;
}

interface Entry {
  /** The request the key is bound to, from its first claim until it expires. */
  readonly fingerprint: string;
  readonly expiresAtMs: number;
  messageId?: string;
  /** Set while a request holding the key is still working; unset once it completed or released it. */
  waiters?: {
    promise: Promise<IdempotencyRecord | undefined>;
    resolve: (record: IdempotencyRecord | undefined) => void;
  };
}

/**
 * A bounded in-process store. Every key lives the same TTL, so insertion order is expiry order:
 * expired keys are swept from the head of the map, and when it is full the oldest key goes.
 */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly options: InMemoryIdempotencyStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  async claim(key: string, fingerprint: string): Promise<IdempotencyClaim> {
    const nowMs = this.now();
    this.sweep(nowMs);
    const existing = this.entries.get(key);
    if (existing) {
      if (existing.messageId !== undefined)
        return { kind: 'done', record: { fingerprint: existing.fingerprint, messageId: existing.messageId } };
      if (existing.waiters)
        return { kind: 'pending', fingerprint: existing.fingerprint, settled: existing.waiters.promise };
      if (existing.fingerprint !== fingerprint) return { kind: 'released', fingerprint: existing.fingerprint };
    }
    let resolve!: (record: IdempotencyRecord | undefined) => void;
    const promise = new Promise<IdempotencyRecord | undefined>((r) => (resolve = r));
    // A released key is claimed again in place: it keeps the expiry of its first claim.
    const entry: Entry = existing ?? { fingerprint, expiresAtMs: nowMs + this.options.ttlMs };
    entry.waiters = { promise, resolve };
    if (!existing) {
      this.entries.set(key, entry);
      this.evictOverflow();
    }
    return {
      kind: 'claimed',
      complete: async (messageId) => {
        entry.messageId = messageId;
        entry.waiters = undefined;
        resolve({ fingerprint, messageId });
      },
      release: async () => {
        entry.waiters = undefined;
        resolve(undefined);
      },
    };
  }

  size(): number {
    return this.entries.size;
  }

  private sweep(nowMs: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAtMs > nowMs) break;
      this.entries.delete(key);
    }
  }

  private evictOverflow(): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.options.maxKeys) break;
      this.entries.delete(key);
    }
  }
}

export const IDEMPOTENCY_STORE = Symbol('IDEMPOTENCY_STORE');
