import { Kafka, logLevel } from 'kafkajs';
import { contractTopicConfigs, ensureTopics as ensureContractTopics } from '#libs/kafka';
import type { Log } from '../log';

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
