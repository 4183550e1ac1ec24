import 'reflect-metadata';
import { PATH_METADATA } from '@nestjs/common/constants';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { parse } from 'yaml';
import { MessageController } from '../../apps/bot/src/routing/message.controller';
import { IngestController } from '../../apps/data-service/src/ingest/ingest.controller';
import { clientsWithDefaultSecrets } from '../../apps/token-dealer/src/clients/client-store';
import { ActionController } from '../../apps/worker/src/actions/action.controller';
import { appConfigShape } from '../docker/app-config-shapes';
import { checkConfig, commonShape } from '#libs/config';
import {
  CONSUMER_GROUPS,
  consumerGroupName,
  LAB_CLIENTS,
  READ_TOPIC_PARTITIONS,
  SCALABLE_SERVICE_NAMES,
  SERVICES,
  TOPIC_SPECS,
  topicName,
} from '#libs/contracts';
// Not exported by libs/platform: only its routes matter here, read from Nest's route metadata.
import { HealthController } from '../../libs/platform/src/health.controller';
import { KAFKA_CLUSTER, ruleGroups, TOPIC_MIN_INSYNC_REPLICAS, TOPIC_REPLICAS } from './generate';
import {
  deployTools,
  type K8sObject,
  kubeconform,
  kustomizeBuild,
  Manifests,
  OVERLAYS,
  type Overlay,
} from './manifests';

// The checks a schema cannot make: that the manifests and the code agree. Each overlay is built
// once; every check below reads those objects.

const shapeOf = appConfigShape;
/** Read by a library rather than the apps' config: kafkajs, and the OpenTelemetry SDK (OTEL_*). */
const LIBRARY_VARIABLES = [/^KAFKAJS_NO_PARTITIONER_WARNING$/, /^OTEL_/];

/** The controllers holding each consumer's `@EventPattern`s, and its consumer group. */
const CONSUMERS = {
  bot: { group: CONSUMER_GROUPS.bot, controller: MessageController },
  worker: { group: CONSUMER_GROUPS.worker, controller: ActionController },
  'data-service': { group: CONSUMER_GROUPS.dataService, controller: IngestController },
} as const;

function topicsConsumedBy(controller: { prototype: object }): string[] {
  const proto = controller.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(proto).flatMap((name) => {
    const patterns = Reflect.getMetadata(PATTERN_METADATA, proto[name] as object) as unknown[] | undefined;
    return (patterns ?? []).filter((p): p is string => typeof p === 'string');
  });
}

/** Routes of the health controller every app mounts (libs/platform), by handler name. */
function healthRoutes(): Record<string, string> {
  const proto = HealthController.prototype as unknown as Record<string, object>;
  return Object.fromEntries(
    Object.getOwnPropertyNames(proto)
      .filter((name) => name !== 'constructor')
      .map((name) => [name, `/${String(Reflect.getMetadata(PATH_METADATA, proto[name]))}`]),
  );
}

function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** Every string in an object tree. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

const alertRules = ruleGroups().flatMap((g) => (g as { rules: Array<{ alert?: string; expr: string }> }).rules);
/** The lag at which KafkaConsumerLagGrowing fires (prometheus/rules/alerts.yml). */
const LAG_ALERT_THRESHOLD = (() => {
  const rule = alertRules.find((r) => r.alert === 'KafkaConsumerLagGrowing');
  const match = rule && /\)\)\s*>\s*(\d+)/.exec(rule.expr);
  if (!match) throw new Error('KafkaConsumerLagGrowing or its lag threshold not found in prometheus/rules');
  return Number(match[1]);
})();

const tools = deployTools();
const builds = Object.fromEntries(OVERLAYS.map((o) => [o, new Manifests(o, kustomizeBuild(tools, o))])) as Record<
  Overlay,
  Manifests
>;
const APPS = SERVICES.map((s) => s.name);
const routes = healthRoutes();

describe.each(OVERLAYS)('deploy/overlays/%s', (overlay) => {
  const m = builds[overlay];

  it('builds, and every object is valid against the pinned Kubernetes and CRD schemas', () => {
    const result = kubeconform(tools, m.built.yaml);
    expect(result.resources.filter((r) => r.status !== 'statusValid')).toEqual([]);
    expect(result.summary).toEqual({ valid: m.built.objects.length, invalid: 0, errors: 0, skipped: 0 });
  });

  it('is validated strictly: an unknown field in any object is refused', () => {
    const tampered = m.built.objects.map((o) => JSON.stringify({ ...o, notAField: true })).join('\n---\n');
    const result = kubeconform(tools, tampered);
    expect(result.summary.invalid).toBe(m.built.objects.length);
  });

  it('puts every object in the namespace it creates', () => {
    const [namespace] = m.all('Namespace');
    const elsewhere = m.built.objects
      .filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== namespace.metadata.name)
      .map((o) => `${o.kind} ${o.metadata.name}`);
    expect(elsewhere).toEqual([]);
  });

  it.each(APPS)('%s: a Deployment and a Service that reaches its http port', (app) => {
    const deployment = m.deployment(app);
    const podLabels = deployment.spec.template.metadata.labels;
    expect(matches(deployment.spec.selector.matchLabels, podLabels)).toBe(true);
    const service = m.get<
      K8sObject & { spec: { selector: Record<string, string>; ports: Array<{ targetPort: string }> } }
    >('Service', app);
    expect(matches(service.spec.selector, podLabels)).toBe(true);
    const portNames = (m.container(app).ports ?? []).map((p) => p.name);
    for (const port of service.spec.ports) expect(portNames).toContain(port.targetPort);
  });

  it.each(APPS)('%s: probes hit the health routes on the port the app listens on', (app) => {
    const container = m.container(app);
    const env = m.env(app);
    const port = env.get('PORT');
    const listens = typeof port === 'string' ? Number(port) : SERVICES.find((s) => s.name === app)!.defaultPort;
    const portOf = (ref: string | number) =>
      typeof ref === 'number' ? ref : container.ports?.find((p) => p.name === ref)?.containerPort;
    expect(container.livenessProbe?.httpGet?.path).toBe(routes.live);
    expect(container.startupProbe?.httpGet?.path).toBe(routes.live);
    expect(container.readinessProbe?.httpGet?.path).toBe(routes.ready);
    for (const probe of [container.livenessProbe, container.startupProbe, container.readinessProbe])
      expect(portOf(probe!.httpGet!.port)).toBe(listens);
    // A loopback-only server is unreachable from the kubelet and the Service.
    expect(env.get('HOST')).toBe('0.0.0.0');
  });

  it.each(APPS)('%s: its settings are valid, and none that defaults to loopback is left unset', (app) => {
    const shape = shapeOf(app);
    const env = m.env(app);
    const known = Object.fromEntries([...env].filter((e): e is [string, string] => typeof e[1] === 'string'));
    const checked = checkConfig(shape, known);
    expect(checked.problems ?? []).toEqual([]);
    for (const [name, schema] of Object.entries(shape)) {
      const fallback = schema.safeParse(undefined);
      // Required (no default), or a default that only works on one machine: the manifests must set it.
      const needs = !fallback.success || /127\.0\.0\.1|localhost/.test(JSON.stringify(fallback.data) ?? '');
      if (needs) expect({ app, name, set: env.has(name) }).toEqual({ app, name, set: true });
    }
  });

  it('sets no variable that nothing reads', () => {
    const read = new Set(APPS.flatMap((app) => Object.keys(shapeOf(app))));
    for (const app of APPS) {
      const container = m.container(app);
      const inCommand = strings([container.command, container.args]).flatMap((s) =>
        [...s.matchAll(/\$\(([A-Z0-9_]+)\)/g)].map((x) => x[1]),
      );
      const unread = [...m.env(app).keys()].filter(
        (name) => !read.has(name) && !inCommand.includes(name) && !LIBRARY_VARIABLES.some((p) => p.test(name)),
      );
      expect({ app, unread }).toEqual({ app, unread: [] });
    }
  });

  it('points every app at Services and a Kafka listener that exist', () => {
    const kafka = m.get<K8sObject & { spec: { kafka: { listeners: Array<{ name: string; port: number }> } } }>(
      'Kafka',
      KAFKA_CLUSTER,
    );
    const bootstrap = `${kafka.metadata.name}-kafka-bootstrap`;
    const ports = kafka.spec.kafka.listeners.map((l) => l.port);
    for (const app of APPS) {
      const env = m.env(app);
      for (const broker of String(env.get('KAFKA_BROKERS')).split(',')) {
        const [host, port] = broker.trim().split(':');
        expect({ app, host, listener: ports.includes(Number(port)) }).toEqual({ app, host: bootstrap, listener: true });
      }
      for (const [name, value] of env) {
        if (!name.endsWith('_URL') || typeof value !== 'string' || !value.startsWith('http')) continue;
        const url = new URL(value);
        const service = m.find<K8sObject & { spec: { ports: Array<{ port: number }> } }>('Service', url.hostname);
        expect({ name, service: service?.metadata.name }).toEqual({ name, service: url.hostname });
        expect(service!.spec.ports.map((p) => p.port)).toContain(Number(url.port || 80));
      }
    }
  });

  it.each(APPS)('%s: the grace period outlasts the preStop pause and the app shutdown timeout', (app) => {
    const spec = m.deployment(app).spec.template.spec;
    const timeoutMs = Number(m.env(app).get('SHUTDOWN_TIMEOUT_MS') ?? commonShape.SHUTDOWN_TIMEOUT_MS.parse(undefined));
    const pauseSeconds = m.container(app).lifecycle?.preStop?.sleep?.seconds ?? 0;
    expect(spec.terminationGracePeriodSeconds ?? 30).toBeGreaterThan(pauseSeconds + timeoutMs / 1000);
  });

  it.each(SCALABLE_SERVICE_NAMES)('%s: scales on its group lag within its topics partitions, or runs once', (app) => {
    const prefix = String(m.env(app).get('JEEVES_TOPIC_PREFIX') ?? '');
    const consumer = CONSUMERS[app];
    const consumed = topicsConsumedBy(consumer.controller).map((t) => topicName(t as never, prefix));
    const scaled = m.find('ScaledObject', app) as
      | (K8sObject & {
          spec: {
            scaleTargetRef: { name: string };
            maxReplicaCount: number;
            triggers: Array<{ type: string; metadata: Record<string, string> }>;
          };
        })
      | undefined;
    if (!scaled) {
      expect(m.deployment(app).spec.replicas ?? 1).toBe(1);
      return;
    }
    expect(scaled.spec.scaleTargetRef.name).toBe(app);
    const kafka = m.get<K8sObject & { spec: { kafka: { listeners: Array<{ name: string; port: number }> } } }>(
      'Kafka',
      KAFKA_CLUSTER,
    );
    const bootstrap = `${KAFKA_CLUSTER}-kafka-bootstrap.${kafka.metadata.namespace}.svc:${kafka.spec.kafka.listeners[0].port}`;
    expect(scaled.spec.triggers.length).toBeGreaterThan(0);
    for (const { type, metadata } of scaled.spec.triggers) {
      expect(type).toBe('kafka');
      expect(metadata.bootstrapServers).toBe(bootstrap);
      expect(metadata.consumerGroup).toBe(consumerGroupName(consumer.group, prefix));
      expect(consumed).toContain(metadata.topic);
      const partitions = TOPIC_SPECS.find((t) => topicName(t.name, prefix) === metadata.topic)!.partitions;
      expect(scaled.spec.maxReplicaCount).toBeLessThanOrEqual(partitions);
      // At the lag where the alert fires, KEDA has already asked for every replica it may run.
      expect(Number(metadata.lagThreshold) * scaled.spec.maxReplicaCount).toBeLessThanOrEqual(LAG_ALERT_THRESHOLD);
    }
  });

  it.each(SCALABLE_SERVICE_NAMES)('%s: a disruption budget lets one pod go at a time', (app) => {
    const budget = m
      .all('PodDisruptionBudget')
      .find((p) =>
        matches(
          (p as unknown as { spec: { selector: { matchLabels: Record<string, string> } } }).spec.selector.matchLabels,
          m.deployment(app).spec.template.metadata.labels,
        ),
      ) as { spec: { maxUnavailable?: number } } | undefined;
    expect(budget?.spec.maxUnavailable).toBe(1);
  });

  it('runs data-service on one store: several replicas only with PostgreSQL', () => {
    if (m.maxReplicas('data-service') > 1) expect(m.env('data-service').has('DATABASE_URL')).toBe(true);
    else expect(m.env('data-service').has('DATABASE_URL')).toBe(false);
  });

  it('scales the gateway on CPU, never past the reply partitions of the Kafka read path', () => {
    const hpa = m.get<
      K8sObject & { spec: { scaleTargetRef: { kind: string; name: string }; maxReplicas: number; metrics: unknown[] } }
    >('HorizontalPodAutoscaler', 'gateway');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'gateway' });
    expect(strings(hpa.spec.metrics)).toContain('cpu');
    // A rolling update adds maxSurge pods (default 25%, rounded up) beside the maximum.
    const surge = m.deployment('gateway').spec.strategy?.rollingUpdate?.maxSurge ?? '25%';
    const surgePods = typeof surge === 'number' ? surge : Math.ceil((hpa.spec.maxReplicas * parseInt(surge, 10)) / 100);
    expect(hpa.spec.maxReplicas + surgePods).toBeLessThanOrEqual(READ_TOPIC_PARTITIONS);
  });

  it('creates every contract topic with its lab partitions, 3 replicas and min.insync.replicas 2', () => {
    const topics = m.all('KafkaTopic') as Array<
      K8sObject & { spec: { topicName: string; partitions: number; replicas: number; config: Record<string, unknown> } }
    >;
    const prefix = String(m.env('bot').get('JEEVES_TOPIC_PREFIX') ?? '');
    const expected = TOPIC_SPECS.map((t) => ({
      topic: topicName(t.name, prefix),
      partitions: t.partitions,
      replicas: TOPIC_REPLICAS,
      minInsync: TOPIC_MIN_INSYNC_REPLICAS,
      cluster: KAFKA_CLUSTER,
    }));
    const actual = topics.map((t) => ({
      topic: t.spec.topicName,
      partitions: t.spec.partitions,
      replicas: t.spec.replicas,
      minInsync: Number(t.spec.config['min.insync.replicas']),
      cluster: t.metadata.labels?.['strimzi.io/cluster'],
    }));
    const byTopic = (a: { topic: string }, b: { topic: string }) => a.topic.localeCompare(b.topic);
    expect(actual.sort(byTopic)).toEqual(expected.sort(byTopic));
  });

  it('runs a KRaft cluster that can lose a broker: 3 brokers, RF 3, min.insync.replicas 2', () => {
    const kafka = m.get<K8sObject & { spec: { kafka: { config: Record<string, unknown> } } }>('Kafka', KAFKA_CLUSTER);
    expect(kafka.spec.kafka.config).toMatchObject({
      'default.replication.factor': TOPIC_REPLICAS,
      'min.insync.replicas': TOPIC_MIN_INSYNC_REPLICAS,
      'auto.create.topics.enable': false,
    });
    const brokers = (m.all('KafkaNodePool') as Array<K8sObject & { spec: { replicas: number; roles: string[] } }>)
      .filter((p) => p.metadata.labels?.['strimzi.io/cluster'] === KAFKA_CLUSTER && p.spec.roles.includes('broker'))
      .reduce((sum, p) => sum + p.spec.replicas, 0);
    expect(brokers).toBeGreaterThanOrEqual(TOPIC_REPLICAS);
  });

  it("carries prometheus/rules as its PrometheusRule, and scrapes the apps as the rules' job", () => {
    const rule = m.get<K8sObject & { spec: { groups: unknown[] } }>('PrometheusRule', 'jeeves');
    expect(rule.spec.groups).toEqual(ruleGroups());
    const monitor = m.get<
      K8sObject & {
        spec: {
          jobLabel: string;
          selector: { matchExpressions: Array<{ key: string; values: string[] }> };
          podMetricsEndpoints: Array<{ port: string; path: string }>;
        };
      }
    >('PodMonitor', 'jeeves');
    const jobs = new Set(alertRules.flatMap((r) => [...r.expr.matchAll(/job="([^"]+)"/g)].map((x) => x[1])));
    for (const app of APPS) {
      const labels = m.deployment(app).spec.template.metadata.labels;
      const selected = monitor.spec.selector.matchExpressions.every((e) => e.values.includes(labels[e.key]));
      expect({ app, selected }).toEqual({ app, selected: true });
      for (const job of jobs) expect(labels[monitor.spec.jobLabel]).toBe(job);
      for (const endpoint of monitor.spec.podMetricsEndpoints) {
        expect(endpoint.path).toBe(routes.metrics);
        expect((m.container(app).ports ?? []).map((p) => p.name)).toContain(endpoint.port);
      }
    }
  });
});

describe('secrets', () => {
  /** Where the lab's published client secrets show up in an overlay: as text, or as a hash of one. */
  async function labSecretsIn(m: Manifests): Promise<string[]> {
    const found: string[] = [];
    const secrets = Object.values(LAB_CLIENTS).map((c) => c.secret);
    const texts = [
      ...strings(m.built.objects),
      ...m.all('Secret').flatMap((s) => Object.values(m.data('Secret', s.metadata.name) ?? {})),
    ];
    for (const text of texts) {
      for (const secret of secrets) if (text.includes(secret)) found.push(`the text ${secret}`);
      if (text.trim().startsWith('[')) {
        const clients = (() => {
          try {
            return parse(text) as Array<{ clientId: string; secretHash: string }>;
          } catch {
            return [];
          }
        })();
        if (Array.isArray(clients) && clients.every((c) => typeof c?.secretHash === 'string'))
          found.push(...(await clientsWithDefaultSecrets(clients as never)).map((id) => `a hash of ${id}'s`));
      }
    }
    return found;
  }

  it('production holds no secret: no Secret object, no lab default secret or its hash', async () => {
    expect(builds.production.all('Secret')).toEqual([]);
    expect(await labSecretsIn(builds.production)).toEqual([]);
  });

  it("local's lab clients are found by the same search (so it can fail)", async () => {
    expect((await labSecretsIn(builds.local)).sort()).toEqual(["a hash of jeeves-demo's", "a hash of lab-admin's"]);
  });
});
