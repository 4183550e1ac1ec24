import { OffsetCommitter, type PartitionOffset } from './offset-committer';

/** A committer on a recording commit; `failNext` makes the next commit reject. */
function recording(intervalMs = 100) {
  const commits: PartitionOffset[][] = [];
  const errors: unknown[] = [];
  let failNext = false;
  let hold: Promise<void> | undefined;
  const committer = new OffsetCommitter({
    intervalMs,
    commit: async (offsets) => {
      if (hold) await hold;
      if (failNext) {
        failNext = false;
        throw new Error('coordinator moved');
      }
      commits.push(offsets);
    },
    onError: (error) => void errors.push(error),
  });
  return {
    committer,
    commits,
    errors,
    failNext: () => (failNext = true),
    holdCommits: () => {
      let release!: () => void;
      hold = new Promise<void>((resolve) => (release = resolve));
      return () => {
        hold = undefined;
        release();
      };
    },
  };
}

describe('OffsetCommitter', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("commits each partition's next offset once, when the interval is up, not per record", async () => {
    const { committer, commits } = recording(100);
    committer.handled('t', 0, '4');
    committer.handled('t', 0, '5');
    committer.handled('t', 3, '10');
    await jest.advanceTimersByTimeAsync(99);
    expect(commits).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(commits).toEqual([
      [
        { topic: 't', partition: 0, offset: '6' },
        { topic: 't', partition: 3, offset: '11' },
      ],
    ]);
    await jest.advanceTimersByTimeAsync(1000);
    expect(commits).toHaveLength(1);
  });

  it('never moves a partition back, and keeps offsets past 2^53 exact', async () => {
    const { committer, commits } = recording();
    committer.handled('t', 0, '9007199254740993');
    committer.handled('t', 0, '12');
    await committer.flush();
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '9007199254740994' }]]);
  });

  it('keeps one commit in flight: a flush during one waits, then commits what came meanwhile', async () => {
    const { committer, commits, holdCommits } = recording();
    const release = holdCommits();
    committer.handled('t', 0, '1');
    const first = committer.flush();
    committer.handled('t', 0, '2');
    const second = committer.flush();
    await jest.advanceTimersByTimeAsync(0);
    expect(commits).toEqual([]);
    release();
    await Promise.all([first, second]);
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '2' }], [{ topic: 't', partition: 0, offset: '3' }]]);
  });

  it('keeps the offsets of a failed commit, unless a newer one replaced them, and commits them on the next tick', async () => {
    const { committer, commits, errors, failNext, holdCommits } = recording(100);
    committer.handled('t', 0, '1');
    committer.handled('t', 1, '7');
    failNext();
    const release = holdCommits();
    const failed = committer.flush();
    committer.handled('t', 0, '3');
    release();
    await expect(failed).rejects.toThrow('coordinator moved');
    expect(committer.pendingPartitions).toBe(2);
    await jest.advanceTimersByTimeAsync(100);
    expect(errors).toEqual([]);
    expect(commits).toEqual([
      [
        { topic: 't', partition: 0, offset: '4' },
        { topic: 't', partition: 1, offset: '8' },
      ],
    ]);
  });

  it('tells onError of a failed timed commit', async () => {
    const { committer, errors, failNext } = recording(50);
    committer.handled('t', 0, '1');
    failNext();
    await jest.advanceTimersByTimeAsync(50);
    expect(errors).toHaveLength(1);
    expect(committer.pendingPartitions).toBe(1);
  });

  it('drops the partitions a new assignment does not keep', async () => {
    const { committer, commits } = recording();
    committer.handled('t', 0, '1');
    committer.handled('t', 1, '1');
    committer.handled('u', 0, '1');
    committer.retain((topic, partition) => topic === 't' && partition === 1);
    await committer.flush();
    expect(commits).toEqual([[{ topic: 't', partition: 1, offset: '2' }]]);
  });

  it('after stop, commits only when flushed', async () => {
    const { committer, commits } = recording(10);
    committer.handled('t', 0, '1');
    committer.stop();
    committer.handled('t', 0, '2');
    await jest.advanceTimersByTimeAsync(1000);
    expect(commits).toEqual([]);
    await committer.flush();
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '3' }]]);
  });

  it('while held, records offsets but commits nothing, even when flushed; resume commits them within the interval', async () => {
    const { committer, commits } = recording(100);
    committer.hold();
    committer.handled('t', 0, '1');
    await committer.flush();
    await jest.advanceTimersByTimeAsync(1000);
    expect(commits).toEqual([]);
    committer.resume();
    await jest.advanceTimersByTimeAsync(100);
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '2' }]]);
  });

  it('sends nothing when nothing is pending', async () => {
    const { committer, commits } = recording();
    await committer.flush();
    expect(commits).toEqual([]);
  });
});
