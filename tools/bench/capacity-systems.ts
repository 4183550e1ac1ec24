/**
 * The two pipelines the capacity benchmark climbs side by side on one broker: the lab as the bench
 * lab runs it, and the bare pipeline (bare-pipeline.ts: one child process per hop, plain kafkajs)
 * on topics of the bench's own with the lab's partition counts.
 */
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { CONSUMER_GROUPS, TOPIC_SPECS, TOPICS, consumerGroupName, topicName } from '#libs/contracts';
import { END_TO_END_BUCKETS_SECONDS } from '#libs/observability';
import { waitFor } from '../lab';
import type { BenchLab } from './bench-lab';
import { parseHistogram } from './capacity-math';
import { consumerLag, scrapeText } from './capacity-probes';
import type { E2eSnapshot, PipelineSystem } from './capacity-steps';
import { startChild, type Child } from './support';

/** Reads one system's e2e histogram, all statuses summed, with the replied and failed counts. */
function snapshot(text: string, metric: string): E2eSnapshot {
  const count = (status: string): number =>
    parseHistogram(text, metric, (l) => l.status === status).buckets.at(-1)?.count ?? 0;
  return { all: parseHistogram(text, metric), replied: count('replied'), failed: count('failed') };
}

/** The lab (started by BenchLab under `prefix`) as a pipeline under test; the driver is this process. */
export function labSystem(lab: BenchLab, prefix: string, admin: Admin): PipelineSystem {
  const topic = (t: (typeof TOPICS)[keyof typeof TOPICS]): string => topicName(t, prefix);
  const groups: Record<string, string[]> = {
    [consumerGroupName(CONSUMER_GROUPS.bot, prefix)]: [topic(TOPICS.messages)],
    [consumerGroupName(CONSUMER_GROUPS.worker, prefix)]: [topic(TOPICS.actions)],
    [consumerGroupName(CONSUMER_GROUPS.dataService, prefix)]: [
      topic(TOPICS.messages),
      topic(TOPICS.actions),
      topic(TOPICS.replies),
      topic(TOPICS.dlq),
    ],
  };
  return {
    name: 'lab',
    target: { url: lab.url('gateway'), tokenDealerUrl: lab.url('token-dealer') },
    pids: () => {
      const pids: Record<string, number> = { ...lab.appPids() };
      const kafka = lab.kafkaPid();
      if (kafka) pids.kafka = kafka;
      pids.driver = process.pid;
      return pids;
    },
    e2e: async () =>
      snapshot(await scrapeText(`${lab.url('data-service')}/metrics`), 'jeeves_message_end_to_end_seconds'),
    lag: () => lagByGroup(admin, groups, (g) => g.slice(prefix.length + 1)),
  };
}

async function lagByGroup(
  admin: Admin,
  groups: Record<string, string[]>,
  label: (group: string) => string,
): Promise<Record<string, number>> {
  const lag: Record<string, number> = {};
  for (const [group, topics] of Object.entries(groups)) {
    lag[label(group)] = await consumerLag(admin, group, topics).catch(() => NaN);
  }
  return lag;
}

/** The bare pipeline's hops, in the order they start (consumers first, so nothing is produced unread). */
const BARE_ROLES = ['sink', 'worker', 'bot', 'gateway'] as const;

/** The running bare pipeline: a PipelineSystem plus stop(). */
export interface BarePipeline extends PipelineSystem {
  stop(): Promise<void>;
}

/**
 * Creates `<prefix>.messages|actions|replies` (the lab's partition counts) and starts one child per
 * hop on `brokers`; ready when every consumer has joined its group.
 */
export async function startBarePipeline(brokers: string, prefix: string, admin: Admin): Promise<BarePipeline> {
  const partitions = (t: (typeof TOPICS)[keyof typeof TOPICS]): number =>
    TOPIC_SPECS.find((s) => s.name === t)?.partitions ?? 6;
  const topics = [
    { topic: `${prefix}.messages`, numPartitions: partitions(TOPICS.messages) },
    { topic: `${prefix}.actions`, numPartitions: partitions(TOPICS.actions) },
    { topic: `${prefix}.replies`, numPartitions: partitions(TOPICS.replies) },
  ];
  await waitFor(
    async () => {
      await admin.createTopics({ topics: topics.map((t) => ({ ...t, replicationFactor: 1 })), waitForLeaders: true });
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 1000, what: `bare pipeline topics ${prefix}.*` },
  );
  const children: Partial<Record<(typeof BARE_ROLES)[number], Child>> = {};
  try {
    for (const role of BARE_ROLES) {
      children[role] = await startChild(
        // kafkajs 2.2.4 computes negative timer delays on Node 24; the warning is noise (as in the lab's apps).
        ['--disable-warning=TimeoutNegativeWarning', join(__dirname, 'bare-pipeline.js')],
        {
          BARE_ROLE: role,
          BARE_BROKERS: brokers,
          BARE_PREFIX: prefix,
          BARE_BUCKETS: END_TO_END_BUCKETS_SECONDS.join(','),
        },
        60_000,
      );
    }
  } catch (error) {
    await Promise.all(Object.values(children).map((c) => c.stop()));
    throw error;
  }
  const child = (role: (typeof BARE_ROLES)[number]): Child => {
    const c = children[role];
    if (!c) throw new Error(`bare ${role} is not running`);
    return c;
  };
  const groups: Record<string, string[]> = {
    [`${prefix}.bot`]: [`${prefix}.messages`],
    [`${prefix}.worker`]: [`${prefix}.actions`],
    [`${prefix}.sink`]: topics.map((t) => t.topic),
  };
  return {
    name: 'bare',
    target: { url: child('gateway').url },
    pids: () => {
      const pids: Record<string, number> = {};
      for (const role of BARE_ROLES) pids[`bare-${role}`] = child(role).process.pid ?? NaN;
      return pids;
    },
    e2e: async () => snapshot(await scrapeText(`${child('sink').url}/metrics`), 'bare_end_to_end_seconds'),
    lag: () => lagByGroup(admin, groups, (g) => `bare-${g.slice(prefix.length + 1)}`),
    async stop() {
      // Producers first, then the consumers, so no hop is left reading from a stopped one.
      for (const role of [...BARE_ROLES].reverse()) await children[role]?.stop();
      await admin.deleteTopics({ topics: topics.map((t) => t.topic) }).catch(() => undefined);
    },
  };
}
