/** One partition's next offset to commit: the offset after the last record handled in it. */
export interface PartitionOffset {
  topic: string;
  partition: number;
  /** The next record's offset, a decimal string (Kafka's committed offset is "the next one to read"). */
  offset: string;
}

/** How an OffsetCommitter commits and how often. */
export interface OffsetCommitterOptions {
  /** Sends one OffsetCommit request for these partitions (kafkajs `consumer.commitOffsets`); rejects on failure. */
  commit: (offsets: PartitionOffset[]) => Promise<void>;
  /**
   * Most milliseconds a handled offset waits before its commit starts (the Java client's
   * `auto.commit.interval.ms`, 5000 there). Bounds what a crash hands to the next owner again.
   */
  intervalMs: number;
  /** Told of a commit that failed; its offsets stay pending and go with the next commit. */
  onError: (error: unknown, offsets: readonly PartitionOffset[]) => void;
}

const key = (topic: string, partition: number): string => `${topic}|${partition}`;

/**
 * Commits handled offsets on a timer, off the fetch loop (ADR 0009). kafkajs's `eachMessage`
 * awaits an OffsetCommit after every batch, so at low batch sizes each hop pays a commit round trip
 * per record before its next fetch; here a handler's offset is recorded and the commit goes out at
 * most `intervalMs` later, one request in flight, carrying every partition's latest offset.
 * Offsets are recorded only after the effect, so a commit never runs ahead of the work
 * (at-least-once, as before); what a crash loses is at most one interval of commits, handled again
 * by the next owner (and skipped by the dedupe window when that is the same member).
 */
export class OffsetCommitter {
  private readonly pending = new Map<string, PartitionOffset & { next: bigint }>();
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private held = false;

  constructor(private readonly options: OffsetCommitterOptions) {}

  /** Records that the record at `offset` (decimal string) of `topic`/`partition` is handled; commits it within `intervalMs`. */
  handled(topic: string, partition: number, offset: string): void {
    const next = BigInt(offset) + 1n;
    const at = key(topic, partition);
    const known = this.pending.get(at);
    if (known && known.next >= next) return;
    this.pending.set(at, { topic, partition, offset: next.toString(), next });
    this.schedule();
  }

  /** Partitions whose handled offsets are not committed yet. */
  get pendingPartitions(): number {
    return this.pending.size;
  }

  /**
   * Drops the pending offsets of partitions `keep` refuses (call after a rebalance with the new
   * assignment): committing them would move another member's position back.
   */
  retain(keep: (topic: string, partition: number) => boolean): void {
    for (const [at, entry] of this.pending) if (!keep(entry.topic, entry.partition)) this.pending.delete(at);
  }

  /**
   * Stops committing until `resume` (the member is out of its group: a commit now would only fail,
   * and kafkajs is rejoining). Offsets handled meanwhile are still recorded.
   */
  hold(): void {
    this.held = true;
    this.clearTimer();
  }

  /** Commits again after `hold` (the member has rejoined); what is pending goes within `intervalMs`. */
  resume(): void {
    this.held = false;
    if (this.pending.size > 0) this.schedule();
  }

  /**
   * Commits everything pending now, after any commit in flight; resolves when the offsets pending at
   * the call are committed, at once while held. Rejects with the commit's error (the offsets stay pending).
   */
  async flush(): Promise<void> {
    this.clearTimer();
    if (this.held) return;
    while (this.inFlight) await this.inFlight.catch(() => undefined);
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending.clear();
    const offsets = batch.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
    const commit = this.options.commit(offsets).then(
      () => undefined,
      (error: unknown) => {
        // Put back what no newer handled offset has replaced, for the next commit.
        for (const entry of batch) {
          const at = key(entry.topic, entry.partition);
          if (!this.pending.has(at)) this.pending.set(at, entry);
        }
        if (this.pending.size > 0) this.schedule();
        throw error;
      },
    );
    this.inFlight = commit;
    try {
      await commit;
    } finally {
      if (this.inFlight === commit) this.inFlight = undefined;
    }
  }

  /** Stops the timer for good (the consumer is closing); `flush` still commits when called. */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private schedule(): void {
    if (this.timer || this.stopped || this.held) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((error: unknown) => this.options.onError(error, this.pendingOffsets()));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  private pendingOffsets(): PartitionOffset[] {
    return [...this.pending.values()].map(({ topic, partition, offset }) => ({ topic, partition, offset }));
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
