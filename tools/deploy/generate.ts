/**
 * Writes the two files of deploy/base that copy a source of truth elsewhere in the repository:
 * kafka-topics.yaml from the contract's topics (libs/contracts TOPIC_SPECS, which the lab creates
 * its topics from) and prometheus-rule.yaml from prometheus/rules/*.yml. kustomize cannot read
 * files outside its directory, hence copies; tools/deploy/manifests.spec.ts fails when a copy no
 * longer matches its source. After changing either source:
 *
 *   npm run build && node dist/tools/deploy/generate.js
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { TOPIC_SPECS } from '#libs/contracts';
import { REPO_ROOT } from '../lab';

export const RULES_DIR = join(REPO_ROOT, 'prometheus', 'rules');
export const BASE_DIR = join(REPO_ROOT, 'deploy', 'base');

/** Replicas and min.insync.replicas of every topic on Kubernetes: one broker may be lost without a write refused. */
export const TOPIC_REPLICAS = 3;
export const TOPIC_MIN_INSYNC_REPLICAS = 2;
/** The Strimzi Kafka resource's name (deploy/base/kafka.yaml), which KafkaTopics name in a label. */
export const KAFKA_CLUSTER = 'jeeves';

/** A Kubernetes name for a Kafka topic: `jeeves.messages.v1` → `jeeves-messages-v1`. */
export function topicResourceName(topic: string): string {
  return topic.replaceAll('.', '-');
}

export function kafkaTopics(): object[] {
  return TOPIC_SPECS.map((spec) => ({
    apiVersion: 'kafka.strimzi.io/v1',
    kind: 'KafkaTopic',
    metadata: {
      name: topicResourceName(spec.name),
      labels: { 'strimzi.io/cluster': KAFKA_CLUSTER, 'app.kubernetes.io/part-of': 'jeeves' },
    },
    spec: {
      topicName: spec.name,
      partitions: spec.partitions,
      replicas: TOPIC_REPLICAS,
      config: { 'min.insync.replicas': TOPIC_MIN_INSYNC_REPLICAS },
    },
  }));
}

/** The rule groups of every prometheus/rules/*.yml, in file-name order. */
export function ruleGroups(dir = RULES_DIR): unknown[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))
    .sort()
    .flatMap((name) => (parse(readFileSync(join(dir, name), 'utf8')) as { groups: unknown[] }).groups);
}

export function prometheusRule(): object {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'jeeves', labels: { 'app.kubernetes.io/part-of': 'jeeves' } },
    spec: { groups: ruleGroups() },
  };
}

const HEADER = (source: string) =>
  `# Generated from ${source} by tools/deploy/generate.ts; tools/deploy/manifests.spec.ts checks it.\n`;

/** Written as the repository's prettier would format it, so `npm run lint` passes on the output. */
async function writeYaml(path: string, text: string): Promise<void> {
  // Loaded here, not at the top: the spec imports this module, and prettier cannot load under Jest.
  const { format, resolveConfig } = await import('prettier');
  const options = (await resolveConfig(path)) ?? {};
  writeFileSync(path, await format(text, { ...options, filepath: path }));
}

async function main(): Promise<void> {
  await writeYaml(
    join(BASE_DIR, 'kafka-topics.yaml'),
    HEADER('libs/contracts TOPIC_SPECS') +
      kafkaTopics()
        .map((topic) => stringify(topic))
        .join('---\n'),
  );
  await writeYaml(
    join(BASE_DIR, 'prometheus-rule.yaml'),
    HEADER('prometheus/rules/*.yml') + stringify(prometheusRule(), { lineWidth: 0 }),
  );
}

if (require.main === module) void main();
