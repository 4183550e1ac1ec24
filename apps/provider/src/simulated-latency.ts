import { delay } from '#libs/resilience';

/** The provider's own base latency, like a real remote API: base ± jitter, uniformly. */
export class SimulatedLatency {
  constructor(
    private readonly baseMs: number,
    private readonly jitterMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  nextMs(): number {
    return Math.max(0, this.baseMs + (this.random() * 2 - 1) * this.jitterMs);
  }

  async wait(): Promise<void> {
    const ms = this.nextMs();
    if (ms > 0) await delay(ms);
  }
}
