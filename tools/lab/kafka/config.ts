import { join } from 'node:path';
import { brokerPort, KAFKA_BROKER_PORT_STRIDE, type LabConfig } from '../config';
import { componentPaths, type ComponentPaths } from '../processes';

/** The brokers' files in one lab's state dir, and the configuration the lab writes for each. */

/** Where one lab keeps its broker; `log` is the JVM's stdout/stderr (start-up failures land there). */
export interface KafkaPaths extends ComponentPaths<'dataDir' | 'properties' | 'log4j' | 'clusterIdFile'> {
  /** The broker's own log, written by log4j. */
  readonly serverLog: string;
}

/**
 * One of the lab's KRaft nodes (each a combined broker and controller, ADR 0014): its node.id, its
 * name in `lab status`/`kill`/`restart` (`kafka` for a lone broker, `broker-N` in a cluster), its
 * ports and its files.
 */
export interface KafkaNode {
  readonly id: number;
  readonly name: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly paths: KafkaPaths;
}

/**
 * A node's paths under the lab's state dir: `<stateDir>/kafka` for a lone broker (as every lab before
 * clusters had it), `<stateDir>/kafka-N` for broker N of a cluster, so neither layout reads the
 * other's KRaft metadata. Pid and logs sit beside the apps'.
 */
function nodePaths(config: LabConfig, component: string): KafkaPaths {
  return {
    ...componentPaths(config.stateDir, component, {
      dataDir: 'data',
      properties: 'server.properties',
      log4j: 'log4j2.properties',
      clusterIdFile: 'cluster-id',
    }),
    serverLog: join(config.stateDir, 'logs', `${component}-server.log`),
  };
}

/** Node names accepted as `broker-N` (1-based) by the lab's verbs. */
const BROKER_NAME = /^broker-([1-9][0-9]*)$/;

/** The largest cluster the lab runs (LAB_BROKERS); the files of every node up to it are the lab's. */
export const MAX_BROKERS = 3;

/** The lab's Kafka nodes for its LAB_BROKERS: one `kafka`, or `broker-1` … `broker-N`. */
export function kafkaNodes(config: LabConfig): KafkaNode[] {
  if (config.brokerCount === 1)
    return [
      {
        id: 1,
        name: 'kafka',
        port: config.kafkaPort,
        controllerPort: config.kafkaControllerPort,
        paths: nodePaths(config, 'kafka'),
      },
    ];
  return Array.from({ length: config.brokerCount }, (_, i) => clusterNode(config, i + 1));
}

function clusterNode(config: LabConfig, id: number): KafkaNode {
  return {
    id,
    name: `broker-${id}`,
    port: brokerPort(config, id),
    controllerPort: config.kafkaControllerPort + KAFKA_BROKER_PORT_STRIDE * (id - 1),
    paths: nodePaths(config, `kafka-${id}`),
  };
}

/**
 * Every node's files this state dir may hold, in either layout (a lone broker and a cluster's
 * brokers): what `down` stops and `down --wipe` removes, whatever LAB_BROKERS says now.
 */
export function allKafkaPaths(config: LabConfig): KafkaPaths[] {
  return [
    nodePaths(config, 'kafka'),
    ...Array.from({ length: MAX_BROKERS }, (_, i) => nodePaths(config, `kafka-${i + 1}`)),
  ];
}

/** The node `name` (`kafka`, or `broker-N`) names in this lab, or undefined when it names none. */
export function kafkaNodeNamed(config: LabConfig, name: string): KafkaNode | undefined {
  return kafkaNodes(config).find((node) => node.name === name);
}

/** True when `name` has the shape of a broker's name (`broker-N`), whether or not this lab has it. */
export function isBrokerName(name: string): boolean {
  return BROKER_NAME.test(name);
}

/** The first node's paths: the lone broker's, or broker 1's in a cluster (its pid, its log). */
export function kafkaPaths(config: LabConfig): KafkaPaths {
  return kafkaNodes(config)[0].paths;
}

/** The cluster id file the nodes of this lab share: the first node's. */
export function clusterIdFile(config: LabConfig): string {
  return kafkaPaths(config).clusterIdFile;
}

/**
 * A KRaft node's server.properties: a combined broker+controller on loopback, nothing auto-created.
 * One node: every replication factor 1. Three: every factor 3 and `min.insync.replicas` from
 * LAB_MIN_INSYNC_REPLICAS (default 2), so one broker may die without losing an acknowledged record.
 */
export function serverProperties(config: LabConfig, node: KafkaNode = kafkaNodes(config)[0]): string {
  // Opt-in third listener for Toxiproxy (tools/toxiproxy/server.ts): clients that bootstrap through the
  // proxy get the proxy's address back in metadata, so all their traffic crosses it. One broker only.
  const proxied = config.kafkaProxyListener;
  const factor = config.brokerCount;
  const isr = config.minInsyncReplicas;
  const voters = kafkaNodes(config)
    .map((voter) => `${voter.id}@127.0.0.1:${voter.controllerPort}`)
    .join(',');
  const lines = [
    '# Written by the lab (tools/lab/kafka/config.ts); edits are overwritten on the next start.',
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${voters}`,
    `listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}${proxied ? `,PROXIED://127.0.0.1:${node.port + 2}` : ''}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${node.port}${proxied ? `,PROXIED://127.0.0.1:${node.port + 10_000}` : ''}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT${proxied ? ',PROXIED:PLAINTEXT' : ''}`,
    `log.dirs=${node.paths.dataDir}`,
    'num.partitions=6',
    // Topics are created with the broker's defaults (libs/kafka contractTopicConfigs): these.
    `default.replication.factor=${factor}`,
    `offsets.topic.replication.factor=${factor}`,
    // 50 offset partitions by default: each is a log to load at start; 6 is plenty for one lab.
    'offsets.topic.num.partitions=6',
    `transaction.state.log.replication.factor=${factor}`,
    `transaction.state.log.min.isr=${isr}`,
    `share.coordinator.state.topic.replication.factor=${factor}`,
    `share.coordinator.state.topic.min.isr=${isr}`,
    `min.insync.replicas=${isr}`,
    // A restarted broker gets back the leaderships it prefers after 30 s, not Kafka's 300: a failover
    // run sees the cluster return to its spread while it watches (one broker: nothing to balance).
    ...(factor > 1 ? ['leader.imbalance.check.interval.seconds=30'] : []),
    // Consumers join at once in tests and experiments; the 3 s default delay only slows them down.
    'group.initial.rebalance.delay.ms=0',
    // Every topic is created from the contracts (TOPIC_SPECS); a typo must fail, not make a topic.
    'auto.create.topics.enable=false',
    'log.retention.hours=24',
    'log.segment.bytes=67108864',
    'num.network.threads=2',
    'num.io.threads=4',
    // The group coordinator holds each offset commit up to 5 ms (4.1's default) to batch its log
    // appends; every consumer hop waits on a commit, so that linger is paid once per hop (ADR 0009).
    'group.coordinator.append.linger.ms=0',
    '',
  ];
  return lines.join('\n');
}

/** log4j2 settings: the node logs to its `serverLog`, rolled at 20 MB; request and state-change logs at WARN. */
export function log4jProperties(paths: KafkaPaths): string {
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
