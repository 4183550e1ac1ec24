import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Partitioners } from 'kafkajs';
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
import { specBrokerPorts, specLabOffset } from './support/settings';

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
    const { min, max } = specBrokerPorts();
    const port = await freeBrokerPorts(min, max);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LAB_STATE_DIR: join(root, 'state'),
      LAB_PORT_OFFSET: String(specLabOffset('threeBrokers')),
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
    /** The lab's Kafka client on this cluster, its producer connected, as `clientId`. */
    const connected = async (clientId: string): Promise<KafkaConnection> => {
      const c = new KafkaConnection({
        brokers: cluster.brokers.split(','),
        clientId,
        topicPrefix: '',
        logger,
        registry: createMetricsRegistry({ service: clientId }),
      });
      await c.connectProducer();
      return c;
    };
    const connection = await connected('cluster-spec');
    // A second producer, idle when the broker dies: it sends one record to every partition of the
    // topic in one request right after the kill. Its records for the dead leader's partitions are
    // retried until the fencing moves them to brokers that answered for their own partitions, which
    // kafkajs then sends to nobody (ADR 0041): its coalescer must send them again.
    const straddler = await connected('cluster-spec-straddler');
    const app = await NestFactory.createMicroservice(RecordingModule, {
      strategy: connection.createServer({ group: CONSUMER_GROUPS.bot }),
      logger: false,
    });
    await app.listen();
    try {
      const acknowledged = new Map<string, number>();
      /** Refused publishes: when each was asked for and when it was refused (ms since the epoch). */
      const failed: { id: string; askedAt: number; refusedAt: number; why: string }[] = [];
      const publish = (): Promise<void> => {
        const envelope = acceptedEnvelope('ada', 'echo failover');
        const askedAt = Date.now();
        return connection.publisher
          .publish(TOPICS.messages, envelope, { key: envelope.data.messageId })
          .then(() => void acknowledged.set(envelope.id, Date.now()))
          .catch((error: unknown) => {
            const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
            failed.push({ id: envelope.id, askedAt, refusedAt: Date.now(), why });
          });
      };
      const messages = topicName(TOPICS.messages, '');
      const partitions = await contractPartitions(cluster.brokers, '');
      const ledBy = (id: number): number => partitions.filter((p) => p.topic === messages && p.leader === id).length;
      const victim = [1, 2, 3].sort((a, b) => ledBy(b) - ledBy(a))[0];
      // Keys that land on each partition of the topic (kafkajs's default partitioner, murmur2 as Java's).
      const partitionCount = partitions.filter((p) => p.topic === messages).length;
      const byPartition = new Map<number, string>();
      const partitioner = Partitioners.DefaultPartitioner();
      const metadata = Array.from({ length: partitionCount }, (_, partitionId) => ({
        partitionId,
        leader: 1,
        replicas: [],
        isr: [],
        partitionErrorCode: 0,
      }));
      for (let i = 0; byPartition.size < partitionCount; i++) {
        const key = `straddle-${i}`;
        const partition = partitioner({ topic: messages, partitionMetadata: metadata, message: { key, value: '' } });
        if (!byPartition.has(partition)) byPartition.set(partition, key);
      }
      // Its metadata loaded (and the connection up) before the kill.
      const warmUp = acceptedEnvelope('ada', 'echo warm-up');
      await straddler.publisher.publish(TOPICS.messages, warmUp, { key: warmUp.data.messageId });
      acknowledged.set(warmUp.id, Date.now());
      let straddling: Promise<unknown> = Promise.resolve();
      const straddle = (): Promise<unknown> =>
        // In one event-loop turn: the coalescer puts them in one sendBatch.
        Promise.allSettled(
          [...byPartition.values()].map((key) => {
            const envelope = acceptedEnvelope('ada', 'echo straddle');
            const askedAt = Date.now();
            return straddler.publisher.publish(TOPICS.messages, envelope, { key }).then(
              () => void acknowledged.set(envelope.id, Date.now()),
              (error: unknown) => {
                const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
                failed.push({ id: envelope.id, askedAt, refusedAt: Date.now(), why });
              },
            );
          }),
        );
      const started = Date.now();
      // When the controller had fenced the victim: it leads no partition of the topic and is in no ISR.
      let fencedAt = 0;
      const watchFencing = (): Promise<void> =>
        waitFor(
          async () => {
            const mine = (await contractPartitions(cluster.brokers, '')).filter((p) => p.topic === messages);
            return mine.length > 0 && mine.every((p) => p.leader !== victim && !p.isr.includes(victim));
          },
          { timeoutMs: 60_000 - (Date.now() - started), intervalMs: 250, what: `broker-${victim} to be fenced` },
        ).then(
          () => void (fencedAt = Date.now()),
          // Not fenced in time: fencedAt stays 0, which the assertions below report.
          () => undefined,
        );
      // Bounded, loopback only: 50 publishes/s for 25 s, and on until 8 s after the fencing (60 s at most).
      let killedAt = 0;
      let watching: Promise<void> = Promise.resolve();
      const inFlight: Promise<void>[] = [];
      const publishing = (): boolean => {
        const elapsed = Date.now() - started;
        if (elapsed >= 60_000) return false;
        return elapsed < 25_000 || fencedAt === 0 || Date.now() - fencedAt < 8_000;
      };
      while (publishing()) {
        inFlight.push(publish());
        if (killedAt === 0 && Date.now() - started >= 8_000) {
          await kill(config, `broker-${victim}`, quiet);
          killedAt = Date.now();
          watching = watchFencing();
          straddling = straddle();
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await Promise.all([...inFlight, watching, straddling]);
      expect(killedAt).toBeGreaterThan(0);
      // KRaft fences a broker whose heartbeats stop after broker.session.timeout.ms (9 s by default).
      expect(fencedAt).toBeGreaterThan(0);
      expect(fencedAt - killedAt).toBeLessThan(30_000);
      // Every acknowledged record reaches the consumer (a refused one may too: it was retried).
      await waitFor(() => [...acknowledged.keys()].every((id) => consumed.has(id)), {
        timeoutMs: 90_000,
        what: 'every acknowledged record to be consumed',
      }).catch(() => undefined);
      // On a failure, what was missing: how many, acknowledged when relative to the kill, and when the consumer last handled one.
      const lost = [...acknowledged].filter(([id]) => !consumed.has(id));
      const lastConsumed = Math.max(...consumed.values());
      const crashes = (await connection.metrics.crashes.get()).values.reduce((sum, v) => sum + v.value, 0);
      // Records kafkajs reported written with no broker's answer for their partition, sent again (ADR 0041).
      const resentOf = async (c: KafkaConnection): Promise<number> =>
        (await c.metrics.producerResent.get()).values.reduce((sum, v) => sum + v.value, 0);
      const resent = await resentOf(connection);
      const straddlerResent = await resentOf(straddler);
      if (lost.length > 0)
        process.stderr.write(`[cluster-spec] the clients' warnings and errors:\n${logLines.join('')}`);
      expect({
        lost: lost.length,
        acknowledgedMsAfterKill: lost.slice(0, 5).map(([, at]) => at - killedAt),
        lastConsumedMsAfterKill: lost.length > 0 ? lastConsumed - killedAt : 'not asked',
        consumerCrashes: lost.length > 0 ? crashes : 'not asked',
        resent: lost.length > 0 ? resent + straddlerResent : 'not asked',
      }).toEqual({
        lost: 0,
        acknowledgedMsAfterKill: [],
        lastConsumedMsAfterKill: 'not asked',
        consumerCrashes: 'not asked',
        resent: 'not asked',
      });
      // Production and consumption went on after the kill: acknowledged after it, and consumed.
      const afterKill = [...acknowledged].filter(([, at]) => at > killedAt + 1000).map(([id]) => id);
      expect(afterKill.length).toBeGreaterThan(100);
      expect(afterKill.every((id) => consumed.has(id))).toBe(true);
      const reasons = new Map<string, number>();
      for (const { why } of failed) reasons.set(why.slice(0, 160), (reasons.get(why.slice(0, 160)) ?? 0) + 1);
      const refusedMs = failed.map((f) => f.refusedAt - killedAt);
      process.stderr.write(
        `[cluster-spec] broker-${victim} killed; fenced after ${fencedAt - killedAt} ms; ${acknowledged.size} acknowledged, ${resent} resent (the straddling request: ${straddlerResent} of ${partitionCount}), ${failed.length} refused` +
          (failed.length > 0
            ? ` from ${Math.min(...refusedMs)} to ${Math.max(...refusedMs)} ms after the kill: ${[...reasons].map(([why, n]) => `${n}× ${why}`).join('; ')}`
            : '') +
          '\n',
      );
      // Refusals only while the dead broker's partitions waited for the fencing (a new leader, a
      // shrunk ISR): nothing asked for more than 1 s before the kill or 2 s after the fencing was refused.
      const window = { from: killedAt - 1000, to: fencedAt + 2000 };
      const outside = failed.filter((f) => f.askedAt < window.from || f.askedAt > window.to);
      expect({
        refusedOutsideTheFailover: outside.length,
        askedMsAfterKill: outside.slice(0, 5).map((f) => f.askedAt - killedAt),
        fencedMsAfterKill: outside.length > 0 ? fencedAt - killedAt : 'not asked',
      }).toEqual({ refusedOutsideTheFailover: 0, askedMsAfterKill: [], fencedMsAfterKill: 'not asked' });
      // And the producer went on after the fencing: its last 6 s of publishes were acknowledged.
      const afterFencing = [...acknowledged].filter(([, at]) => at > fencedAt + 2000);
      expect(afterFencing.length).toBeGreaterThan(150);

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
      await straddler.close();
    }
  });
});
