import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { brokersOf, KAFKA_BROKER_PORT_STRIDE, type LabConfig } from '../config';
import type { Log } from '../log';
import { killProcess, liveProcess, startRecorded, stopRecorded, tailFile } from '../processes';
import { waitFor } from '../wait';
import { clusterNodeIds, kafkaAnswers } from './admin';
import {
  allKafkaPaths,
  clusterIdFile,
  kafkaNodeNamed,
  kafkaNodes,
  kafkaPaths,
  log4jProperties,
  serverProperties,
  type KafkaNode,
  type KafkaPaths,
} from './config';
import { KafkaSetupError } from './errors';
import { checkJava, ensureKafkaJars } from './install';

/** Running the brokers: the JVM's arguments, formatting storage once, start, readiness, stop, kill. */

const JVM_HEAP = ['-Xms256m', '-Xmx512m'];
/** Each of a cluster's three JVMs: three 512 MiB heaps would be most of a small machine's spare memory. */
const CLUSTER_JVM_HEAP = ['-Xms128m', '-Xmx384m'];

function jvmArgs(paths: KafkaPaths, libs: string, heap: readonly string[] = JVM_HEAP): string[] {
  return [
    ...heap,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${paths.log4j}`,
    `-Dkafka.logs.dir=${join(paths.dir, 'logs')}`,
    '-cp',
    `${libs}/*`,
  ];
}

/**
 * A Kafka cluster id: 16 random bytes in URL-safe base64 without padding (22 characters), never
 * starting with `-` (Kafka's own `Uuid.randomUuid` rule: command-line parsers take such a value for
 * an option; one id in 64 did, and `kafka-storage format` refused it).
 */
export function newClusterId(random: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = random().toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * The StorageTool arguments that format `properties` for `clusterId`. The id goes as
 * `--cluster-id=<id>`, one argument: an id written by an older lab may start with `-`.
 */
export function storageFormatArgs(clusterId: string, properties: string): string[] {
  return [
    'kafka.tools.StorageTool',
    'format',
    `--cluster-id=${clusterId}`,
    '--config',
    properties,
    '--ignore-formatted',
  ];
}

function formatStorage(node: KafkaNode, clusterIdPath: string, libs: string, log: Log): void {
  const { paths } = node;
  if (existsSync(join(paths.dataDir, 'meta.properties'))) return;
  let clusterId = existsSync(clusterIdPath) ? readFileSync(clusterIdPath, 'utf8').trim() : '';
  if (!clusterId) {
    clusterId = newClusterId();
    mkdirSync(dirname(clusterIdPath), { recursive: true });
    writeFileSync(clusterIdPath, clusterId + '\n');
  }
  log(`kafka: formatting ${node.name}'s storage (cluster ${clusterId})`);
  const result = spawnSync('java', [...jvmArgs(paths, libs), ...storageFormatArgs(clusterId, paths.properties)], {
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new KafkaSetupError(
      `Formatting Kafka storage failed (exit ${result.status}):\n${result.stdout}${result.stderr}\nDelete ${paths.dir} to start from scratch.`,
    );
  }
}

/** True when something accepts a TCP connection on 127.0.0.1:`port` within a second. Never throws. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolvePort(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolvePort(false);
    });
    socket.once('error', () => resolvePort(false));
  });
}

/** How the lab reaches Kafka this time. */
export interface KafkaState {
  readonly brokers: string;
  /** `started`/`running`: our broker; `external`: KAFKA_BROKERS or a broker someone else started. */
  readonly mode: 'started' | 'running' | 'external';
  readonly pid?: number;
}

/** How `startKafka` reports and how long it waits. */
export interface StartKafkaOptions {
  readonly log: Log;
  /** Deadline for the broker to answer after the JVM starts. */
  readonly readyTimeoutMs?: number;
}

/**
 * Brings up the lab's broker(s) unless they are already there: KAFKA_BROKERS → use that cluster; our
 * pids alive → leave them (a cluster's missing nodes are started); a lone broker's port taken by
 * another Kafka (say, the default lab's broker, seen from the test lab) → share it; otherwise fetch
 * jars, write each node's config, format once and start the JVMs. Throws KafkaSetupError when this
 * state dir runs the other layout (a lone broker when LAB_BROKERS=3, or the reverse).
 */
export async function startKafka(config: LabConfig, options: StartKafkaOptions): Promise<KafkaState> {
  const { log } = options;
  if (config.externalBrokers) {
    log(`kafka: using external cluster ${config.externalBrokers} (KAFKA_BROKERS)`);
    await waitFor(() => kafkaAnswers(config.externalBrokers ?? ''), {
      timeoutMs: 30_000,
      intervalMs: 1000,
      what: `Kafka at ${config.externalBrokers} (KAFKA_BROKERS) to answer`,
    });
    return { brokers: config.externalBrokers, mode: 'external' };
  }
  const nodes = kafkaNodes(config);
  const brokers = brokersOf(config);
  refuseOtherLayout(config, nodes);
  const running = nodes.map((node) => liveProcess(node.paths.pidFile));
  if (running.every(Boolean)) {
    await waitNodesReady(config, nodes, options.readyTimeoutMs);
    return { brokers, mode: 'running', pid: running[0]?.pid };
  }
  if (nodes.length === 1 && (await portInUse(config.kafkaPort))) {
    if (await kafkaAnswers(brokers)) {
      log(`kafka: a broker not started by this lab already answers on ${brokers}; sharing it`);
      return { brokers, mode: 'external' };
    }
    throw new KafkaSetupError(
      `Port ${config.kafkaPort} is taken by something that is not a Kafka broker. Free it, or set KAFKA_PORT to another port.`,
    );
  }
  const missing = nodes.filter((_, i) => !running[i]);
  for (const node of missing)
    for (const port of [node.port, node.controllerPort])
      if (await portInUse(port))
        throw new KafkaSetupError(
          `Port ${port} (${node.name}) is taken by another process. Free it, or set KAFKA_PORT and KAFKA_CONTROLLER_PORT to other ports (broker N uses both plus ${KAFKA_BROKER_PORT_STRIDE} × (N − 1)).`,
        );
  checkJava();
  const libs = await ensureKafkaJars(config, log);
  for (const node of missing) prepareNode(config, node, libs, log);
  const pids = missing.map((node) => launchNode(config, node, libs, log));
  await waitNodesReady(config, nodes, options.readyTimeoutMs);
  return { brokers, mode: 'started', pid: running[0]?.pid ?? pids[0] };
}

/** Throws when this state dir's other layout runs: a lone broker and a cluster would share ports. */
function refuseOtherLayout(config: LabConfig, nodes: readonly KafkaNode[]): void {
  const ours = new Set(nodes.map((node) => node.paths.pidFile));
  const other = allKafkaPaths(config).find((paths) => !ours.has(paths.pidFile) && liveProcess(paths.pidFile));
  if (other)
    throw new KafkaSetupError(
      `This lab already runs ${config.brokerCount === 1 ? 'a Kafka cluster' : 'a single Kafka broker'} (pid file ${other.pidFile}); LAB_BROKERS=${config.brokerCount} asks for ${config.brokerCount === 1 ? 'one broker' : `${config.brokerCount} brokers`}. Run \`npm run lab -- down\` first.`,
    );
}

/** Writes a node's server.properties and log4j settings, and formats its storage once. */
function prepareNode(config: LabConfig, node: KafkaNode, libs: string, log: Log): void {
  mkdirSync(node.paths.dataDir, { recursive: true });
  mkdirSync(join(config.stateDir, 'logs'), { recursive: true });
  writeFileSync(node.paths.properties, serverProperties(config, node));
  writeFileSync(node.paths.log4j, log4jProperties(node.paths));
  formatStorage(node, clusterIdFile(config), libs, log);
}

function launchNode(config: LabConfig, node: KafkaNode, libs: string, log: Log): number {
  const heap = config.brokerCount === 1 ? JVM_HEAP : CLUSTER_JVM_HEAP;
  log(
    `kafka: starting ${node.name === 'kafka' ? 'broker' : node.name} on 127.0.0.1:${node.port} (node.id ${node.id}, heap ${heap.join(' ')})`,
  );
  return startRecorded(node.paths, {
    command: 'java',
    args: [...jvmArgs(node.paths, libs, heap), 'kafka.Kafka', node.paths.properties],
    cwd: config.stateDir,
    env: process.env,
    marker: node.paths.properties,
    port: node.port,
  });
}

/**
 * Waits until each of `nodes` answers on its own address and, in a cluster, the metadata (read
 * through any live broker) lists it: it has registered with the controller quorum. Other nodes may
 * be down (a restart of broker-2 while broker-3 is killed). Throws KafkaSetupError with the tail of
 * the failing node's logs when one of `nodes` exits or the deadline (90 s by default) passes.
 */
async function waitNodesReady(config: LabConfig, nodes: readonly KafkaNode[], timeoutMs = 90_000): Promise<void> {
  const brokers = brokersOf(config);
  let waiting: KafkaNode | undefined;
  try {
    await waitFor(
      async () => {
        for (const node of nodes) {
          waiting = node;
          if (!liveProcess(node.paths.pidFile)) throw new KafkaSetupError(`${node.name} exited`);
          if (!(await kafkaAnswers(`127.0.0.1:${node.port}`))) return false;
        }
        waiting = undefined;
        if (config.brokerCount === 1) return true;
        const listed = await clusterNodeIds(brokers);
        return nodes.every((node) => listed.includes(node.id));
      },
      { timeoutMs, intervalMs: 500, what: `${nodes.map((n) => n.name).join(', ')} on ${brokers} to answer` },
    );
  } catch (error) {
    const paths = (waiting ?? nodes[0]).paths;
    const tail = [tailFile(paths.log, 20), tailFile(paths.serverLog, 30)].filter(Boolean).join('\n');
    throw new KafkaSetupError(
      `${(error as Error).message}\n--- last broker log lines (${paths.serverLog}) ---\n${tail}`,
    );
  }
}

/**
 * Stops every broker this lab started (either layout), and only those, all at once; true when one
 * was running. A cluster's nodes get 15 s of grace, not 30: they ask the controller quorum for a
 * controlled shutdown together, and a node whose request was not committed before the others left
 * has no quorum to ask and would wait for it (Kafka waits minutes), so it is killed instead; its
 * logs are recovered at the next start.
 */
export async function stopKafka(config: LabConfig, log: Log): Promise<boolean> {
  const all = allKafkaPaths(config);
  const cluster = all.filter((paths) => liveProcess(paths.pidFile)).length > 1;
  const stopped = await Promise.all(all.map((paths) => stopNode(paths, log, cluster ? 15_000 : 30_000)));
  return stopped.some(Boolean);
}

async function stopNode(paths: KafkaPaths, log: Log, graceMs = 30_000): Promise<boolean> {
  // A controlled shutdown takes a few seconds (a cluster's node moves its leaderships first).
  const how = await stopRecorded(paths.pidFile, graceMs, (pid) => log(`kafka: stopping broker (pid ${pid})`));
  if (how === 'killed') log(`kafka: broker ignored SIGTERM for ${graceMs / 1000} s; killed`);
  return how !== undefined;
}

/** The named node of this lab (`kafka`, `broker-N`), or an Error listing the names it has. */
export function requireKafkaNode(config: LabConfig, name: string): KafkaNode {
  const node = kafkaNodeNamed(config, name);
  if (node) return node;
  const names = kafkaNodes(config).map((n) => n.name);
  throw new Error(
    `${name} is not one of this lab's brokers (${names.join(', ')}${config.brokerCount === 1 ? '; `npm run lab -- up --brokers 3` runs three' : ''}).`,
  );
}

/** SIGKILLs one node (a crash: no controlled shutdown, leadership moves when the quorum notices). False when it was not running. */
export async function killKafkaNode(config: LabConfig, name: string): Promise<boolean> {
  const running = liveProcess(requireKafkaNode(config, name).paths.pidFile);
  if (!running) return false;
  await killProcess(running.pid);
  return true;
}

/** Stops one node (controlled shutdown) if it runs, starts it again and waits until it answers and the cluster lists it (other nodes may be down). */
export async function restartKafkaNode(
  config: LabConfig,
  name: string,
  log: Log,
  readyTimeoutMs?: number,
): Promise<void> {
  const node = requireKafkaNode(config, name);
  await stopNode(node.paths, log);
  checkJava();
  const libs = await ensureKafkaJars(config, log);
  prepareNode(config, node, libs, log);
  launchNode(config, node, libs, log);
  await waitNodesReady(config, [node], readyTimeoutMs);
}

/** Status of this lab's first broker (undefined pid when not ours or not running). */
export function kafkaPid(config: LabConfig): number | undefined {
  return liveProcess(kafkaPaths(config).pidFile)?.pid;
}

/** Each of this lab's nodes with its pid (undefined when it is not running). */
export function kafkaNodePids(config: LabConfig): { node: KafkaNode; pid: number | undefined }[] {
  return kafkaNodes(config).map((node) => ({ node, pid: liveProcess(node.paths.pidFile)?.pid }));
}
