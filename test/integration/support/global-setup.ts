import { loadLabConfig, knownInstances, stopInstance, down, up } from '../../../tools/lab';
import { TEST_LAB, TEST_PORT_OFFSET, TEST_SHARD, TEST_STATE_DIR, testApps } from './settings';

/**
 * Brings up the integration tests' own lab: state in .lab/test, ports +100, fresh topics under a
 * `t<timestamp>` prefix every run, the machine's broker if one answers (else one of our own), every
 * app, Prometheus when installed, and the Zipkin trace UI (unless LAB_TRACE_UI=off). Tests read it
 * through support/lab.ts (from .lab/test/lab.json). In a sharded run (LAB_TEST_SHARD=k/n) each
 * shard's lab has its own state dir, ports, prefix and broker (tools/test/shard-lab.ts, ADR 0016).
 */
export default async function globalSetup(): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`[test lab] ${line}\n`);
  const { ownBroker } = TEST_LAB;
  const env: NodeJS.ProcessEnv = ownBroker
    ? {
        ...process.env,
        KAFKA_PORT: String(ownBroker.kafkaPort),
        KAFKA_CONTROLLER_PORT: String(ownBroker.kafkaControllerPort),
      }
    : process.env;
  const config = loadLabConfig(env, {
    stateDir: TEST_STATE_DIR,
    portOffset: TEST_PORT_OFFSET,
    topicPrefix: `t${Date.now()}${TEST_LAB.topicPrefixSuffix}`,
    // PROMETHEUS_PORT may be set for the developer's lab; the test lab's comes from its offset.
    prometheusPort: Number(process.env.LAB_TEST_PROMETHEUS_PORT || 9090 + TEST_PORT_OFFSET),
    // One broker, shared with the developer's lab when it runs one (ADR 0011), whatever LAB_BROKERS
    // says in this shell; the cluster specs start clusters of their own.
    brokerCount: 1,
    minInsyncReplicas: 1,
  });
  // Leftovers of a run that died before its teardown still hold the old prefix: stop them (the
  // broker stays; restarting it would only cost time).
  await Promise.all(knownInstances(config).map((i) => stopInstance(config, i.id)));
  const startedAt = Date.now();
  process.stderr.write('\n');
  if (TEST_SHARD.count > 1)
    log(
      `shard ${TEST_SHARD.index}/${TEST_SHARD.count}: state ${config.stateDir}, ports +${config.portOffset}, kafka ${config.kafkaPort}/${config.kafkaControllerPort}`,
    );
  try {
    const lab = await up(config, { log, apps: testApps(), readyTimeoutMs: 180_000 });
    log(
      `up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: kafka ${lab.brokers} (${lab.kafkaMode}), prefix ${lab.topicPrefix}, prometheus ${lab.prometheusUrl ?? 'none'}, zipkin ${lab.zipkinUrl ?? 'none'}`,
    );
  } catch (error) {
    // Jest skips globalTeardown when setup throws: clean up here or processes outlive the run.
    log(`setup failed; stopping what it started`);
    await down(config, log);
    throw error;
  }
}
