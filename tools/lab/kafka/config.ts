import { join } from 'node:path';
import type { LabConfig } from '../config';
import { componentPaths, type ComponentPaths } from '../processes';

/** The broker's files in one lab's state dir, and the configuration the lab writes for it. */

/** Where one lab keeps its broker; `log` is the JVM's stdout/stderr (start-up failures land there). */
export interface KafkaPaths extends ComponentPaths<'dataDir' | 'properties' | 'log4j' | 'clusterIdFile'> {
  /** The broker's own log, written by log4j. */
  readonly serverLog: string;
}

/** The broker's paths under the lab's state dir (`<stateDir>/kafka`, its pid and logs beside the apps'). */
export function kafkaPaths(config: LabConfig): KafkaPaths {
  return {
    ...componentPaths(config.stateDir, 'kafka', {
      dataDir: 'data',
      properties: 'server.properties',
      log4j: 'log4j2.properties',
      clusterIdFile: 'cluster-id',
    }),
    serverLog: join(config.stateDir, 'logs', 'kafka-server.log'),
  };
}

/** A single-node KRaft broker+controller for a laptop or CI box: every factor 1, nothing auto-created. */
export function serverProperties(config: LabConfig, paths: KafkaPaths): string {
  // Opt-in third listener for Toxiproxy (tools/toxiproxy/server.ts): clients that bootstrap through the
  // proxy get the proxy's address back in metadata, so all their traffic crosses it.
  const proxied = config.kafkaProxyListener;
  const lines = [
    '# Written by the lab (tools/lab/kafka/config.ts); edits are overwritten on the next start.',
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
    // The group coordinator holds each offset commit up to 5 ms (4.1's default) to batch its log
    // appends; every consumer hop waits on a commit, so that linger is paid once per hop (ADR 0009).
    'group.coordinator.append.linger.ms=0',
    '',
  ];
  return lines.join('\n');
}

/** log4j2 settings: the broker logs to `serverLog`, rolled at 20 MB; request and state-change logs at WARN. */
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
