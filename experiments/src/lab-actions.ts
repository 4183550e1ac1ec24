import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigResourceTypes, ConfigSource, Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import { stringify as toYaml } from 'yaml';
import { contractTopicConfigs } from '#libs/kafka';
import {
  CHAOS_SCOPE,
  CONSUMER_GROUPS,
  type ConsumerGroup,
  consumerGroupName,
  LAB_CLIENTS,
  TOPICS,
  topicName,
} from '#libs/contracts';
import { ChaosApiError, HttpChaosApi, TokenSource, type ChaosApi } from '../../tools/common';
import {
  type AppName,
  GATEWAY_READS_MODES,
  type GatewayReads,
  type LabConfig,
  runningInstances,
  kafkaAnswers,
  kafkaNodePids,
  type Log,
  kill,
  readLabDescription,
  restart,
  scale,
  type LabDescription,
  prometheusPaths,
} from '../../tools/lab';
import type { ClusterSpec, Experiment, LagSpec, PIPELINE_TOPICS, TopicConfig } from './definition';
import type { ClusterReader, LagReader, MetricsScraper } from './watcher';

export type PipelineTopic = (typeof PIPELINE_TOPICS)[number];

/**
 * Everything an experiment does to the lab, as one interface: the runner is unit-tested with a fake,
 * and the real one below only delegates (process control is the lab CLI's modules, faults are the
 * chaos API every service serves).
 */
export interface LabActions extends MetricsScraper, LagReader, ClusterReader {
  injectFault(service: AppName, fault: Record<string, unknown>, durationMs: number): Promise<{ id: string }>;
  clearFault(service: AppName, id: string): Promise<void>;
  kill(instanceId: string): Promise<void>;
  restart(instanceId: string): Promise<void>;
  runningCount(app: AppName): number;
  scale(app: AppName, n: number): Promise<void>;
  kafkaUp(): Promise<boolean>;
  /** Restarts every running instance of `app` with these settings (undefined: back to the lab's own). */
  restartWithEnv(app: AppName, env: Readonly<Record<string, string>> | undefined): Promise<void>;
  installAlertOverrides(experiment: string, overrides: Experiment['alertOverrides']): Promise<void>;
  removeAlertOverrides(): Promise<void>;
  /** Produces one record onto a pipeline topic (the lab's prefix applied); says where it landed. */
  produce(topic: PipelineTopic, key: string, value: string): Promise<{ partition: number; offset: string }>;
  /**
   * The broker (`broker-N`) leading the most partitions of `topic` now (the lowest id on a tie).
   * Throws LabActionError when the lab runs one broker or no partition of the topic has a leader.
   */
  leaderOf(topic: PipelineTopic): Promise<string>;
  /** Sets these topic-level settings on every contract topic, keeping each topic's own to restore. */
  setTopicConfig(config: TopicConfig): Promise<void>;
  /** Puts back the topic settings `setTopicConfig` found (nothing to do when it was not called). */
  restoreTopicConfig(): Promise<void>;
  /** Lets go of connections (the Kafka admin and producer); the actions are not used after. */
  close(): Promise<void>;
}

/** The consumer group of each consuming app. */
const GROUP_OF_APP: Record<LagSpec['group'], ConsumerGroup> = {
  bot: CONSUMER_GROUPS.bot,
  worker: CONSUMER_GROUPS.worker,
  'data-service': CONSUMER_GROUPS.dataService,
};

/** The partition kafkajs' default partitioner (murmur2, Java-compatible) picks for a key: every lab producer uses it. */
export function partitionForKey(key: string, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  return partitioner({ topic: 'any', partitionMetadata, message: { key, value: null } });
}

/**
 * Lag of a group on a topic from partition end offsets and the group's committed offsets; a
 * partition the group never committed counts from its first offset. `partition` narrows to one.
 */
export function lagFromOffsets(
  ends: ReadonlyArray<{ partition: number; high: string; low: string }>,
  committed: ReadonlyArray<{ partition: number; offset: string }>,
  partition?: number,
): number | undefined {
  let total = 0;
  let seen = false;
  for (const end of ends) {
    if (partition !== undefined && end.partition !== partition) continue;
    const c = committed.find((x) => x.partition === end.partition)?.offset;
    const from = c === undefined || Number(c) < 0 ? Number(end.low) : Number(c);
    total += Math.max(0, Number(end.high) - from);
    seen = true;
  }
  return seen ? total : undefined;
}

/**
 * Records ever appended to a topic: its partitions' end offsets (high watermarks) summed. Without
 * transactions every offset is one record, and an end offset only grows, whichever client restarts.
 */
export function recordsFromOffsets(ends: ReadonlyArray<{ readonly high: string }>): number {
  return ends.reduce((sum, end) => sum + Number(end.high), 0);
}

/** One partition as the metadata has it: its leader (−1: none), replicas and in-sync replicas. */
export interface PartitionState {
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

/**
 * Counts partitions for a `cluster` source: `under-replicated`, an ISR smaller than the replicas;
 * `led-by-down-broker`, a leader that is not among `liveNodes` (a dead broker, or −1: none).
 */
export function countPartitions(
  partitions: readonly PartitionState[],
  count: Exclude<ClusterSpec['count'], 'records'>,
  liveNodes: ReadonlySet<number>,
): number {
  return partitions.filter((p) =>
    count === 'under-replicated' ? p.isr.length < p.replicas.length : !liveNodes.has(p.leader),
  ).length;
}

/** The node leading the most of these partitions (the lowest id on a tie); undefined when none has a leader. */
export function mostLeading(partitions: readonly PartitionState[]): number | undefined {
  const led = new Map<number, number>();
  for (const p of partitions) if (p.leader >= 0) led.set(p.leader, (led.get(p.leader) ?? 0) + 1);
  return [...led].sort(([a, na], [b, nb]) => nb - na || a - b)[0]?.[0];
}

export class LabActionError extends Error {
  readonly code = 'ELABACTION';
  override readonly name = 'LabActionError';
}

/** A refusal of the chaos API, as the runner reports lab failures (same message). */
function asLabActionError(error: unknown): never {
  if (error instanceof ChaosApiError && error.status > 0) throw new LabActionError(error.message, { cause: error });
  throw error;
}

const OVERRIDE_FILE = 'experiment-rules.yml';

export class RealLabActions implements LabActions {
  private readonly chaos: ChaosApi;
  private readonly lab: LabDescription;
  private readonly savedEnv = new Map<string, string | undefined>();
  private kafkaClient: Kafka | undefined;
  private admin: Promise<Admin> | undefined;
  private producer: Promise<Producer> | undefined;
  private readonly partitionsOf = new Map<string, number>();
  /** Each contract topic's own topic-level settings, as `setTopicConfig` found them. */
  private savedTopicConfig: Map<string, Array<{ name: string; value: string }>> | undefined;
  /** The lab's config as this run starts apps: the lab's own, or with a variant's GATEWAY_READS. */
  private runConfig: LabConfig;

  constructor(
    private readonly config: LabConfig,
    private readonly log: Log,
    private readonly reloadPrometheus: () => Promise<void>,
  ) {
    const lab = readLabDescription(config.stateDir);
    if (!lab) throw new LabActionError(`No lab is up in ${config.stateDir}. Start it first: npm run lab -- up`);
    this.lab = lab;
    this.runConfig = config;
    this.chaos = new HttpChaosApi({
      urlOf: (service) => lab.apps[service as AppName]?.url,
      tokens: new TokenSource(lab.apps['token-dealer'].url, LAB_CLIENTS.admin, CHAOS_SCOPE),
    });
  }

  async injectFault(service: AppName, fault: Record<string, unknown>, durationMs: number): Promise<{ id: string }> {
    // The fault also expires by itself: a runner killed with SIGKILL cannot leave the lab broken for long.
    const { id } = await this.chaos
      .inject(service, { ...fault, durationMs: Math.ceil(durationMs) })
      .catch(asLabActionError);
    return { id };
  }

  async clearFault(service: AppName, id: string): Promise<void> {
    // 404: it had expired already, which is what clearing wants (ChaosApi.clear takes it as cleared).
    await this.chaos.clear(service, id).catch(asLabActionError);
  }

  kill(instanceId: string): Promise<void> {
    return kill(this.config, instanceId, this.log);
  }

  restart(instanceId: string): Promise<void> {
    return restart(this.runConfig, instanceId, this.log);
  }

  runningCount(app: AppName): number {
    return runningInstances(this.config).filter((i) => i.app === app).length;
  }

  async scale(app: AppName, n: number): Promise<void> {
    await scale(this.runConfig, app, n, this.log);
  }

  kafkaUp(): Promise<boolean> {
    return kafkaAnswers(this.lab.brokers);
  }

  async restartWithEnv(app: AppName, env: Readonly<Record<string, string>> | undefined): Promise<void> {
    // GATEWAY_READS is a lab setting (lab.json, `up --gateway-reads`), not a pass-through: the
    // instances of this run start from a config that names the variant's mode.
    const reads = env?.GATEWAY_READS;
    if (reads !== undefined && !(GATEWAY_READS_MODES as readonly string[]).includes(reads))
      throw new LabActionError(`GATEWAY_READS=${reads} is not one of ${GATEWAY_READS_MODES.join(', ')}`);
    // Only the gateway's own settings (or their rollback) change its mode; another app's leave it be.
    if (app === 'gateway')
      this.runConfig = reads === undefined ? this.config : { ...this.config, gatewayReads: reads as GatewayReads };
    // The lab hands WORKER_*/PROVIDER_*/JEEVES_*/RATE_LIMIT_* of this process to the apps it starts.
    if (env) {
      for (const [k, v] of Object.entries(env)) {
        if (!this.savedEnv.has(k)) this.savedEnv.set(k, process.env[k]);
        process.env[k] = v;
      }
    } else {
      for (const [k, v] of this.savedEnv) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      this.savedEnv.clear();
    }
    const instances = runningInstances(this.config).filter((i) => i.app === app);
    for (const i of instances.length > 0 ? instances : [{ id: app }]) await restart(this.runConfig, i.id, this.log);
  }

  async installAlertOverrides(experiment: string, overrides: Experiment['alertOverrides']): Promise<void> {
    const paths = prometheusPaths(this.config);
    if (!existsSync(paths.config))
      throw new LabActionError(
        `The lab has no Prometheus config (${paths.config}); alert overrides need the lab's Prometheus`,
      );
    const rules = {
      groups: [
        {
          name: `experiment-${experiment}`,
          rules: overrides.map((o) => ({
            alert: o.alert,
            expr: o.expr,
            for: o.for,
            labels: { severity: 'warning', experiment },
          })),
        },
      ],
    };
    writeFileSync(
      join(paths.dir, OVERRIDE_FILE),
      `# Written by experiment ${experiment} for its run; removed when it ends.\n${toYaml(rules)}`,
    );
    const config = readFileSync(paths.config, 'utf8');
    const line = `  - ${JSON.stringify(join(paths.dir, OVERRIDE_FILE))}`;
    if (!config.includes(line))
      writeFileSync(paths.config, config.replace(/^rule_files:\n/m, `rule_files:\n${line}\n`));
    await this.reloadPrometheus();
  }

  async removeAlertOverrides(): Promise<void> {
    const paths = prometheusPaths(this.config);
    writeFileSync(join(paths.dir, OVERRIDE_FILE), 'groups: []\n');
    if (existsSync(paths.config)) {
      const config = readFileSync(paths.config, 'utf8');
      const line = `  - ${JSON.stringify(join(paths.dir, OVERRIDE_FILE))}\n`;
      writeFileSync(paths.config, config.replace(line, ''));
    }
    await this.reloadPrometheus();
  }

  private kafka(): Kafka {
    this.kafkaClient ??= new Kafka({
      clientId: 'lab-experiment',
      brokers: this.lab.brokers.split(','),
      logLevel: logLevel.NOTHING,
      retry: { retries: 2 },
    });
    return this.kafkaClient;
  }

  private connectedAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka().admin();
      await admin.connect();
      return admin;
    })();
    // A failed connect is not cached: the next sample tries again.
    this.admin.catch(() => (this.admin = undefined));
    return this.admin;
  }

  private connectedProducer(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = this.kafka().producer({
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      return producer;
    })();
    this.producer.catch(() => (this.producer = undefined));
    return this.producer;
  }

  private topic(topic: PipelineTopic | 'dlq'): string {
    return topicName(TOPICS[topic], this.lab.topicPrefix);
  }

  async produce(topic: PipelineTopic, key: string, value: string): Promise<{ partition: number; offset: string }> {
    const producer = await this.connectedProducer();
    const [sent] = await producer.send({
      topic: this.topic(topic),
      acks: -1,
      messages: [{ key, value, headers: { 'x-experiment': 'produce step' } }],
    });
    return { partition: sent.partition, offset: sent.baseOffset ?? '?' };
  }

  async consumerLag(spec: LagSpec): Promise<number | undefined> {
    const admin = await this.connectedAdmin();
    const topic = this.topic(spec.topic);
    const [ends, groupOffsets] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({
        groupId: consumerGroupName(GROUP_OF_APP[spec.group], this.lab.topicPrefix),
        topics: [topic],
      }),
    ]);
    let partition = spec.partition;
    if (spec.key !== undefined) {
      const cacheKey = `${topic}\u0000${spec.key}`;
      partition = this.partitionsOf.get(cacheKey) ?? partitionForKey(spec.key, ends.length);
      this.partitionsOf.set(cacheKey, partition);
    }
    const committed = groupOffsets.find((t) => t.topic === topic)?.partitions ?? [];
    return lagFromOffsets(ends, committed, partition);
  }

  /** Every partition of the lab's contract topics (or one of them), from a fresh Metadata request. */
  private async partitions(topic?: PipelineTopic | 'dlq'): Promise<PartitionState[]> {
    const admin = await this.connectedAdmin();
    const topics =
      topic === undefined ? contractTopicConfigs(this.lab.topicPrefix).map((t) => t.topic) : [this.topic(topic)];
    const metadata = await admin.fetchTopicMetadata({ topics });
    return metadata.topics.flatMap((t) => t.partitions);
  }

  async leaderOf(topic: PipelineTopic): Promise<string> {
    if ((this.lab.brokerCount ?? 1) < 2)
      throw new LabActionError(
        `${topic}-leader names a broker of a cluster; this lab runs one broker (npm run lab -- up --brokers 3)`,
      );
    const leader = mostLeading(await this.partitions(topic));
    if (leader === undefined) throw new LabActionError(`no partition of ${this.topic(topic)} has a leader`);
    return `broker-${leader}`;
  }

  async clusterCount(spec: ClusterSpec): Promise<number | undefined> {
    if (spec.count === 'records') {
      // The schema requires a topic for records; every partition's end offset (high watermark), summed.
      const admin = await this.connectedAdmin();
      return recordsFromOffsets(await admin.fetchTopicOffsets(this.topic(spec.topic ?? 'messages')));
    }
    const partitions = await this.partitions(spec.topic);
    const live = new Set(kafkaNodePids(this.config).flatMap(({ node, pid }) => (pid === undefined ? [] : [node.id])));
    return countPartitions(partitions, spec.count, live);
  }

  async setTopicConfig(config: TopicConfig): Promise<void> {
    const admin = await this.connectedAdmin();
    const topics = contractTopicConfigs(this.lab.topicPrefix).map((t) => t.topic);
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
    });
    // AlterConfigs replaces a topic's whole set of overrides: send its own ones with ours on top.
    const own = new Map(
      described.resources.map((r) => [
        r.resourceName,
        r.configEntries
          .filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG && !e.readOnly)
          .map((e) => ({ name: e.configName, value: e.configValue })),
      ]),
    );
    this.savedTopicConfig ??= own;
    await admin.alterConfigs({
      validateOnly: false,
      resources: topics.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configEntries: [
          ...(own.get(name) ?? []).filter((e) => !(e.name in config)),
          ...Object.entries(config).map(([k, value]) => ({ name: k, value })),
        ],
      })),
    });
    this.log(
      `kafka: ${Object.entries(config)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')} on ${topics.length} topics`,
    );
  }

  async restoreTopicConfig(): Promise<void> {
    const saved = this.savedTopicConfig;
    if (!saved) return;
    const admin = await this.connectedAdmin();
    await admin.alterConfigs({
      validateOnly: false,
      resources: [...saved].map(([name, configEntries]) => ({ type: ConfigResourceTypes.TOPIC, name, configEntries })),
    });
    this.savedTopicConfig = undefined;
    this.log(`kafka: the topics' own settings restored on ${saved.size} topics`);
  }

  async close(): Promise<void> {
    const [admin, producer] = [this.admin, this.producer];
    this.admin = this.producer = undefined;
    await Promise.allSettled([admin?.then((a) => a.disconnect()), producer?.then((p) => p.disconnect())]);
  }

  async scrape(app: AppName): Promise<Array<{ instance: string; text: string }>> {
    const instances = runningInstances(this.config).filter((i) => i.app === app);
    const texts = await Promise.all(
      instances.map(async (i) => {
        try {
          const response = await fetch(`${i.url}/metrics`, { signal: AbortSignal.timeout(2000) });
          return response.ok ? { instance: i.id, text: await response.text() } : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    return texts.filter((t) => t !== undefined);
  }
}
