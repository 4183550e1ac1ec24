import type { MetricsRegistry } from '#libs/observability';
import { BulkheadRejectedError } from './errors';
import { resilienceMetrics, type ResilienceMetrics } from './metrics';

export interface BulkheadOptions {
  /** Calls allowed in progress at once. */
  maxConcurrent: number;
  /** Calls allowed to wait for a slot; one more is rejected at once. 0 means no queue. */
  maxQueue: number;
  /** Longest wait for a slot before the call is rejected. */
  queueTimeoutMs: number;
}

interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout;
}

/**
 * Caps the calls in flight to one dependency, so a slow dependency ties up a bounded share of the
 * process instead of all of it. Past the limit a bounded queue waits (for at most `queueTimeoutMs`);
 * past the queue, calls fail at once with `BulkheadRejectedError` (code EBULKHEAD).
 */
export class Bulkhead {
  private active = 0;
  private readonly queue: Waiter[] = [];
  private readonly metrics: ResilienceMetrics;

  constructor(
    readonly dependency: string,
    private readonly options: BulkheadOptions,
    registry: MetricsRegistry,
  ) {
    if (options.maxConcurrent < 1) throw new RangeError(`bulkhead ${dependency}: maxConcurrent must be at least 1`);
    this.metrics = resilienceMetrics(registry);
    this.metrics.bulkheadActive.set({ dependency }, 0);
    this.metrics.bulkheadRejections.inc({ dependency }, 0);
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.queue.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.options.maxConcurrent) {
      this.take();
      return Promise.resolve();
    }
    if (this.queue.length >= this.options.maxQueue) return Promise.reject(this.reject('queue-full'));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          this.take();
          resolve();
        },
        timer: setTimeout(() => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(this.reject('queue-timeout'));
        }, this.options.queueTimeoutMs),
      };
      this.queue.push(waiter);
    });
  }

  private take(): void {
    this.active++;
    this.metrics.bulkheadActive.set({ dependency: this.dependency }, this.active);
  }

  private release(): void {
    this.active--;
    this.metrics.bulkheadActive.set({ dependency: this.dependency }, this.active);
    this.queue.shift()?.grant();
  }

  private reject(reason: 'queue-full' | 'queue-timeout'): BulkheadRejectedError {
    this.metrics.bulkheadRejections.inc({ dependency: this.dependency });
    return new BulkheadRejectedError(this.dependency, reason);
  }
}
