import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { CONSUMER_GROUPS, consumerGroupName, TOPIC_SPECS, TOPICS, topicName } from '#libs/contracts';
import {
  loadLabConfig,
  REPO_ROOT,
  type LabConfig,
  ensureTopics,
  kafkaPaths,
  down,
  openLab,
  up,
  type LabDescription,
} from '../../tools/lab';
import { lab, waitFor } from './support/lab';
import { freePort, runLabCli, type CliRun } from './support/lab-cli';
import { specLabOffset } from './support/settings';

/** `npm run lab -- <args>` with a lab's environment; a broker's controlled shutdown takes seconds (the CLI's own deadline is 30 s). */
function labCli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliRun> {
  return runLabCli(args, { env, timeoutMs: 90_000 });
}

const quiet = (): void => undefined;

/** Exit 0, or fail showing everything the CLI printed. */
function expectSuccess(run: CliRun): void {
  expect(`exit ${run.code}\n${run.stderr}${run.stdout}`).toMatch(/^exit 0\n/);
}
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The records `topic` holds (high minus low watermark, summed over partitions). A broker that has
 * just formatted its storage names a partition's leader before that leader serves it (NOT_LEADER),
 * so the offsets are polled with a deadline.
 */
function recordsIn(admin: Admin, topic: string): Promise<number> {
  return waitFor(
    async () => (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0),
    { timeoutMs: 30_000, what: `the offsets of ${topic}` },
  );
}

/**
 * `lab down --wipe` against real brokers. Two small labs of this spec's own, beside the test lab:
 * state in a temp dir, no apps, no Prometheus, no trace sink or Zipkin (the broker's data is what a
 * wipe must prove on a broker; the other dirs are unit-tested in tools/lab/wipe.spec.ts).
 *
 * - A lab with its own broker (OS-picked ports): a malformed record on the messages topic — the
 *   poison record of issue 11 — and a committed offset survive `down` + `up`; after `down --wipe`
 *   (the real CLI) + `up` the broker is a new one (another cluster id) with empty topics and no groups.
 * - A lab with a topic prefix on the test lab's broker: `down --wipe` deletes its `<prefix>.*`
 *   topics and groups — one of them with the stale member of a SIGKILLed consumer, which it waits
 *   out — and nothing else: not another prefix that merely starts with the same characters, not the
 *   test lab's; the next `up` recreates its topics empty, and a wipe after a plain `down` (no
 *   lab.json) finds the broker still another lab's and deletes them again.
 */
describe('lab down --wipe: the next up starts from nothing', () => {
  let root: string;
  /** The labs this spec brought up, so afterAll can take them down whatever failed. */
  const started = new Map<string, NodeJS.ProcessEnv>();
  const otherTopics: string[] = [];
  /** Consumers this spec spawned (and SIGKILLs itself); afterAll kills any still alive. */
  const children: ChildProcess[] = [];
  const savedEnv = { ...process.env };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'lab-wipe-'));
    // `up` reads these from the process environment: leave out what this spec does not need.
    process.env.LAB_TRACING = 'off';
    process.env.LAB_TRACE_UI = 'off';
    // A path that does not run: Prometheus is left out at once, with a note (never built).
    process.env.PROMETHEUS_BIN = join(root, 'no-prometheus');
    for (const name of ['LAB_OTLP_SINK_PORT', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'])
      delete process.env[name];
  });

  afterAll(async () => {
    const failures: unknown[] = [];
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const env of started.values()) await down(openLab(env), quiet).catch((e: unknown) => failures.push(e));
    if (otherTopics.length > 0) {
      const admin = new Kafka({ brokers: lab().brokers.split(','), logLevel: logLevel.NOTHING }).admin();
      await admin
        .connect()
        .then(async () => {
          const left = (await admin.listTopics()).filter((t) => otherTopics.includes(t));
          if (left.length > 0) await admin.deleteTopics({ topics: left });
        })
        .catch((e: unknown) => failures.push(e))
        .finally(() => admin.disconnect());
    }
    process.env = savedEnv;
    rmSync(root, { recursive: true, force: true });
    if (failures.length > 0) throw new Error(`cleanup failed: ${failures.map(String).join('; ')}`);
  });

  /** A lab's environment: its own state dir and ports, nothing inherited that names another lab. */
  function labEnv(name: string, settings: Record<string, string>): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, LAB_STATE_DIR: join(root, name), ...settings };
    for (const key of ['KAFKA_BROKERS', 'JEEVES_TOPIC_PREFIX', 'PROMETHEUS_PORT', 'ZIPKIN_PORT'])
      if (!(key in settings)) delete env[key];
    return env;
  }

  /**
   * Starts a kafkajs consumer in its own process (session timeout 6 s, the broker's minimum), waits
   * until it has joined `groupId`, then SIGKILLs it: it leaves no LeaveGroup, only a stale member.
   */
  async function killedConsumer(brokers: string, groupId: string, topic: string): Promise<void> {
    const script = `
      const { Kafka, logLevel } = require('kafkajs');
      const [brokers, groupId, topic] = process.argv.slice(1);
      const kafka = new Kafka({ clientId: 'wipe-spec-killed', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
      const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
      consumer.on(consumer.events.GROUP_JOIN, () => process.stdout.write('joined\\n'));
      consumer.connect()
        .then(() => consumer.subscribe({ topic, fromBeginning: true }))
        .then(() => consumer.run({ eachMessage: async () => undefined }))
        .catch((error) => { process.stderr.write(String(error)); process.exit(1); });`;
    const child = spawn(process.execPath, ['-e', script, brokers, groupId, topic], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`the consumer exited (${child.exitCode}): ${output}`);
        return output.includes('joined');
      },
      { timeoutMs: 30_000, what: `a consumer to join ${groupId}` },
    );
    child.kill('SIGKILL');
    await new Promise((resolve) => (child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  }

  async function labUp(env: NodeJS.ProcessEnv): Promise<{ config: LabConfig; lab: LabDescription }> {
    const config = loadLabConfig(env);
    started.set(config.stateDir, env);
    return { config, lab: await up(config, { log: quiet, apps: [], readyTimeoutMs: 60_000 }) };
  }

  it('own broker: a poison record survives down and up, and is gone after down --wipe and up', async () => {
    // Its offset binds nothing here (no apps, no Prometheus, no sink); the broker's ports are free ones.
    const env = labEnv('own', {
      LAB_PORT_OFFSET: String(specLabOffset('wipeOwnBroker')),
      KAFKA_PORT: String(await freePort()),
      KAFKA_CONTROLLER_PORT: String(await freePort()),
    });
    const first = await labUp(env);
    expect(first.lab.kafkaMode).toBe('started');
    const topic = TOPICS.messages;
    const group = consumerGroupName(CONSUMER_GROUPS.dataService);
    const kafka = new Kafka({ clientId: 'wipe-spec', brokers: [first.lab.brokers], logLevel: logLevel.NOTHING });
    // Not JSON, not UTF-8: a record no handler can parse, as a jammed consumer would find it.
    const poison = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x00, 0x6a]);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'poison', value: poison, partition: 0 }] });
    await producer.disconnect();
    let admin = kafka.admin();
    await admin.connect();
    // The consumer that jams on it has committed up to it (it is the next record to deliver).
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '0' }] });
    const clusterBefore = (await admin.describeCluster()).clusterId;
    await admin.disconnect();
    expect(readFileSync(kafkaPaths(first.config).clusterIdFile, 'utf8').trim()).toBe(clusterBefore);

    // Plain down and up: the same broker data, the record and the group's offset still there.
    await down(first.config, quiet);
    const second = await labUp(env);
    admin = kafka.admin();
    await admin.connect();
    try {
      expect((await admin.describeCluster()).clusterId).toBe(clusterBefore);
      expect(await recordsIn(admin, topic)).toBe(1);
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      expect(committed.partitions.find((p) => p.partition === 0)?.offset).toBe('0');
    } finally {
      await admin.disconnect();
    }
    // Short fetch waits: disconnect waits for the fetch in flight (5 s by default).
    const reader = kafka.consumer({ groupId: `wipe-spec-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
    const redelivered: Buffer[] = [];
    await reader.connect();
    try {
      await reader.subscribe({ topic, fromBeginning: true });
      await reader.run({ eachMessage: async ({ message }) => void redelivered.push(message.value ?? Buffer.alloc(0)) });
      await waitFor(() => redelivered.length > 0, {
        timeoutMs: 30_000,
        what: 'the poison record to be delivered again',
      });
    } finally {
      await reader.disconnect();
    }
    expect(redelivered).toEqual([poison]);
    expect(second.lab.brokers).toBe(first.lab.brokers);

    // down --wipe, as a user types it.
    const wiped = await labCli(env, 'down', '--wipe');
    expectSuccess(wiped);
    const stateDir = second.config.stateDir;
    expect(wiped.stdout.trim()).toMatch(
      new RegExp(
        `^Lab down and wiped \\(${escape(stateDir)}\\): removed \\d+ dirs; the next up starts from nothing\\.$`,
      ),
    );
    expect(wiped.stderr).toContain('kafka: stopping broker');
    expect(wiped.stderr).toContain(
      `wipe: removed the broker's data (KRaft log dirs, metadata, cluster id) (${join(stateDir, 'kafka')})`,
    );
    expect(existsSync(join(stateDir, 'kafka'))).toBe(false);
    expect(existsSync(join(stateDir, 'logs', 'kafka-server.log'))).toBe(true);

    const third = await labUp(env);
    expect(third.lab.kafkaMode).toBe('started');
    admin = kafka.admin();
    await admin.connect();
    try {
      const clusterAfter = (await admin.describeCluster()).clusterId;
      expect(clusterAfter).not.toBe(clusterBefore);
      expect(readFileSync(kafkaPaths(third.config).clusterIdFile, 'utf8').trim()).toBe(clusterAfter);
      for (const spec of TOPIC_SPECS) expect(await recordsIn(admin, spec.name)).toBe(0);
      expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(group);
    } finally {
      await admin.disconnect();
    }
    await down(third.config, quiet);
    started.delete(third.config.stateDir);
  }, 240_000);

  it('own broker: formats and starts with a cluster id that begins with "-" (one random id in 64 did, and format refused it)', async () => {
    const env = labEnv('dash-id', {
      LAB_PORT_OFFSET: String(specLabOffset('wipeSecond')),
      KAFKA_PORT: String(await freePort()),
      KAFKA_CONTROLLER_PORT: String(await freePort()),
    });
    // The id an older lab may have written: base64url of 16 bytes whose first six bits are 62.
    const clusterId = Buffer.from([0xf8, ...Array.from({ length: 15 }, (_, i) => i * 17)]).toString('base64url');
    expect(clusterId.startsWith('-')).toBe(true);
    const idFile = kafkaPaths(loadLabConfig(env)).clusterIdFile;
    mkdirSync(dirname(idFile), { recursive: true });
    writeFileSync(idFile, `${clusterId}\n`);
    const { config, lab: dashLab } = await labUp(env);
    expect(dashLab.kafkaMode).toBe('started');
    const admin = new Kafka({ clientId: 'wipe-spec', brokers: [dashLab.brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      expect((await admin.describeCluster()).clusterId).toBe(clusterId);
    } finally {
      await admin.disconnect();
    }
    await down(config, quiet);
    started.delete(config.stateDir);
  }, 120_000);

  it("another lab's broker: down --wipe deletes only this lab's <prefix>.* topics and groups", async () => {
    const test = lab();
    const sharesPort = test.brokers === `127.0.0.1:${test.kafkaPort}`;
    const prefix = `wipe${Date.now()}`;
    // Starts with the same characters but is another lab's: only `<prefix>.` names are this lab's.
    const otherPrefix = `${prefix}x`;
    const env = labEnv('shared', {
      LAB_PORT_OFFSET: String(specLabOffset('wipeSecond')),
      JEEVES_TOPIC_PREFIX: prefix,
      // The test lab's broker is found on the port (as another lab's is), or named like the test lab's.
      ...(sharesPort ? { KAFKA_PORT: String(test.kafkaPort) } : { KAFKA_BROKERS: test.brokers }),
    });
    const { config, lab: ours } = await labUp(env);
    expect(ours.kafkaMode).toBe('external');
    const kafka = new Kafka({ clientId: 'wipe-spec', brokers: test.brokers.split(','), logLevel: logLevel.NOTHING });
    // A fresh admin per look: a kafkajs admin that has used a topic asks for its metadata on every
    // later call and throws once someone else has deleted it.
    const withAdmin = async <T>(look: (admin: Admin) => Promise<T>): Promise<T> => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        return await look(admin);
      } finally {
        await admin.disconnect();
      }
    };
    const topicsNow = (): Promise<string[]> => withAdmin((a) => a.listTopics());
    const groupsNow = (): Promise<string[]> =>
      withAdmin(async (a) => (await a.listGroups()).groups.map((g) => g.groupId));
    const mine = TOPIC_SPECS.map((s) => topicName(s.name, prefix));
    const theirs = TOPIC_SPECS.map((s) => topicName(s.name, otherPrefix));
    otherTopics.push(...theirs);
    // The other lab's topics, created as its `up` creates them.
    await ensureTopics(test.brokers, otherPrefix, quiet);
    const myGroups: string[] = [CONSUMER_GROUPS.bot, CONSUMER_GROUPS.worker].map((g) => consumerGroupName(g, prefix));
    const theirGroup = consumerGroupName(CONSUMER_GROUPS.worker, otherPrefix);
    const messages = topicName(TOPICS.messages, prefix);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic: messages, acks: -1, messages: [{ key: 'poison', value: Buffer.from([0xff]) }] });
    await producer.disconnect();
    // kafkajs's setOffsets joins the group and waits out one fetch (about 5 s): the groups in parallel.
    const commitAt0 = (groupId: string, topic: string): Promise<void> =>
      withAdmin((a) => a.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '0' }] }));
    await Promise.all([...myGroups.map((g) => commitAt0(g, messages)), commitAt0(theirGroup, theirs[0])]);
    // A consumer of this lab killed mid-session (`lab kill`, a crash): the broker keeps it as a
    // member of its group until its session times out, and a group with members cannot be deleted.
    const killedGroup = consumerGroupName(CONSUMER_GROUPS.dataService, prefix);
    myGroups.push(killedGroup);
    await killedConsumer(test.brokers, killedGroup, messages);
    const [described] = await withAdmin(async (a) => (await a.describeGroups([killedGroup])).groups);
    expect(described.members).toHaveLength(1);
    expect(await groupsNow()).toEqual(expect.arrayContaining([...myGroups, theirGroup]));
    expect(await topicsNow()).toEqual(expect.arrayContaining([...mine, ...theirs]));

    const wiped = await labCli(env, 'down', '--wipe');
    expectSuccess(wiped);
    expect(wiped.stderr).toContain(
      `wipe: deleted ${mine.length} topics and ${myGroups.length} consumer groups named ${prefix}.*`,
    );
    expect(wiped.stdout).toContain(`deleted only this lab's topics and groups (${prefix}.*)`);
    expect(wiped.stderr).toContain(`wipe: waiting up to 45 s for the members of ${killedGroup} to be dropped`);
    expect(wiped.stderr).not.toContain('kafka: stopping broker');

    const topicsAfter = await topicsNow();
    expect(topicsAfter.filter((t) => t.startsWith(`${prefix}.`))).toEqual([]);
    expect(topicsAfter).toEqual(expect.arrayContaining([...theirs, test.topic(TOPICS.messages)]));
    const groupsAfter = await groupsNow();
    expect(groupsAfter.filter((g) => g.startsWith(`${prefix}.`))).toEqual([]);
    expect(groupsAfter).toContain(theirGroup);
    expect(existsSync(join(config.stateDir, 'kafka'))).toBe(false);

    // The names are free again: the next up creates them, empty.
    await labUp(env);
    expect(await topicsNow()).toEqual(expect.arrayContaining(mine));
    expect(await withAdmin((a) => recordsIn(a, messages))).toBe(0);
    // A wipe after a plain down (no lab.json left to say whose broker it is): the broker still
    // answers on the lab's port, so it is another lab's, and only <prefix>.* goes again.
    await down(config, quiet);
    started.delete(config.stateDir);
    const again = await labCli(env, 'down', '--wipe');
    expectSuccess(again);
    expect(again.stdout).toContain(`deleted only this lab's topics and groups (${prefix}.*)`);
    expect((await topicsNow()).filter((t) => t.startsWith(`${prefix}.`))).toEqual([]);
    expect(await topicsNow()).toEqual(expect.arrayContaining(theirs));
  }, 180_000);
});
