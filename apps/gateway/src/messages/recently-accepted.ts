export interface RecentlyAcceptedOptions {
  /** How long an accepted id is remembered; data-service normally stores it within milliseconds. */
  ttlMs: number;
  maxIds: number;
  now?: () => number;
}

/**
 * Ids this gateway accepted a moment ago, with the client that sent each, so that the same client's
 * GET right after the POST can say "accepted" while data-service has not stored the message yet.
 * Bounded: oldest ids go first.
 */
export class RecentlyAccepted {
  private readonly ids = new Map<string, { expiresAtMs: number; clientId: string }>();
  private readonly now: () => number;

  constructor(private readonly options: RecentlyAcceptedOptions) {
    this.now = options.now ?? Date.now;
  }

  remember(id: string, clientId: string): void {
    const nowMs = this.now();
    this.ids.delete(id);
    this.ids.set(id, { expiresAtMs: nowMs + this.options.ttlMs, clientId });
    for (const [oldest, { expiresAtMs }] of this.ids) {
      if (this.ids.size <= this.options.maxIds && expiresAtMs > nowMs) break;
      this.ids.delete(oldest);
    }
  }

  /** Whether `clientId` had `id` accepted here within the TTL (another client's id is not "known"). */
  has(id: string, clientId: string): boolean {
    const entry = this.ids.get(id);
    if (entry === undefined) return false;
    if (entry.expiresAtMs <= this.now()) {
      this.ids.delete(id);
      return false;
    }
    return entry.clientId === clientId;
  }
}
