import type { Admin, ITopicConfig } from 'kafkajs';
import { TOPIC_SPECS, topicName } from '#libs/contracts';
import { waitFor } from '#libs/resilience';

/**
 * The contract topics (TOPIC_SPECS) under a prefix, with their partition counts. The replication
 * factor and `min.insync.replicas` are the cluster's defaults (`default.replication.factor`,
 * `min.insync.replicas`: CreateTopics sends −1 and no config), so one lab broker gets factor 1 and a
 * three-broker lab or a production cluster its own (3 and 2).
 */
export function contractTopicConfigs(prefix: string | undefined): ITopicConfig[] {
  return TOPIC_SPECS.map((spec) => ({
    topic: topicName(spec.name, prefix),
    numPartitions: spec.partitions,
  }));
}

export interface EnsureTopicsOptions {
  /** How long every partition may take to get a leader after creation; default 60 000. */
  readonly leaderTimeoutMs?: number;
  /** Pause between metadata polls; default 250. */
  readonly pollIntervalMs?: number;
  /** The broker's own deadline for `CreateTopics`; default 30 000. */
  readonly createTimeoutMs?: number;
  /** Named in the timeout error, e.g. "leaders for the jeeves topics". */
  readonly what?: string;
  /** Told which topics were created, as soon as they are (before the leader wait). */
  readonly onCreated?: (topics: readonly string[]) => void;
}

/**
 * Creates each of `topics` that does not exist yet (an existing one is never altered: partitions can
 * only grow, and that would reshuffle keys), then polls metadata until every partition of every one
 * has a leader. Returns the names created. Throws WaitTimeoutError (libs/resilience) after `leaderTimeoutMs`.
 * Safe to repeat.
 */
export async function ensureTopics(
  admin: Admin,
  topics: readonly ITopicConfig[],
  options: EnsureTopicsOptions = {},
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length > 0) {
    // kafkajs's own waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which a broker that has
    // just started answers while metadata propagates: create, then poll for leaders ourselves.
    await admin.createTopics({ topics: missing, waitForLeaders: false, timeout: options.createTimeoutMs ?? 30_000 });
    options.onCreated?.(missing.map((t) => t.topic));
  }
  await waitForLeaders(
    admin,
    topics.map((t) => t.topic),
    options,
  );
  return missing.map((t) => t.topic);
}

async function waitForLeaders(admin: Admin, names: string[], options: EnsureTopicsOptions): Promise<void> {
  await waitFor(
    async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      return topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
    },
    {
      timeoutMs: options.leaderTimeoutMs ?? 60_000,
      intervalMs: options.pollIntervalMs ?? 250,
      what: options.what ?? `leaders for ${names.join(', ')}`,
    },
  );
}
