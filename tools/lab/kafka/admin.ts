import { Kafka, logLevel } from 'kafkajs';
import { contractTopicConfigs, ensureTopics as ensureContractTopics } from '#libs/kafka';
import type { Log } from '../log';

/** Talking to a running cluster with the kafkajs admin: is it there, its nodes, the contract topics and their leaders. */

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

/**
 * Runs `ask` with an admin seeded by each address of `brokers` in turn until one answers: kafkajs
 * always dials the first seed first, and a probe that fails fast (retries 0) would take a cluster
 * whose first broker is dead for a dead cluster. Throws the last address's error when none answers.
 */
async function askAnyBroker<T>(
  brokers: string,
  ask: (admin: ReturnType<typeof adminClient>) => Promise<T>,
): Promise<T> {
  let lastError: unknown = new Error(`no broker address in "${brokers}"`);
  for (const address of brokers
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean)) {
    const admin = adminClient(address);
    try {
      await admin.connect();
      return await ask(admin);
    } catch (error) {
      lastError = error;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  throw lastError;
}

/** True when a Kafka broker at any address of `brokers` answers a metadata request. Never throws. */
export async function kafkaAnswers(brokers: string): Promise<boolean> {
  return askAnyBroker(brokers, async (admin) => {
    await admin.describeCluster();
    return true;
  }).catch(() => false);
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

/** The node ids the cluster's metadata lists (DescribeCluster through the first of `brokers` that answers). Throws what kafkajs throws. */
export async function clusterNodeIds(brokers: string): Promise<number[]> {
  return askAnyBroker(brokers, async (admin) => {
    const { brokers: listed } = await admin.describeCluster();
    return listed.map((broker) => broker.nodeId).sort((a, b) => a - b);
  });
}

/** One partition's replicas as the metadata has them: its leader (−1 when none), replicas and in-sync replicas. */
export interface PartitionReplicas {
  readonly topic: string;
  readonly partition: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

/**
 * Leader, replicas and ISR of every partition of the lab's contract topics (under `prefix`), from one
 * metadata request through the first of `brokers` that answers. Topics that do not exist are left out. Throws what kafkajs throws.
 */
export async function contractPartitions(brokers: string, prefix: string): Promise<PartitionReplicas[]> {
  return askAnyBroker(brokers, async (admin) => {
    const names = new Set(contractTopicConfigs(prefix).map((t) => t.topic));
    const existing = (await admin.listTopics()).filter((name) => names.has(name));
    const { topics } = await admin.fetchTopicMetadata({ topics: existing });
    return topics
      .flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionId,
          leader: p.leader,
          replicas: p.replicas,
          isr: p.isr,
        })),
      )
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  });
}
