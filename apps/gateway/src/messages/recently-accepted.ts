export interface RecentlyAcceptedOptions {
  /** How long an accepted id is remembered; data-service normally stores it within milliseconds. */
  ttlMs: number;
  maxIds: number;
  now?: () => number;
}

/**
 * Ids this gateway accepted a moment ago, so that a GET right after the POST can say "accepted"
 * while data-service has not stored the message yet. Bounded: oldest ids go first.
 */
export class RecentlyAccepted {
  private readonly ids = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: RecentlyAcceptedOptions) {
    this.now = options.now ?? Date.now;
  }

  remember(id: string): void {
    const nowMs = this.now();
    this.ids.delete(id);
    this.ids.set(id, nowMs + this.options.ttlMs);
    for (const [oldest, expiresAtMs] of this.ids) {
      if (this.ids.size <= this.options.maxIds && expiresAtMs > nowMs) break;
      this.ids.delete(oldest);
    }
  }

  has(id: string): boolean {
    const expiresAtMs = this.ids.get(id);
    if (expiresAtMs === undefined) return false;
    if (expiresAtMs <= this.now()) {
      this.ids.delete(id);
      return false;
    }
    return true;
  }
}
