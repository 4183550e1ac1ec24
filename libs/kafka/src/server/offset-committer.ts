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
  /**
   * True for an error by which the group refuses this member's generation (a rebalance, an
   * eviction): the committer then holds until the next `assign`, or `holdMs` at most.
   */
  refusesMembership: (error: unknown) => boolean;
  /** Longest hold after a refusal, in ms, in case no join is reported (default 10 000, a session timeout). */
  holdMs?: number;
  /** Told of the first commit that fails after one that did not; its offsets stay pending. */
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
  /** Per partition, the highest next offset committed or in flight: nothing at or below it is sent again. */
  private readonly floor = new Map<string, bigint>();
  /** The partitions of the last assignment (undefined until one is known); others are never committed. */
  private assigned: ReadonlySet<string> | undefined;
  /** Bumped by every `assign`: a refusal of a commit sent before the latest join is old news. */
  private generation = 0;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private holdTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private held = false;
  private failing = false;

  constructor(private readonly options: OffsetCommitterOptions) {}

  /** Records that the record at `offset` (decimal string) of `topic`/`partition` is handled; commits it within `intervalMs`. */
  handled(topic: string, partition: number, offset: string): void {
    const next = BigInt(offset) + 1n;
    const at = key(topic, partition);
    if (this.assigned && !this.assigned.has(at)) return;
    if ((this.floor.get(at) ?? -1n) >= next) return;
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
   * The member's new assignment (kafkajs's GROUP_JOIN `memberAssignment`: topic → partitions). From
   * now on only those partitions are committed — another member's position is never moved — and a
   * hold ends (the member is back in its group).
   */
  assign(assignment: Readonly<Record<string, readonly number[]>>): void {
    const assigned = new Set(
      Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => key(topic, p))),
    );
    this.assigned = assigned;
    this.generation++;
    for (const at of [...this.pending.keys()]) if (!assigned.has(at)) this.pending.delete(at);
    // A partition that comes back may have moved on under another member: forget what we sent.
    for (const at of [...this.floor.keys()]) if (!assigned.has(at)) this.floor.delete(at);
    this.resume();
  }

  /**
   * Stops committing until the next `assign` (or `holdMs`): the member is out of its group (a crash,
   * a refused generation) and a commit would only fail. Offsets handled meanwhile are still recorded.
   */
  hold(): void {
    this.held = true;
    this.clearTimer();
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => this.resume(), this.options.holdMs ?? 10_000);
    this.holdTimer.unref();
  }

  /**
   * Commits everything pending now, after any commit in flight; resolves when the offsets pending at
   * the call are committed, at once while held unless `evenIfHeld` (the last try at close). Rejects
   * with the commit's error (the offsets stay pending).
   */
  async flush(evenIfHeld = false): Promise<void> {
    this.clearTimer();
    while (this.inFlight) await this.inFlight.catch(() => undefined);
    if ((this.held && !evenIfHeld) || this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending.clear();
    for (const entry of batch) this.floor.set(key(entry.topic, entry.partition), entry.next);
    const sentIn = this.generation;
    const offsets = batch.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
    const commit = this.options.commit(offsets).then(
      () => {
        this.failing = false;
      },
      (error: unknown) => {
        // Put back what is still ours and no newer handled offset has replaced, for the next commit.
        for (const entry of batch) {
          const at = key(entry.topic, entry.partition);
          if (this.assigned && !this.assigned.has(at)) continue;
          if (!this.pending.has(at)) this.pending.set(at, entry);
        }
        if (this.options.refusesMembership(error) && sentIn === this.generation) this.hold();
        else if (this.pending.size > 0) this.schedule();
        if (!this.failing) this.options.onError(error, offsets);
        this.failing = true;
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

  /** Stops the timers for good (the consumer is closing); `flush` still commits when called. */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
    if (this.holdTimer) clearTimeout(this.holdTimer);
  }

  private resume(): void {
    this.held = false;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    if (this.pending.size > 0) this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.stopped || this.held) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Failures are reported through onError (by flush) and their offsets kept.
      this.flush().catch(() => undefined);
    }, this.options.intervalMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
