import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { contractTopicConfigs, ensureTopics as ensureContractTopics } from '#libs/kafka';
import { brokersOf, REPO_ROOT, type LabConfig } from './config';
import { mavenAvailable, runMaven } from './maven';
import {
  liveProcess,
  removePidFile,
  spawnDetached,
  stopProcess,
  tailFile,
  writePidFile,
  type PidRecord,
} from './processes';
import { waitFor } from './wait';

const POM = join(REPO_ROOT, 'tools', 'kafka', 'pom.xml');

export type Log = (line: string) => void;

export class KafkaSetupError extends Error {
  override readonly name = 'KafkaSetupError';
}

/** Kafka version pinned in tools/kafka/pom.xml: the cache directory is keyed by it. */
export function kafkaVersion(): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM, 'utf8'));
  if (!match) throw new KafkaSetupError(`No <kafka.version> property in ${POM}.`);
  return match[1].trim();
}

export function kafkaLibsDir(config: LabConfig): string {
  return join(config.cacheDir, `kafka-${kafkaVersion()}`, 'libs');
}

/** Fails with a message saying what to install when Java 17+ or Maven is missing. */
export function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new KafkaSetupError(
      'Java is not on PATH. The lab runs Kafka natively and needs Java 17+ (e.g. apt-get install openjdk-17-jre-headless), or set KAFKA_BROKERS to use an existing cluster.',
    );
  }
  const match = /version "(\d+)/.exec(result.stderr);
  if (match && Number(match[1]) < 17) {
    throw new KafkaSetupError(
      `Java ${match[1]} found; Kafka 4 needs Java 17+. Install a newer JRE or set KAFKA_BROKERS.`,
    );
  }
}

/**
 * Makes sure the broker's jars are in the machine-wide cache, resolving them with Maven the first
 * time (tools/kafka/pom.xml; see docs/decisions/0010). Returns the libs directory. Maven writes into
 * a temporary directory that is renamed at the end, so an interrupted download is never mistaken
 * for a complete one.
 */
export async function ensureKafkaJars(config: LabConfig, log: Log): Promise<string> {
  const libs = kafkaLibsDir(config);
  if (existsSync(libs) && readdirSync(libs).some((f) => f.startsWith('kafka_2.13-'))) return libs;
  if (!mavenAvailable()) {
    throw new KafkaSetupError(
      `Kafka jars are not cached in ${libs} and Maven is not on PATH. Install Maven (apt-get install maven) or set KAFKA_BROKERS to use an existing cluster.`,
    );
  }
  const partial = `${libs}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  log(`kafka: fetching Kafka ${kafkaVersion()} jars with Maven into ${libs} (once per machine)`);
  const status = await runMaven(
    ['-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${partial}`, '-DincludeScope=runtime'],
    log,
  );
  if (status !== 0) {
    rmSync(partial, { recursive: true, force: true });
    throw new KafkaSetupError(
      `Maven could not fetch the Kafka jars (exit ${status}). Check network access to the Maven repository and ~/.m2/settings.xml, then retry.`,
    );
  }
  rmSync(libs, { recursive: true, force: true });
  renameSync(partial, libs);
  log(`kafka: ${readdirSync(libs).length} jars cached`);
  return libs;
}

/** Where one lab keeps its broker. */
export interface KafkaPaths {
  readonly dir: string;
  readonly dataDir: string;
  readonly properties: string;
  readonly log4j: string;
  readonly clusterIdFile: string;
  readonly pidFile: string;
  /** stdout/stderr of the JVM (startup failures land here). */
  readonly consoleLog: string;
  /** The broker's own log, written by log4j. */
  readonly serverLog: string;
}

export function kafkaPaths(config: LabConfig): KafkaPaths {
  const dir = join(config.stateDir, 'kafka');
  return {
    dir,
    dataDir: join(dir, 'data'),
    properties: join(dir, 'server.properties'),
    log4j: join(dir, 'log4j2.properties'),
    clusterIdFile: join(dir, 'cluster-id'),
    pidFile: join(config.stateDir, 'pids', 'kafka.pid'),
    consoleLog: join(config.stateDir, 'logs', 'kafka.log'),
    serverLog: join(config.stateDir, 'logs', 'kafka-server.log'),
  };
}

/** A single-node KRaft broker+controller for a laptop or CI box: every factor 1, nothing auto-created. */
export function serverProperties(config: LabConfig, paths: KafkaPaths): string {
  // Opt-in third listener for Toxiproxy (tools/toxiproxy/server.ts): clients that bootstrap through the
  // proxy get the proxy's address back in metadata, so all their traffic crosses it.
  const proxied = process.env.LAB_KAFKA_PROXY_LISTENER === '1';
  const lines = [
    '# Written by the lab (tools/lab/kafka.ts); edits are overwritten on the next start.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${config.kafkaControllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${config.kafkaPort},CONTROLLER://127.0.0.1:${config.kafkaControllerPort}${proxied ? `,PROXIED://127.0.0.1:${config.kafkaPort + 2}` : ''}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${config.kafkaPort}${proxied ? `,PROXIED://127.0.0.1:${config.kafkaPort + 10_000}` : ''}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT${proxied ? ',PROXIED:PLAINTEXT' : ''}`,
    `log.dirs=${paths.dataDir}`,
    'num.partitions=6',
    'default.replication.factor=1',
    'offsets.topic.replication.factor=1',
    // 50 offset partitions by default: each is a log to load at start; 6 is plenty for one lab.
    'offsets.topic.num.partitions=6',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'min.insync.replicas=1',
    // Consumers join at once in tests and experiments; the 3 s default delay only slows them down.
    'group.initial.rebalance.delay.ms=0',
    // Every topic is created from the contracts (TOPIC_SPECS); a typo must fail, not make a topic.
    'auto.create.topics.enable=false',
    'log.retention.hours=24',
    'log.segment.bytes=67108864',
    'num.network.threads=2',
    'num.io.threads=4',
    '',
  ];
  return lines.join('\n');
}

function log4jProperties(paths: KafkaPaths): string {
  return [
    '# The broker logs to a file in the lab state dir; stdout stays quiet.',
    'status = warn',
    'appender.file.type = RollingFile',
    'appender.file.name = FILE',
    `appender.file.fileName = ${paths.serverLog}`,
    `appender.file.filePattern = ${paths.serverLog}.%i`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'appender.file.policies.type = Policies',
    'appender.file.policies.size.type = SizeBasedTriggeringPolicy',
    'appender.file.policies.size.size = 20MB',
    'appender.file.strategy.type = DefaultRolloverStrategy',
    'appender.file.strategy.max = 2',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.file.ref = FILE',
    // The request log and the state-change log are chatty and of no use in a lab.
    'logger.request.name = kafka.request.logger',
    'logger.request.level = WARN',
    'logger.state.name = state.change.logger',
    'logger.state.level = WARN',
    '',
  ].join('\n');
}

const JVM_HEAP = ['-Xms256m', '-Xmx512m'];

function jvmArgs(paths: KafkaPaths, libs: string): string[] {
  return [
    ...JVM_HEAP,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${paths.log4j}`,
    `-Dkafka.logs.dir=${join(paths.dir, 'logs')}`,
    '-cp',
    `${libs}/*`,
  ];
}

/** A Kafka cluster id is 16 random bytes in URL-safe base64 without padding (22 characters). */
function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

function formatStorage(paths: KafkaPaths, libs: string, log: Log): void {
  if (existsSync(join(paths.dataDir, 'meta.properties'))) return;
  let clusterId = existsSync(paths.clusterIdFile) ? readFileSync(paths.clusterIdFile, 'utf8').trim() : '';
  if (!clusterId) {
    clusterId = newClusterId();
    writeFileSync(paths.clusterIdFile, clusterId + '\n');
  }
  log(`kafka: formatting storage (cluster ${clusterId})`);
  const result = spawnSync(
    'java',
    [
      ...jvmArgs(paths, libs),
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      paths.properties,
      '--ignore-formatted',
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new KafkaSetupError(
      `Formatting Kafka storage failed (exit ${result.status}):\n${result.stdout}${result.stderr}\nDelete ${paths.dir} to start from scratch.`,
    );
  }
}

/** kafkajs admin for the lab itself: probes fail fast (retries 0) because their caller polls. */
function adminClient(brokers: string, clientId = 'jeeves-lab', retries = 0) {
  return new Kafka({
    clientId,
    brokers: brokers.split(',').map((b) => b.trim()),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1500,
    requestTimeout: 5000,
    retry: { retries },
  }).admin();
}

/** True when a Kafka broker at `brokers` answers a metadata request. Never throws. */
export async function kafkaAnswers(brokers: string): Promise<boolean> {
  const admin = adminClient(brokers);
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function portInUse(port: number): Promise<boolean> {
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

export interface StartKafkaOptions {
  readonly log: Log;
  /** Deadline for the broker to answer after the JVM starts. */
  readonly readyTimeoutMs?: number;
}

/**
 * Brings up the lab's broker unless one is already there: KAFKA_BROKERS → use that cluster; our pid
 * alive → leave it; the port taken by another Kafka (say, the default lab's broker, seen from the
 * test lab) → share it; otherwise fetch jars, write config, format once and start the JVM.
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
  const paths = kafkaPaths(config);
  const brokers = brokersOf(config);
  const running = liveProcess(paths.pidFile);
  if (running) {
    await waitKafkaReady(brokers, running.pid, paths, options.readyTimeoutMs);
    return { brokers, mode: 'running', pid: running.pid };
  }
  if (await portInUse(config.kafkaPort)) {
    if (await kafkaAnswers(brokers)) {
      log(`kafka: a broker not started by this lab already answers on ${brokers}; sharing it`);
      return { brokers, mode: 'external' };
    }
    throw new KafkaSetupError(
      `Port ${config.kafkaPort} is taken by something that is not a Kafka broker. Free it, or set KAFKA_PORT to another port.`,
    );
  }
  checkJava();
  const libs = await ensureKafkaJars(config, log);
  mkdirSync(paths.dataDir, { recursive: true });
  mkdirSync(join(config.stateDir, 'logs'), { recursive: true });
  writeFileSync(paths.properties, serverProperties(config, paths));
  writeFileSync(paths.log4j, log4jProperties(paths));
  formatStorage(paths, libs, log);
  log(`kafka: starting broker on ${brokers} (heap ${JVM_HEAP.join(' ')})`);
  const pid = spawnDetached({
    command: 'java',
    args: [...jvmArgs(paths, libs), 'kafka.Kafka', paths.properties],
    cwd: config.stateDir,
    env: process.env,
    logFile: paths.consoleLog,
  });
  const record: PidRecord = {
    pid,
    marker: paths.properties,
    startedAt: new Date().toISOString(),
    port: config.kafkaPort,
  };
  writePidFile(paths.pidFile, record);
  await waitKafkaReady(brokers, pid, paths, options.readyTimeoutMs);
  return { brokers, mode: 'started', pid };
}

async function waitKafkaReady(brokers: string, pid: number, paths: KafkaPaths, timeoutMs = 90_000): Promise<void> {
  try {
    await waitFor(
      async () => {
        if (!liveProcess(paths.pidFile)) throw new KafkaSetupError(`the broker (pid ${pid}) exited`);
        return kafkaAnswers(brokers);
      },
      { timeoutMs, intervalMs: 500, what: `Kafka on ${brokers} to answer` },
    );
  } catch (error) {
    const tail = [tailFile(paths.consoleLog, 20), tailFile(paths.serverLog, 30)].filter(Boolean).join('\n');
    throw new KafkaSetupError(
      `${(error as Error).message}\n--- last broker log lines (${paths.serverLog}) ---\n${tail}`,
    );
  }
}

/** Stops the broker this lab started (and only that). */
export async function stopKafka(config: LabConfig, log: Log): Promise<boolean> {
  const paths = kafkaPaths(config);
  const running = liveProcess(paths.pidFile);
  if (!running) {
    removePidFile(paths.pidFile);
    return false;
  }
  log(`kafka: stopping broker (pid ${running.pid})`);
  // A controlled shutdown of a single node takes a few seconds; the JVM gets 30 s before SIGKILL.
  const how = await stopProcess(running.pid, 30_000);
  if (how === 'killed') log('kafka: broker ignored SIGTERM for 30 s; killed');
  removePidFile(paths.pidFile);
  return true;
}

/** Status of this lab's own broker (undefined pid when not ours or not running). */
export function kafkaPid(config: LabConfig): number | undefined {
  return liveProcess(kafkaPaths(config).pidFile)?.pid;
}

/**
 * Creates every contract topic under the lab's prefix that does not exist yet and waits for their
 * leaders (libs/kafka ensureTopics). Safe to repeat; an existing topic is never altered.
 */
export async function ensureTopics(brokers: string, prefix: string, log: Log): Promise<string[]> {
  const admin = adminClient(brokers, 'jeeves-lab', 5);
  await admin.connect();
  try {
    return await ensureContractTopics(admin, contractTopicConfigs(prefix), {
      what: `leaders for the ${prefix ? `${prefix}.` : ''}jeeves topics`,
      onCreated: (topics) => log(`kafka: created topics ${topics.join(', ')}`),
    });
  } finally {
    await admin.disconnect();
  }
}
