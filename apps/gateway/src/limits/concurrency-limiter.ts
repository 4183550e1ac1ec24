/**
 * At most `maxInFlight` requests per key at once. `tryAcquire` returns a release function (safe to
 * call twice) or undefined when the key is at its limit.
 */
export class ConcurrencyLimiter {
  private readonly inFlight = new Map<string, number>();

  constructor(readonly maxInFlight: number) {
    if (!(maxInFlight >= 1)) throw new RangeError('maxInFlight must be >= 1');
  }

  tryAcquire(key: string): (() => void) | undefined {
    const current = this.inFlight.get(key) ?? 0;
    if (current >= this.maxInFlight) return undefined;
    this.inFlight.set(key, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      // Idle keys leave the map, so it only ever holds clients with requests in flight.
      if (left <= 0) this.inFlight.delete(key);
      else this.inFlight.set(key, left);
    };
  }

  active(key: string): number {
    return this.inFlight.get(key) ?? 0;
  }
}
