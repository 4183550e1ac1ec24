/** What an idempotency key remembers: which request it was used for, and what it produced. */
export interface IdempotencyRecord {
  /** Hash of the request body; the same key with another body is a client bug (422). */
  readonly fingerprint: string;
  readonly messageId: string;
}

/** The outcome of claiming a key. */
export type IdempotencyClaim =
  /** First use: do the work, then `complete` (or `abandon` on failure so a retry can do it). */
  | { readonly kind: 'claimed'; complete(messageId: string): Promise<void>; abandon(): Promise<void> }
  /** Seen before and finished. */
  | { readonly kind: 'done'; readonly record: IdempotencyRecord }
  /** Another request holds the key right now; `settled` resolves to its record, or undefined if it gave up. */
  | {
      readonly kind: 'pending';
      readonly fingerprint: string;
      readonly settled: Promise<IdempotencyRecord | undefined>;
    };

/**
 * Remembers idempotency keys for a while. In-process for the lab; a shared implementation (Redis,
 * the database) fits the same interface when the gateway runs as several replicas.
 */
export interface IdempotencyStore {
  /** Atomically claims `key` for a request with `fingerprint`, or says who has it. */
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
  readonly fingerprint: string;
  readonly expiresAtMs: number;
  messageId?: string;
  /** Set while the first request is still working. */
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
    }
    let resolve!: (record: IdempotencyRecord | undefined) => void;
    const promise = new Promise<IdempotencyRecord | undefined>((r) => (resolve = r));
    const entry: Entry = { fingerprint, expiresAtMs: nowMs + this.options.ttlMs, waiters: { promise, resolve } };
    this.entries.set(key, entry);
    this.evictOverflow();
    return {
      kind: 'claimed',
      complete: async (messageId) => {
        entry.messageId = messageId;
        entry.waiters = undefined;
        resolve({ fingerprint, messageId });
      },
      abandon: async () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
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
