import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadLabConfig, type LabConfig } from './config';
import { appPidFile } from './instances';
import { writePidFile } from './processes';
import type { GroupDescription } from 'kafkajs';
import {
  deleteGroupsOnceEmpty,
  type GroupsAdmin,
  markLabStateDir,
  type LabTopicsAdmin,
  wipeLab,
  WipeRefusedError,
  wipeTargets,
} from './wipe';

const quiet = (): void => undefined;
const noBroker = async (): Promise<boolean> => false;

function touch(path: string, text = 'x'): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/**
 * A state dir as a lab leaves it after `down`: broker data with a poison record (a lone broker's and
 * a three-broker cluster's, as a lab that ran both has), store, spans, TSDB, logs.
 */
function stoppedLab(root: string): LabConfig {
  const stateDir = join(root, 'state');
  for (const broker of ['kafka', 'kafka-1', 'kafka-2', 'kafka-3']) {
    touch(join(stateDir, broker, 'data', 'jeeves.messages.v1-0', '00000000000000000000.log'), 'poison');
    touch(join(stateDir, broker, 'data', 'meta.properties'));
    touch(join(stateDir, broker, 'cluster-id'));
  }
  touch(join(stateDir, 'data', 'jeeves.db'));
  touch(join(stateDir, 'traces', 'spans.jsonl'));
  touch(join(stateDir, 'prometheus', 'data', 'wal', '00000000'));
  touch(join(stateDir, 'prometheus', 'prometheus.yml'));
  touch(join(stateDir, 'logs', 'kafka-server.log'));
  mkdirSync(join(stateDir, 'pids'), { recursive: true });
  return loadLabConfig({ LAB_STATE_DIR: stateDir, LAB_CACHE_DIR: join(root, 'cache') });
}

class FakeTopics implements LabTopicsAdmin {
  readonly deleted: string[] = [];
  constructor(private readonly names: string[]) {}
  async list(prefix: string) {
    return { topics: this.names.filter((n) => n.startsWith(prefix)), groups: [`${prefix}jeeves-bot`] };
  }
  async delete(topics: readonly string[], groups: readonly string[]) {
    this.deleted.push(...topics, ...groups);
  }
}

describe('down --wipe: the next up starts from nothing', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'lab-wipe-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("removes the broker's data, the store, the traces and the TSDB; keeps logs, pids and all outside", async () => {
    const config = stoppedLab(root);
    touch(join(root, 'cache', 'kafka-4.1.1', 'libs', 'kafka.jar'));
    touch(join(root, 'beside-the-lab.txt'));
    const { removed, notes } = await wipeLab(config, { log: quiet, env: {}, brokerAnswers: noBroker });
    expect([...removed].sort()).toEqual(
      wipeTargets(config)
        .map((t) => t.path)
        .sort(),
    );
    expect(readdirSync(config.stateDir).sort()).toEqual(['logs', 'pids']);
    expect(existsSync(join(config.stateDir, 'logs', 'kafka-server.log'))).toBe(true);
    expect(existsSync(join(root, 'cache', 'kafka-4.1.1', 'libs', 'kafka.jar'))).toBe(true);
    expect(existsSync(join(root, 'beside-the-lab.txt'))).toBe(true);
    expect(notes).toEqual([]);
  });

  it('is a no-op on a state dir that holds nothing (wipe twice is safe)', async () => {
    const config = loadLabConfig({ LAB_STATE_DIR: join(root, 'empty'), LAB_CACHE_DIR: join(root, 'cache') });
    await expect(wipeLab(config, { log: quiet, env: {}, brokerAnswers: noBroker })).resolves.toEqual({
      removed: [],
      notes: [],
    });
  });

  it('refuses, removing nothing, a state dir no lab ran in (LAB_STATE_DIR=. in a checkout, or $HOME)', async () => {
    // A checkout: its prometheus/ holds the rules, data/ someone's files; no lab ever ran here.
    const checkout = join(root, 'checkout');
    touch(join(checkout, 'prometheus', 'rules', 'jeeves.rules.yml'), 'groups: []');
    touch(join(checkout, 'data', 'notes.txt'));
    touch(join(checkout, 'package.json'), '{}');
    const config = loadLabConfig({ LAB_STATE_DIR: checkout, LAB_CACHE_DIR: join(root, 'cache') });
    await expect(wipeLab(config, { log: quiet, env: {}, brokerAnswers: noBroker })).rejects.toThrow(
      /not a lab's state dir/,
    );
    expect(existsSync(join(checkout, 'prometheus', 'rules', 'jeeves.rules.yml'))).toBe(true);
    expect(existsSync(join(checkout, 'data', 'notes.txt'))).toBe(true);
  });

  it('wipes a lab that ran nothing of its own there (shared broker, no apps, no Prometheus): up marked it', async () => {
    // What `up` leaves for such a lab: the store dir it makes, Prometheus's dir, and its marks.
    const stateDir = join(root, 'shared');
    touch(join(stateDir, 'data', '.keep'));
    touch(join(stateDir, 'prometheus', 'targets.json'), '[]');
    markLabStateDir(stateDir);
    const config = loadLabConfig({ LAB_STATE_DIR: stateDir, LAB_CACHE_DIR: join(root, 'cache') });
    const { removed } = await wipeLab(config, { log: quiet, env: {}, brokerAnswers: noBroker });
    expect([...removed].sort()).toEqual([join(stateDir, 'data'), join(stateDir, 'prometheus')]);
    expect(readdirSync(stateDir).sort()).toEqual(['logs', 'pids']);
  });

  it('refuses, removing nothing, while a process of this lab still runs', async () => {
    const config = stoppedLab(root);
    // This test process stands in for a data-service that `down` failed to stop.
    writePidFile(appPidFile(config, 'data-service'), { pid: process.pid, marker: '', startedAt: '' });
    await expect(wipeLab(config, { log: quiet, env: {}, brokerAnswers: noBroker })).rejects.toThrow(WipeRefusedError);
    expect(existsSync(join(config.stateDir, 'data', 'jeeves.db'))).toBe(true);
    expect(existsSync(join(config.stateDir, 'kafka', 'data', 'meta.properties'))).toBe(true);
  });

  it('never removes the machine-wide cache, even when LAB_CACHE_DIR sits inside a wiped dir', async () => {
    const config = stoppedLab(root);
    const cacheInside = { ...config, cacheDir: join(config.stateDir, 'data', 'cache') };
    touch(join(cacheInside.cacheDir, 'prometheus-3', 'prometheus'));
    const { notes } = await wipeLab(cacheInside, { log: quiet, env: {}, brokerAnswers: noBroker });
    expect(existsSync(join(cacheInside.cacheDir, 'prometheus-3', 'prometheus'))).toBe(true);
    expect(notes).toEqual([expect.stringMatching(/^kept .*data: it holds the machine-wide cache/)]);
  });

  it("on another lab's broker, deletes only this lab's prefixed topics and groups", async () => {
    const config = { ...stoppedLab(root), topicPrefix: 't42' };
    const topics = new FakeTopics(['t42.jeeves.messages.v1', 't42.jeeves.dlq.v1', 'jeeves.messages.v1', 't420.x']);
    const { notes } = await wipeLab(config, {
      log: quiet,
      env: {},
      brokerAnswers: async () => true,
      topicsAdmin: () => topics,
    });
    expect(topics.deleted).toEqual(['t42.jeeves.messages.v1', 't42.jeeves.dlq.v1', 't42.jeeves-bot']);
    expect(notes).toEqual([expect.stringContaining('deleted only this lab')]);
  });

  it('on an external broker without a prefix, leaves the topics and says how to wipe them', async () => {
    const config = loadLabConfig({
      LAB_STATE_DIR: join(root, 'state'),
      LAB_CACHE_DIR: join(root, 'cache'),
      KAFKA_BROKERS: '127.0.0.1:19092',
    });
    const topics = new FakeTopics(['jeeves.messages.v1']);
    const { notes } = await wipeLab(config, {
      log: quiet,
      env: { DATABASE_URL: 'postgres://lab@localhost/jeeves' },
      brokerAnswers: async () => true,
      topicsAdmin: () => topics,
    });
    expect(topics.deleted).toEqual([]);
    expect(notes).toEqual([
      expect.stringMatching(/^Kafka is not this lab's \(KAFKA_BROKERS=127\.0\.0\.1:19092\): its topics were not wiped/),
      expect.stringMatching(/^The data-service store is the PostgreSQL database at DATABASE_URL: not wiped/),
    ]);
    expect(notes.join('\n')).not.toContain('postgres://');
  });
});

/**
 * A broker's group coordinator as a wipe sees it: `describeGroups` answers each group with the
 * members it still has (one killed consumer for the first `staleFor` looks), and `deleteGroups`
 * refuses a group with members as Kafka does (NON_EMPTY_GROUP, which kafkajs throws at once).
 */
class FakeGroups implements GroupsAdmin {
  looks = 0;
  readonly deleted: string[] = [];
  constructor(
    private readonly staleGroup: string,
    private readonly staleFor: number,
  ) {}
  private members(groupId: string) {
    if (groupId !== this.staleGroup || this.looks > this.staleFor) return [];
    const member = { memberId: 'm-1', clientId: 'jeeves-worker', clientHost: '/127.0.0.1' };
    return [{ ...member, memberMetadata: Buffer.alloc(0), memberAssignment: Buffer.alloc(0) }];
  }
  describeGroups = async (groupIds: string[]): Promise<{ groups: GroupDescription[] }> => {
    this.looks += 1;
    const describe = (groupId: string): GroupDescription => {
      const members = this.members(groupId);
      const state = members.length > 0 ? 'Stable' : 'Empty';
      return { groupId, members, protocol: '', protocolType: 'consumer', state };
    };
    return { groups: groupIds.map(describe) };
  };
  deleteGroups = async (groupIds: string[]) => {
    const busy = groupIds.filter((g) => this.members(g).length > 0);
    if (busy.length > 0)
      throw Object.assign(new Error('Error in DeleteGroups'), {
        groups: busy.map((groupId) => ({ groupId, errorCode: 68, error: new Error('The group is not empty') })),
      });
    this.deleted.push(...groupIds);
    return groupIds.map((groupId) => ({ groupId, errorCode: 0 }));
  };
}

describe('down --wipe on a shared broker: consumer groups with a killed member', () => {
  const groups = ['t42.jeeves-bot', 't42.jeeves-worker'];

  it("waits until the killed consumer's session has timed out, says so once, then deletes every group", async () => {
    const admin = new FakeGroups('t42.jeeves-worker', 3);
    const lines: string[] = [];
    await deleteGroupsOnceEmpty(admin, groups, { log: (l) => lines.push(l), intervalMs: 1, timeoutMs: 5000 });
    expect(admin.deleted).toEqual(groups);
    expect(admin.looks).toBe(4);
    expect(lines).toEqual([expect.stringMatching(/^wipe: waiting up to 5 s for the members of t42\.jeeves-worker /)]);
  });

  it('refuses, deleting no group, when a member stays past the deadline, and names it', async () => {
    const admin = new FakeGroups('t42.jeeves-worker', Infinity);
    const wipe = deleteGroupsOnceEmpty(admin, groups, { log: quiet, intervalMs: 1, timeoutMs: 20 });
    await expect(wipe).rejects.toThrow(WipeRefusedError);
    await expect(wipe).rejects.toThrow(
      /still have members after 0\.02 s: t42\.jeeves-worker \(jeeves-worker from \/127\.0\.0\.1\)\. Stop those consumers/,
    );
    expect(admin.deleted).toEqual([]);
  });

  it('asks nothing of the broker when there is no group', async () => {
    const admin = new FakeGroups('none', 0);
    await deleteGroupsOnceEmpty(admin, [], { log: quiet });
    expect(admin.looks).toBe(0);
  });
});
