import { Kafka, logLevel } from 'kafkajs';
import { TOPIC_SPECS, topicName } from '#libs/contracts';
import type { Log } from '../log';
import { waitFor } from '../wait';

/** Talking to a running broker with the kafkajs admin: is it there, and the contract topics. */

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

/**
 * Creates every contract topic under the lab's prefix that does not exist yet. Safe to repeat; an
 * existing topic is never altered (partitions can only grow, and that would reshuffle keys).
 */
export async function ensureTopics(brokers: string, prefix: string, log: Log): Promise<string[]> {
  const admin = adminClient(brokers, 'jeeves-lab', 5);
  await admin.connect();
  try {
    const wanted = TOPIC_SPECS.map((spec) => ({
      topic: topicName(spec.name, prefix),
      numPartitions: spec.partitions,
      replicationFactor: 1,
    }));
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      // kafkajs's own waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which a broker that has
      // just started answers while metadata propagates: create, then poll for leaders ourselves.
      await admin.createTopics({ topics: missing, waitForLeaders: false, timeout: 30_000 });
      log(`kafka: created topics ${missing.map((t) => t.topic).join(', ')}`);
    }
    await waitFor(
      async () => {
        const { topics } = await admin.fetchTopicMetadata({ topics: wanted.map((t) => t.topic) });
        return topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      },
      { timeoutMs: 60_000, intervalMs: 250, what: `leaders for the ${prefix ? `${prefix}.` : ''}jeeves topics` },
    );
    return missing.map((t) => t.topic);
  } finally {
    await admin.disconnect();
  }
}
