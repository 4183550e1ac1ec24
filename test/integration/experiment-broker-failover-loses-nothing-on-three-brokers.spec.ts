import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { down, LabNotRunningError, loadLabConfig, openLab, up, type LabConfig } from '../../tools/lab';
import { runAndReport } from '../../experiments/src';
import { freeBrokerPorts } from './support/lab-cli';
import { specBrokerPorts, specLabOffset, TEST_STATE_DIR } from './support/settings';

const log = (line: string): void => void process.stderr.write(`[broker-failover] ${line}\n`);

/** This spec's lab ports: apps 3000–3010 and Prometheus 9090, each + this offset (17600 + the shard's shift). */
const PORT_OFFSET = specLabOffset('brokerFailover');

describe('experiment: broker-failover', () => {
  it("stops at preflight on the test lab's single broker, naming the cluster it needs and how to start one", async () => {
    const run = runAndReport('broker-failover', openLab(process.env, { stateDir: TEST_STATE_DIR }), {
      short: true,
      variant: 'acks-all',
      log,
    });
    await expect(run).rejects.toBeInstanceOf(LabNotRunningError);
    await expect(run).rejects.toThrow(
      /A 3-broker Kafka cluster is not answering on .* \(this lab runs 1 broker; broker-failover needs 3\): npm run lab -- down, then npm run lab -- up --brokers 3/,
    );
  });

  /**
   * `lab experiment broker-failover --short` (variant acks-all) on a three-broker lab of its own:
   * state in a temp dir, its own ports (apps and Prometheus at offset 17600 + the shard's shift,
   * brokers on a free block of the shard's range) and topic prefix, every app and Prometheus, no
   * tracing. The broker leading the most partitions of messages is SIGKILLed under load and restarted 25 s later: the verdict must be
   * PASSED (ledger 0 lost and 0 duplicated, election ≤ 15 s, client recovery ≤ 20 s, the ISR whole
   * again within 30 s of the restart). About 2 minutes here: the lab's start (~25 s), 75 s of load,
   * the drain, the lab's stop.
   */
  describe('on a three-broker lab', () => {
    let root: string;
    let config: LabConfig;
    let env: NodeJS.ProcessEnv;
    const savedEnv = { ...process.env };

    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), 'lab-failover-'));
      process.env.LAB_TRACING = 'off';
      process.env.LAB_TRACE_UI = 'off';
      for (const name of ['LAB_OTLP_SINK_PORT', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'])
        delete process.env[name];
      // Clear of every lab's ports and below the ephemeral ones (tools/test/shard-lab.ts).
      const { min, max } = specBrokerPorts();
      const port = await freeBrokerPorts(min, max);
      env = {
        ...process.env,
        LAB_STATE_DIR: join(root, 'state'),
        LAB_PORT_OFFSET: String(PORT_OFFSET),
        KAFKA_PORT: String(port),
        KAFKA_CONTROLLER_PORT: String(port + 1),
        LAB_BROKERS: '3',
        JEEVES_TOPIC_PREFIX: `fo${Date.now()}`,
      };
      for (const key of [
        'KAFKA_BROKERS',
        'PROMETHEUS_PORT',
        'ZIPKIN_PORT',
        'LAB_MIN_INSYNC_REPLICAS',
        'KAFKA_PRODUCER_ACKS',
      ])
        delete env[key];
      config = loadLabConfig(env);
      await up(config, { log, readyTimeoutMs: 180_000 });
    }, 300_000);

    afterAll(async () => {
      if (config) await down(config, log).catch(() => undefined);
      process.env = savedEnv;
      rmSync(root, { recursive: true, force: true });
    }, 120_000);

    it('passes: nothing lost or duplicated, leadership moved, clients recovered, the ISR whole again', async () => {
      const { record } = await runAndReport('broker-failover', openLab(env), {
        short: true,
        variant: 'acks-all',
        resultsRoot: root,
        log,
      });
      const value = (name: string): number | undefined => record.measurements.find((m) => m.name === name)?.value;
      log(record.measurements.map((m) => `${m.name}=${m.value}`).join(' '));
      expect(record.verdict.failures).toEqual([]);
      expect(record.verdict.passed).toBe(true);
      expect(record.ledger).toMatchObject({ lost: 0, extraCompletions: 0 });
      // The kill did something: partitions were under-replicated, and a leader had to be elected.
      expect(value('underReplicatedPeak')).toBeGreaterThan(0);
      expect(value('leaderElectionSeconds')).toBeGreaterThan(0);
      expect(value('isrRejoinSeconds')).toBeDefined();
      expect(Object.keys(record.watched)).toEqual(expect.arrayContaining(['cluster:under-replicated:all']));
      expect(record.rollbacks.every((r) => r.ok)).toBe(true);
    }, 420_000);
  });
});
