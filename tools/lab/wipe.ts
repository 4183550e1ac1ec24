import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Kafka, logLevel, type Admin, type GroupDescription } from 'kafkajs';
import { brokersOf, type LabConfig } from './config';
import { appPidFile, knownInstances } from './instances';
import { kafkaAnswers } from './kafka/admin';
import { allKafkaPaths } from './kafka/config';
import type { Log } from './log';
import { liveProcess } from './processes';
import { prometheusPaths } from './prometheus';
import { tracePaths } from './traces';
import { waitFor, WaitTimeoutError } from './wait';

/** One directory `down --wipe` removes, and what it holds. */
export interface WipeTarget {
  readonly what: string;
  readonly path: string;
}

/**
 * Everything under the state dir that carries one run of the lab into the next: the broker's KRaft
 * log dirs and metadata (every record, every committed offset: a poison record lives here), the
 * data-service store, the trace sink's spans, Prometheus's TSDB and generated config. `up` recreates
 * each from nothing. Logs (`<stateDir>/logs`) and the pid dir stay: they are not state.
 */
export function wipeTargets(config: LabConfig): WipeTarget[] {
  return [
    // Both layouts: a lone broker's `kafka`, a cluster's `kafka-1..3` (the log line names the path).
    ...allKafkaPaths(config).map((paths) => ({
      what: "the broker's data (KRaft log dirs, metadata, cluster id)",
      path: paths.dir,
    })),
    { what: 'the data-service store', path: join(config.stateDir, 'data') },
    { what: 'the trace files', path: tracePaths(config).dir },
    { what: "Prometheus's TSDB and config", path: prometheusPaths(config).dir },
  ];
}

/** A wipe that would remove what is not this lab's, or cannot finish safely; nothing more is removed. */
export class WipeRefusedError extends Error {
  readonly code = 'EWIPEREFUSED';
  override readonly name = 'WipeRefusedError';
}

/** The topics and consumer groups of one lab on a broker it does not own. */
export interface LabTopicsAdmin {
  /** Names of the topics and consumer groups on the broker that start with `prefix`. */
  list(prefix: string): Promise<{ topics: string[]; groups: string[] }>;
  /**
   * Deletes them (each group once it has no members: deleteGroupsOnceEmpty), then resolves once the
   * broker no longer lists those topics.
   */
  delete(topics: readonly string[], groups: readonly string[]): Promise<void>;
}

/**
 * How long a wipe waits for a consumer group's stale members to be dropped: a consumer stopped
 * without leaving (SIGKILL, a crash) stays a member until its session times out — 10 s for our
 * transport, 30 s (kafkajs's default) for Nest's stock one — plus slack for the broker's check.
 */
export const GROUP_EMPTY_TIMEOUT_MS = 45_000;

/** The calls of a kafkajs admin that deleteGroupsOnceEmpty makes. */
export type GroupsAdmin = Pick<Admin, 'describeGroups' | 'deleteGroups'>;

export interface DeleteGroupsOptions {
  readonly log: Log;
  /** Deadline for every group to have no members, in ms; GROUP_EMPTY_TIMEOUT_MS by default. */
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

/**
 * Deletes consumer groups once none has members. The broker refuses to delete a group with members
 * (NON_EMPTY_GROUP; kafkajs gives up at once with "Error in DeleteGroups"), and a killed consumer
 * stays one until its session times out: wait for that, saying so once. Throws WipeRefusedError
 * naming each member (client id, host) when a group still has some after `timeoutMs`, or when the
 * broker refuses a deletion; deletes nothing in the first case.
 */
export async function deleteGroupsOnceEmpty(
  admin: GroupsAdmin,
  groups: readonly string[],
  options: DeleteGroupsOptions,
): Promise<void> {
  if (groups.length === 0) return;
  const timeoutMs = options.timeoutMs ?? GROUP_EMPTY_TIMEOUT_MS;
  let busy: GroupDescription[] = [];
  let announced = false;
  try {
    await waitFor(
      async () => {
        busy = (await admin.describeGroups([...groups])).groups.filter((g) => g.members.length > 0);
        if (busy.length > 0 && !announced) {
          announced = true;
          options.log(
            `wipe: waiting up to ${timeoutMs / 1000} s for the members of ${busy.map((g) => g.groupId).join(', ')} to be dropped (a consumer stopped without leaving its group stays a member until its session times out)`,
          );
        }
        return busy.length === 0;
      },
      { timeoutMs, intervalMs: options.intervalMs ?? 500, what: 'consumer groups to have no members' },
    );
  } catch (error) {
    if (!(error instanceof WaitTimeoutError) || busy.length === 0) throw error;
    const members = busy.map(
      (g) => `${g.groupId} (${g.members.map((m) => `${m.clientId} from ${m.clientHost}`).join(', ')})`,
    );
    throw new WipeRefusedError(
      `Consumer groups still have members after ${timeoutMs / 1000} s: ${members.join('; ')}. Stop those consumers, then run npm run lab -- down --wipe again.`,
    );
  }
  try {
    await admin.deleteGroups([...groups]);
  } catch (error) {
    const failed = (error as { groups?: Array<{ groupId: string; error?: Error }> }).groups;
    if (!failed) throw error;
    throw new WipeRefusedError(
      `The broker refused to delete consumer groups: ${failed.map((g) => `${g.groupId} (${g.error?.message ?? 'unknown error'})`).join('; ')}. Run npm run lab -- down --wipe again.`,
    );
  }
}

/** The real one: kafkajs admin against `brokers`; `log` gets the wait for a group's members. */
export function kafkaTopicsAdmin(brokers: string, log: Log = () => undefined): LabTopicsAdmin {
  const admin = () =>
    new Kafka({
      clientId: 'jeeves-lab-wipe',
      brokers: brokers.split(',').map((b) => b.trim()),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      retry: { retries: 2 },
    }).admin();
  return {
    async list(prefix) {
      const a = admin();
      await a.connect();
      try {
        const [topics, { groups }] = await Promise.all([a.listTopics(), a.listGroups()]);
        return {
          topics: topics.filter((t) => t.startsWith(prefix)),
          groups: groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix)),
        };
      } finally {
        await a.disconnect();
      }
    },
    async delete(topics, groups) {
      const a = admin();
      await a.connect();
      try {
        await deleteGroupsOnceEmpty(a, groups, { log });
        if (topics.length > 0) await a.deleteTopics({ topics: [...topics], timeout: 30_000 });
        // Deletion is asynchronous on the broker: the next `up` must find the names free to create.
        await waitFor(async () => !(await a.listTopics()).some((t) => topics.includes(t)), {
          timeoutMs: 30_000,
          intervalMs: 250,
          what: `the broker to finish deleting ${topics.length} topics`,
        });
      } finally {
        await a.disconnect();
      }
    },
  };
}

export interface WipeOptions {
  readonly log: Log;
  /** Where DATABASE_URL comes from (the data-service store then lives in PostgreSQL, not here). */
  readonly env?: NodeJS.ProcessEnv;
  /** The broker's topics when Kafka is not this lab's; kafkaTopicsAdmin by default. */
  readonly topicsAdmin?: (brokers: string) => LabTopicsAdmin;
  /** True when a broker answers on `brokers`; kafkaAnswers by default. */
  readonly brokerAnswers?: (brokers: string) => Promise<boolean>;
}

export interface WipeResult {
  /** Directories removed. */
  readonly removed: readonly string[];
  /** What was not wiped, and how to wipe it, one line each. */
  readonly notes: readonly string[];
}

/** `path` is strictly inside `dir` (never `dir` itself, never beside or above it). */
function inside(dir: string, path: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** The dirs that mark a state dir as a lab's (ranALab); kept by `down` and by a wipe. */
const LAB_MARKS = ['pids', 'logs'] as const;

/**
 * Creates `<stateDir>/pids` and `<stateDir>/logs`, the marks a wipe looks for. `up` calls it before
 * anything else, so a lab that starts no process of its own there (a shared broker, no apps, no
 * Prometheus, tracing off) can still be wiped.
 */
export function markLabStateDir(stateDir: string): void {
  for (const dir of LAB_MARKS) mkdirSync(join(stateDir, dir), { recursive: true });
}

/**
 * A directory a lab has run in: `up` always leaves its `pids` and `logs` dirs there (markLabStateDir;
 * `down` keeps them). Anything else — a checkout (`LAB_STATE_DIR=.`, whose prometheus/ holds the rules), $HOME,
 * `/` — may hold a `data` or `prometheus` dir of someone else's.
 */
function ranALab(stateDir: string): boolean {
  return LAB_MARKS.every((dir) => {
    try {
      return statSync(join(stateDir, dir)).isDirectory();
    } catch {
      return false;
    }
  });
}

/** Processes of this lab still alive by their pid files (`down` should have stopped them all). */
function stillRunning(config: LabConfig): string[] {
  // The processes that write into the wiped dirs (Toxiproxy, say, keeps nothing on disk).
  const writers = [
    ...knownInstances(config).map((i) => appPidFile(config, i.id)),
    ...allKafkaPaths(config).map((paths) => paths.pidFile),
    prometheusPaths(config).pidFile,
    tracePaths(config).pidFile,
  ];
  return writers.filter((f) => liveProcess(f) !== undefined);
}

/**
 * Removes this lab's state after `down` (wipeTargets), so the next `up` starts from nothing. Never
 * touches anything outside `config.stateDir` nor the machine-wide cache (`config.cacheDir`), and
 * refuses (WipeRefusedError) while a process of this lab still runs, or when no lab ever ran in the
 * state dir. A broker this lab does not own (KAFKA_BROKERS, or
 * another lab's found on the port) keeps its data: with a topic prefix, this lab's topics and
 * consumer groups (`<prefix>.*`) are deleted through the admin API; without one they may be the
 * broker owner's too, so they are left and a note says how to wipe them.
 */
export async function wipeLab(config: LabConfig, options: WipeOptions): Promise<WipeResult> {
  const { log } = options;
  const running = stillRunning(config);
  if (running.length > 0)
    throw new WipeRefusedError(
      `Not wiping ${config.stateDir}: processes of this lab still run (${running.join(', ')}). Stop them with npm run lab -- down, then wipe again.`,
    );
  const present = wipeTargets(config).filter((t) => existsSync(t.path));
  if (present.length > 0 && !ranALab(config.stateDir))
    throw new WipeRefusedError(
      `Not wiping ${config.stateDir}: it is not a lab's state dir (no pids/ and logs/ of a lab that ran there), so its ${present.map((t) => relative(config.stateDir, t.path)).join(', ')} may be someone else's. Check LAB_STATE_DIR.`,
    );
  const removed: string[] = [];
  const notes: string[] = [];
  for (const target of wipeTargets(config)) {
    if (!inside(config.stateDir, target.path))
      throw new WipeRefusedError(`${target.path} is not inside the lab's state dir ${config.stateDir}; not removed.`);
    if (inside(target.path, config.cacheDir) || resolve(target.path) === resolve(config.cacheDir)) {
      notes.push(`kept ${target.path}: it holds the machine-wide cache (LAB_CACHE_DIR=${config.cacheDir})`);
      continue;
    }
    if (!existsSync(target.path)) continue;
    rmSync(target.path, { recursive: true, force: true });
    removed.push(target.path);
    log(`wipe: removed ${target.what} (${target.path})`);
  }

  // Our own broker is stopped by now: a broker that still answers on the lab's address is not ours.
  const brokers = brokersOf(config);
  const answers = options.brokerAnswers ?? kafkaAnswers;
  const external = config.externalBrokers !== undefined || (await answers(brokers));
  if (external) {
    const whose = config.externalBrokers
      ? `KAFKA_BROKERS=${config.externalBrokers}`
      : `another lab's broker on ${brokers}`;
    if (!config.topicPrefix) {
      notes.push(
        `Kafka is not this lab's (${whose}): its topics were not wiped, since a lab without a topic prefix shares jeeves.* with the broker's own lab. Wipe them with npm run lab -- down --wipe in the lab that runs that broker, or give this lab topics of its own with JEEVES_TOPIC_PREFIX.`,
      );
    } else if (!(await answers(brokers))) {
      notes.push(
        `Kafka is not this lab's (${whose}) and does not answer: the topics ${config.topicPrefix}.* were not deleted. Run npm run lab -- down --wipe again once it answers.`,
      );
    } else {
      const admin = options.topicsAdmin ? options.topicsAdmin(brokers) : kafkaTopicsAdmin(brokers, log);
      const { topics, groups } = await admin.list(`${config.topicPrefix}.`);
      await admin.delete(topics, groups);
      log(
        `wipe: deleted ${topics.length} topics and ${groups.length} consumer groups named ${config.topicPrefix}.* on ${whose}`,
      );
      notes.push(
        `Kafka is not this lab's (${whose}): deleted only this lab's topics and groups (${config.topicPrefix}.*).`,
      );
    }
  }
  const databaseUrl = (options.env ?? process.env).DATABASE_URL;
  if (databaseUrl)
    notes.push('The data-service store is the PostgreSQL database at DATABASE_URL: not wiped (drop its tables there).');
  return { removed, notes };
}
