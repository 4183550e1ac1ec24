/** Length of one burn cycle; `percent` of it is spent spinning on the event loop. */
const CYCLE_MS = 100;

/**
 * Burns a share of the event loop: every 100 ms it spins for `percent` ms. That is what a CPU-bound
 * neighbour or a hot loop does to a Node service: every request and message waits behind it.
 * Several burns add up, capped at 95% so the process still answers the request that stops them.
 */
export class CpuBurner {
  private readonly burns = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly now: () => number = () => performance.now()) {}

  start(id: string, percent: number): void {
    this.burns.set(id, percent);
    if (!this.timer) {
      this.timer = setInterval(() => this.burn(), CYCLE_MS);
      this.timer.unref();
    }
  }

  stop(id: string): void {
    this.burns.delete(id);
    if (this.burns.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Share of each cycle being burnt now. */
  get percent(): number {
    return Math.min(
      95,
      [...this.burns.values()].reduce((sum, p) => sum + p, 0),
    );
  }

  private burn(): void {
    const until = this.now() + (CYCLE_MS * this.percent) / 100;
    // Spinning is the point: the event loop must really be busy.
    while (this.now() < until) {
      /* burn */
    }
  }
}
