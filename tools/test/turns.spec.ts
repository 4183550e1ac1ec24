import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive, takeExclusiveTurn, takeSensitiveTurn, type TurnOptions, TurnTimeoutError } from './turns';

/** A process id that no longer runs: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

/** Resolves to whether `promise` settled within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setTimeout(resolve, ms));
  return settled;
}

describe('turns between shards', () => {
  let dir: string;
  const options = (owner: string, extra: Partial<TurnOptions> = {}): TurnOptions => ({
    dir,
    owner,
    timeoutMs: 5_000,
    intervalMs: 10,
    ...extra,
  });

  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'turns-')), 'turns');
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('lets sensitive specs hold turns at once', async () => {
    const a = await takeSensitiveTurn(options('a'));
    const b = await takeSensitiveTurn(options('b'));
    expect([a.waitedMs, b.waitedMs].every((ms) => ms < 1000)).toBe(true);
    a.release();
    b.release();
  });

  it('keeps an exclusive spec waiting until the sensitive ones have released, and them out while it holds', async () => {
    const reader = await takeSensitiveTurn(options('reader'));
    const writer = takeExclusiveTurn(options('writer'));
    expect(await settlesWithin(writer, 100)).toBe(false);
    // The writer has its place: a new reader steps back (writers go first) ...
    const late = takeSensitiveTurn(options('late'));
    expect(await settlesWithin(late, 100)).toBe(false);
    reader.release();
    const held = await writer;
    expect(held.waitedMs).toBeGreaterThanOrEqual(100);
    // ... and comes in once the writer has released.
    expect(await settlesWithin(late, 100)).toBe(false);
    held.release();
    (await late).release();
  });

  it('lets one exclusive spec hold at a time', async () => {
    const first = await takeExclusiveTurn(options('first'));
    const second = takeExclusiveTurn(options('second'));
    expect(await settlesWithin(second, 100)).toBe(false);
    first.release();
    (await second).release();
  });

  it('clears a holder whose process has died, whichever side it held', async () => {
    const dead = deadPid();
    expect(processAlive(dead)).toBe(false);
    // Taken by a process that has died, never released: the next taker finds its process gone.
    await takeExclusiveTurn(options('crashed writer', { pid: dead }));
    (await takeSensitiveTurn(options('reader'))).release();
    await takeSensitiveTurn(options('crashed reader', { pid: dead }));
    (await takeExclusiveTurn(options('writer'))).release();
  });

  it('clears an exclusive place left without its owner file (a taker that crashed in between)', async () => {
    mkdirSync(join(dir, 'exclusive'), { recursive: true });
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'exclusive'), old, old);
    (await takeSensitiveTurn(options('reader'))).release();
  });

  it('gives up after its timeout, naming who holds the turn', async () => {
    const holder = await takeExclusiveTurn(options('test/integration/holder.spec.ts'));
    await expect(takeSensitiveTurn(options('waiter', { timeoutMs: 50 }))).rejects.toThrow(TurnTimeoutError);
    await expect(takeSensitiveTurn(options('waiter', { timeoutMs: 50 }))).rejects.toThrow(
      new RegExp(`waiter: no turn within 0 s; held by test/integration/holder.spec.ts \\(pid ${process.pid}\\)`),
    );
    holder.release();
  });

  it('gives back its place when it times out waiting for the sensitive specs', async () => {
    const reader = await takeSensitiveTurn(options('reader'));
    await expect(takeExclusiveTurn(options('writer', { timeoutMs: 50 }))).rejects.toThrow(/held by reader/);
    // The writer that gave up no longer keeps readers out.
    (await takeSensitiveTurn(options('another reader'))).release();
    reader.release();
  });
});
