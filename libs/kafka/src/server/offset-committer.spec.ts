import { OffsetCommitter, type PartitionOffset } from './offset-committer';

/** A committer on a recording commit; `failNext` makes the next commit reject. */
function recording(intervalMs = 100) {
  const commits: PartitionOffset[][] = [];
  const errors: unknown[] = [];
  let failNext: object | undefined;
  let hold: Promise<void> | undefined;
  const committer = new OffsetCommitter({
    intervalMs,
    commit: async (offsets) => {
      if (hold) await hold;
      if (failNext) {
        const fields = failNext;
        failNext = undefined;
        throw Object.assign(new Error('coordinator moved'), fields);
      }
      commits.push(offsets);
    },
    refusesMembership: (error) => (error as { type?: string }).type === 'UNKNOWN_MEMBER_ID',
    holdMs: 5000,
    onError: (error) => void errors.push(error),
  });
  return {
    committer,
    commits,
    errors,
    /** The next commit fails; with `refused`, as the group refusing this member. */
    failNext: (refused = false) => (failNext = refused ? { type: 'UNKNOWN_MEMBER_ID' } : {}),
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
    expect(errors).toHaveLength(1);
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

  it('commits only the partitions of the latest assignment, even ones put back by a failed commit', async () => {
    const { committer, commits, failNext, holdCommits } = recording();
    committer.handled('t', 0, '1');
    committer.handled('t', 1, '1');
    failNext();
    const release = holdCommits();
    const failed = committer.flush();
    committer.assign({ t: [1] });
    committer.handled('t', 0, '5');
    release();
    await expect(failed).rejects.toThrow();
    await committer.flush();
    expect(commits).toEqual([[{ topic: 't', partition: 1, offset: '2' }]]);
  });

  it('never sends a partition back below what it sent, as redelivered records are handled again', async () => {
    const { committer, commits } = recording();
    committer.assign({ t: [0] });
    committer.handled('t', 0, '99');
    await committer.flush();
    committer.assign({ t: [0] });
    committer.handled('t', 0, '60');
    await committer.flush();
    committer.handled('t', 0, '100');
    await committer.flush();
    expect(commits.map((c) => c[0]!.offset)).toEqual(['100', '101']);
  });

  it('holds after the group refuses this member, until the next assignment (or holdMs)', async () => {
    const { committer, commits, errors, failNext } = recording(100);
    committer.handled('t', 0, '1');
    failNext(true);
    await expect(committer.flush()).rejects.toThrow();
    committer.handled('t', 0, '2');
    await jest.advanceTimersByTimeAsync(1000);
    expect(commits).toEqual([]);
    committer.assign({ t: [0] });
    await jest.advanceTimersByTimeAsync(100);
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '3' }]]);
    expect(errors).toHaveLength(1);

    committer.handled('t', 0, '3');
    failNext(true);
    await expect(committer.flush()).rejects.toThrow();
    await jest.advanceTimersByTimeAsync(5000 + 100);
    expect(commits.at(-1)).toEqual([{ topic: 't', partition: 0, offset: '4' }]);
  });

  it('does not hold on a refusal of a commit sent before the member rejoined', async () => {
    const { committer, commits, failNext, holdCommits } = recording(100);
    committer.handled('t', 0, '1');
    failNext(true);
    const release = holdCommits();
    const late = committer.flush();
    committer.assign({ t: [0] });
    release();
    await expect(late).rejects.toThrow();
    await jest.advanceTimersByTimeAsync(100);
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '2' }]]);
  });

  it('reports the first failure of a run of them, not every retry', async () => {
    const { committer, errors, failNext } = recording(100);
    committer.handled('t', 0, '1');
    for (let i = 0; i < 3; i++) {
      failNext();
      await expect(committer.flush()).rejects.toThrow();
    }
    expect(errors).toHaveLength(1);
    await committer.flush();
    failNext();
    committer.handled('t', 0, '2');
    await expect(committer.flush()).rejects.toThrow();
    expect(errors).toHaveLength(2);
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

  it('while held, records offsets and commits nothing unless flushed at close; an assignment resumes', async () => {
    const { committer, commits } = recording(100);
    committer.hold();
    committer.handled('t', 0, '1');
    await committer.flush();
    await jest.advanceTimersByTimeAsync(1000);
    expect(commits).toEqual([]);
    committer.assign({ t: [0] });
    await jest.advanceTimersByTimeAsync(100);
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '2' }]]);
    committer.hold();
    committer.handled('t', 0, '2');
    await committer.flush(true);
    expect(commits.at(-1)).toEqual([{ topic: 't', partition: 0, offset: '3' }]);
  });

  it('sends nothing when nothing is pending', async () => {
    const { committer, commits } = recording();
    await committer.flush();
    expect(commits).toEqual([]);
  });
});
