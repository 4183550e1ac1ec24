import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, type KafkaContext } from '@nestjs/microservices';
import { CONSUMER_GROUPS, lastHeaderText, TOPICS, topicName } from '#libs/contracts';
import { KafkaConnection } from '#libs/kafka';
import { createLogger, createMetricsRegistry } from '#libs/observability';
import {
  contractPartitions,
  down,
  kill,
  loadLabConfig,
  restart,
  up,
  type LabConfig,
  type LabDescription,
} from '../../tools/lab';
import { acceptedEnvelope } from './pipeline-helpers';
import { waitFor } from './support/lab';
import { freeBrokerPorts } from './support/lab-cli';

const quiet = (): void => undefined;

/** The ids (jeeves-envelope-id header) of the records one consumer group has handled. */
const consumed = new Map<string, number>();

@Controller()
class RecordingController {
  @EventPattern(TOPICS.messages)
  onMessage(@Ctx() ctx: KafkaContext): void {
    const id = lastHeaderText(ctx.getMessage().headers, 'jeeves-envelope-id');
    if (id) consumed.set(id, Date.now());
  }
}

@Module({ controllers: [RecordingController] })
class RecordingModule {}

/**
 * `lab up --brokers 3` against real brokers: a cluster of this spec's own (state in a temp dir, no
 * apps, no Prometheus, no tracing) with the lab's topics at replication factor 3 and
 * min.insync.replicas 2. The lab's own clients — a KafkaConnection's publisher (acks=all, coalesced
 * produces) and its hardened consumer under Nest — run while the broker that leads the most
 * partitions of jeeves.messages.v1 is SIGKILLed: every publish that was acknowledged is consumed,
 * consumption continues after the kill, and the restarted broker rejoins every ISR.
 */
describe('a three-broker lab loses nothing acknowledged when a broker dies', () => {
  let root: string;
  let config: LabConfig;
  let cluster: LabDescription;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'lab-cluster-'));
    process.env.LAB_TRACING = 'off';
    process.env.LAB_TRACE_UI = 'off';
    process.env.PROMETHEUS_BIN = join(root, 'no-prometheus');
    for (const name of ['LAB_OTLP_SINK_PORT', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'])
      delete process.env[name];
    const port = await freeBrokerPorts(20_000, 28_000);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LAB_STATE_DIR: join(root, 'state'),
      LAB_PORT_OFFSET: '17500',
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(port + 1),
      LAB_BROKERS: '3',
    };
    for (const key of [
      'KAFKA_BROKERS',
      'JEEVES_TOPIC_PREFIX',
      'PROMETHEUS_PORT',
      'ZIPKIN_PORT',
      'LAB_MIN_INSYNC_REPLICAS',
    ])
      delete env[key];
    config = loadLabConfig(env);
    cluster = await up(config, { log: quiet, apps: [], readyTimeoutMs: 60_000 });
  });

  afterAll(async () => {
    if (config) await down(config, quiet).catch(() => undefined);
    process.env = savedEnv;
    rmSync(root, { recursive: true, force: true });
  });

  it('creates the topics with three replicas, two of them required in sync', async () => {
    expect(cluster.brokers.split(',')).toHaveLength(3);
    const partitions = await contractPartitions(cluster.brokers, '');
    expect(partitions.length).toBeGreaterThan(0);
    for (const p of partitions) {
      expect(p.replicas).toHaveLength(3);
      expect(p.isr).toHaveLength(3);
    }
    const leaders = new Set(partitions.map((p) => p.leader));
    expect([...leaders].sort()).toEqual([1, 2, 3]);
  });

  it('keeps every acknowledged record through a SIGKILLed leader, goes on consuming, and takes the broker back', async () => {
    // Warnings and errors (a consumer crash, a failed commit) are kept, and printed if this fails: they say why.
    const logLines: string[] = [];
    const logger = createLogger({
      service: 'cluster-spec',
      level: 'warn',
      destination: { write: (line: string) => void logLines.push(line) },
    });
    const connection = new KafkaConnection({
      brokers: cluster.brokers.split(','),
      clientId: 'cluster-spec',
      topicPrefix: '',
      logger,
      registry: createMetricsRegistry({ service: 'cluster-spec' }),
    });
    await connection.connectProducer();
    const app = await NestFactory.createMicroservice(RecordingModule, {
      strategy: connection.createServer({ group: CONSUMER_GROUPS.bot }),
      logger: false,
    });
    await app.listen();
    try {
      const acknowledged = new Map<string, number>();
      const failed: string[] = [];
      const publish = (): Promise<void> => {
        const envelope = acceptedEnvelope('ada', 'echo failover');
        return connection.publisher
          .publish(TOPICS.messages, envelope, { key: envelope.data.messageId })
          .then(() => void acknowledged.set(envelope.id, Date.now()))
          .catch(() => void failed.push(envelope.id));
      };
      // Bounded: 25 s at 50 publishes/s, loopback only.
      const messages = topicName(TOPICS.messages, '');
      const partitions = await contractPartitions(cluster.brokers, '');
      const ledBy = (id: number): number => partitions.filter((p) => p.topic === messages && p.leader === id).length;
      const victim = [1, 2, 3].sort((a, b) => ledBy(b) - ledBy(a))[0];
      const started = Date.now();
      let killedAt = 0;
      const inFlight: Promise<void>[] = [];
      while (Date.now() - started < 25_000) {
        inFlight.push(publish());
        if (killedAt === 0 && Date.now() - started >= 8_000) {
          await kill(config, `broker-${victim}`, quiet);
          killedAt = Date.now();
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await Promise.all(inFlight);
      expect(killedAt).toBeGreaterThan(0);
      // Every acknowledged record reaches the consumer (a refused one may too: it was retried).
      await waitFor(() => [...acknowledged.keys()].every((id) => consumed.has(id)), {
        timeoutMs: 90_000,
        what: 'every acknowledged record to be consumed',
      }).catch(() => undefined);
      // On a failure, what was missing: how many, acknowledged when relative to the kill, and when the consumer last handled one.
      const lost = [...acknowledged].filter(([id]) => !consumed.has(id));
      const lastConsumed = Math.max(...consumed.values());
      const crashes = (await connection.metrics.crashes.get()).values.reduce((sum, v) => sum + v.value, 0);
      if (lost.length > 0)
        process.stderr.write(`[cluster-spec] the clients' warnings and errors:\n${logLines.join('')}`);
      expect({
        lost: lost.length,
        acknowledgedMsAfterKill: lost.slice(0, 5).map(([, at]) => at - killedAt),
        lastConsumedMsAfterKill: lost.length > 0 ? lastConsumed - killedAt : 'not asked',
        consumerCrashes: lost.length > 0 ? crashes : 'not asked',
      }).toEqual({
        lost: 0,
        acknowledgedMsAfterKill: [],
        lastConsumedMsAfterKill: 'not asked',
        consumerCrashes: 'not asked',
      });
      // Production and consumption went on after the kill: acknowledged after it, and consumed.
      const afterKill = [...acknowledged].filter(([, at]) => at > killedAt + 1000).map(([id]) => id);
      expect(afterKill.length).toBeGreaterThan(100);
      expect(afterKill.every((id) => consumed.has(id))).toBe(true);
      // Refusals are bounded: only while the dead leader's partitions waited for a new one.
      expect(failed.length).toBeLessThan(acknowledged.size / 2);

      // Back: the broker restarts and is in sync again on every partition it holds.
      await restart(config, `broker-${victim}`, quiet);
      await waitFor(
        async () => {
          const now = await contractPartitions(cluster.brokers, '');
          return now.every((p) => p.isr.length === 3);
        },
        { timeoutMs: 60_000, what: `broker-${victim} to rejoin every ISR` },
      );
    } finally {
      await app.close();
      await connection.close();
    }
  });
});
