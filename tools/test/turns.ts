import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Turns between the shards of one `npm test` run (docs/decisions/0016): a readers–writer lock made
 * of files in the run's directory, so that it holds across the shards' jest processes. An exclusive
 * spec takes the writer's side (`exclusive/`, made with an atomic mkdir), a sensitive spec a
 * reader's (a file in `sensitive/`). Writers go first: a reader that sees `exclusive/` steps back,
 * so a waiting exclusive spec is never starved. A holder whose process has died is cleared.
 */

export interface TurnOptions {
  /** The run's directory for turns (e.g. `<LAB_TEST_RUN_DIR>/turns`); made when missing. */
  readonly dir: string;
  /** Who takes the turn, for the owner file and the timeout's message (a spec's key). */
  readonly owner: string;
  /** Give up after this long, with an error naming who holds the turn. */
  readonly timeoutMs: number;
  /** Poll interval; 500 ms by default. */
  readonly intervalMs?: number;
  /** The holder's process id; this process's by default. */
  readonly pid?: number;
}

/** A turn taken: `release()` gives it back; `waitedMs` is how long taking it took. */
export interface Turn {
  readonly waitedMs: number;
  release(): void;
}

/** A turn not had within the timeout: the message names who held it. */
export class TurnTimeoutError extends Error {
  override readonly name = 'TurnTimeoutError';
}

interface Holder {
  readonly pid: number;
  readonly owner: string;
}

const EXCLUSIVE = 'exclusive';
const SENSITIVE = 'sensitive';
const OWNER_FILE = 'owner.json';
/** An exclusive place made but never given its owner file for this long is a crashed taker's. */
const ORPHAN_PLACE_MS = 10_000;

/** True while process `pid` exists (signal 0 only checks). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Holder;
  } catch {
    // Not written yet (just made), or gone.
    return undefined;
  }
}

/** The exclusive holder, after clearing one whose process has died. */
function exclusiveHolder(dir: string): Holder | 'unknown' | undefined {
  const path = join(dir, EXCLUSIVE);
  if (!existsSync(path)) return undefined;
  const holder = readHolder(join(path, OWNER_FILE));
  const orphan = !holder && Date.now() - statSync(path, { throwIfNoEntry: false })!.mtimeMs > ORPHAN_PLACE_MS;
  if ((holder && !processAlive(holder.pid)) || orphan) {
    rmSync(path, { recursive: true, force: true });
    return undefined;
  }
  return holder ?? 'unknown';
}

/** The sensitive holders, after clearing those whose process has died. */
function sensitiveHolders(dir: string): Holder[] {
  const path = join(dir, SENSITIVE);
  if (!existsSync(path)) return [];
  const holders: Holder[] = [];
  for (const name of readdirSync(path)) {
    const holder = readHolder(join(path, name));
    if (holder && !processAlive(holder.pid)) rmSync(join(path, name), { force: true });
    else if (holder) holders.push(holder);
  }
  return holders;
}

async function poll<T>(
  options: TurnOptions,
  attempt: () => T | undefined,
  holding: () => string,
): Promise<{ value: T; waitedMs: number }> {
  const started = Date.now();
  for (;;) {
    const value = attempt();
    if (value !== undefined) return { value, waitedMs: Date.now() - started };
    if (Date.now() - started > options.timeoutMs)
      throw new TurnTimeoutError(
        `${options.owner}: no turn within ${Math.round(options.timeoutMs / 1000)} s; held by ${holding()}`,
      );
    await delay(options.intervalMs ?? 500);
  }
}

const describeHolders = (holders: ReadonlyArray<Holder | 'unknown' | undefined>): string =>
  holders
    .filter((h) => h !== undefined)
    .map((h) => (h === 'unknown' ? 'an exclusive spec starting' : `${h.owner} (pid ${h.pid})`))
    .join(', ') || 'nobody (it was being released)';

/**
 * Waits until no other exclusive spec and no sensitive spec holds a turn, then holds the exclusive
 * one. Throws TurnTimeoutError after `timeoutMs`.
 */
export async function takeExclusiveTurn(options: TurnOptions): Promise<Turn> {
  const me: Holder = { pid: options.pid ?? process.pid, owner: options.owner };
  mkdirSync(options.dir, { recursive: true });
  const path = join(options.dir, EXCLUSIVE);
  // First the writer's place (one at a time): from then on no new reader comes in ...
  const { waitedMs: placeMs } = await poll(
    options,
    () => {
      if (exclusiveHolder(options.dir) !== undefined) return undefined;
      try {
        mkdirSync(path);
      } catch {
        return undefined;
      }
      writeFileSync(join(path, OWNER_FILE), JSON.stringify(me));
      return true;
    },
    () => describeHolders([exclusiveHolder(options.dir)]),
  );
  // ... then the readers already in finish.
  try {
    const { waitedMs } = await poll(
      options,
      () => (sensitiveHolders(options.dir).length === 0 ? true : undefined),
      () => describeHolders(sensitiveHolders(options.dir)),
    );
    return { waitedMs: placeMs + waitedMs, release: () => rmSync(path, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(path, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Waits until no exclusive spec holds or waits for a turn, then holds a sensitive one (beside other
 * sensitive specs). Throws TurnTimeoutError after `timeoutMs`.
 */
export async function takeSensitiveTurn(options: TurnOptions): Promise<Turn> {
  const me: Holder = { pid: options.pid ?? process.pid, owner: options.owner };
  const dir = join(options.dir, SENSITIVE);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${me.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.json`);
  const { waitedMs } = await poll(
    options,
    () => {
      if (exclusiveHolder(options.dir) !== undefined) return undefined;
      writeFileSync(file, JSON.stringify(me));
      // An exclusive spec may have taken its place meanwhile: it goes first.
      if (exclusiveHolder(options.dir) === undefined) return true;
      rmSync(file, { force: true });
      return undefined;
    },
    () => describeHolders([exclusiveHolder(options.dir)]),
  );
  return { waitedMs, release: () => rmSync(file, { force: true }) };
}
