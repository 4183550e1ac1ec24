import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { brokersOf, type LabConfig } from '../config';
import type { Log } from '../log';
import { liveProcess, startRecorded, stopRecorded, tailFile } from '../processes';
import { waitFor } from '../wait';
import { kafkaAnswers } from './admin';
import { kafkaPaths, log4jProperties, serverProperties, type KafkaPaths } from './config';
import { KafkaSetupError } from './errors';
import { checkJava, ensureKafkaJars } from './install';

/** Running the broker: the JVM's arguments, formatting its storage once, start, readiness, stop. */

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

function formatStorage(paths: KafkaPaths, libs: string, log: Log): void {
  if (existsSync(join(paths.dataDir, 'meta.properties'))) return;
  let clusterId = existsSync(paths.clusterIdFile) ? readFileSync(paths.clusterIdFile, 'utf8').trim() : '';
  if (!clusterId) {
    clusterId = newClusterId();
    writeFileSync(paths.clusterIdFile, clusterId + '\n');
  }
  log(`kafka: formatting storage (cluster ${clusterId})`);
  const result = spawnSync('java', [...jvmArgs(paths, libs), ...storageFormatArgs(clusterId, paths.properties)], {
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new KafkaSetupError(
      `Formatting Kafka storage failed (exit ${result.status}):\n${result.stdout}${result.stderr}\nDelete ${paths.dir} to start from scratch.`,
    );
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

/** How `startKafka` reports and how long it waits. */
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
  const pid = startRecorded(paths, {
    command: 'java',
    args: [...jvmArgs(paths, libs), 'kafka.Kafka', paths.properties],
    cwd: config.stateDir,
    env: process.env,
    marker: paths.properties,
    port: config.kafkaPort,
  });
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
    const tail = [tailFile(paths.log, 20), tailFile(paths.serverLog, 30)].filter(Boolean).join('\n');
    throw new KafkaSetupError(
      `${(error as Error).message}\n--- last broker log lines (${paths.serverLog}) ---\n${tail}`,
    );
  }
}

/** Stops the broker this lab started (and only that). */
export async function stopKafka(config: LabConfig, log: Log): Promise<boolean> {
  // A controlled shutdown of a single node takes a few seconds; the JVM gets 30 s before SIGKILL.
  const how = await stopRecorded(kafkaPaths(config).pidFile, 30_000, (pid) =>
    log(`kafka: stopping broker (pid ${pid})`),
  );
  if (how === 'killed') log('kafka: broker ignored SIGTERM for 30 s; killed');
  return how !== undefined;
}

/** Status of this lab's own broker (undefined pid when not ours or not running). */
export function kafkaPid(config: LabConfig): number | undefined {
  return liveProcess(kafkaPaths(config).pidFile)?.pid;
}
