/**
 * Builds deploy/'s overlays with kustomize and validates the objects with kubeconform against the
 * schemas vendored in tools/deploy/schemas (no network). The binaries are the pinned ones that
 * tools/deploy/install.sh puts in the lab cache.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ServiceName } from '#libs/contracts';
import { REPO_ROOT as ROOT } from '../lab';

export const DEPLOY_DIR = join(ROOT, 'deploy');
export const OVERLAYS = ['local', 'production'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** The Kubernetes version the vendored schemas describe (tools/deploy/vendor-schemas.ts). */
export const SCHEMA_KUBERNETES_VERSION = '1.35.0';
const SCHEMAS_DIR = join(ROOT, 'tools', 'deploy', 'schemas');

export class DeployToolsMissingError extends Error {
  override readonly name = 'DeployToolsMissingError';
}

export interface DeployTools {
  readonly kustomize: string;
  readonly kubeconform: string;
}

/** The pinned kustomize and kubeconform, or an error that says how to install them. */
export function deployTools(env: NodeJS.ProcessEnv = process.env): DeployTools {
  const result = spawnSync('sh', [join(ROOT, 'tools', 'deploy', 'install.sh'), '--check'], { env, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new DeployToolsMissingError(
      `${result.stderr.trim() || 'kustomize and kubeconform are missing'}\n` +
        'The manifest checks need them (Go builds them once, into the lab cache): sh tools/deploy/install.sh',
    );
  }
  const dir = result.stdout.trim();
  return { kustomize: join(dir, 'kustomize'), kubeconform: join(dir, 'kubeconform') };
}

/** A Kubernetes object as kustomize prints it. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  readonly [field: string]: unknown;
}

export interface Built {
  readonly yaml: string;
  readonly objects: readonly K8sObject[];
}

export function kustomizeBuild(tools: DeployTools, overlay: Overlay): Built {
  const yaml = execFileSync(tools.kustomize, ['build', join(DEPLOY_DIR, 'overlays', overlay)], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const objects = parseAllDocuments(yaml)
    .map((document) => document.toJSON() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
  return { yaml, objects };
}

export interface ValidationResult {
  readonly summary: { valid: number; invalid: number; errors: number; skipped: number };
  readonly resources: ReadonlyArray<{ kind: string; name: string; status: string; msg?: string }>;
}

/** kubeconform over `yaml` in strict mode; a kind without a vendored schema is an error, never skipped. */
export function kubeconform(tools: DeployTools, yaml: string): ValidationResult {
  const result = spawnSync(
    tools.kubeconform,
    [
      '-strict',
      '-summary',
      '-output',
      'json',
      '-kubernetes-version',
      SCHEMA_KUBERNETES_VERSION,
      '-schema-location',
      join(SCHEMAS_DIR, 'kubernetes-{{ .NormalizedKubernetesVersion }}', '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
      '-schema-location',
      join(SCHEMAS_DIR, 'crds', '{{ .Group }}', '{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'),
      '-',
    ],
    { input: yaml, encoding: 'utf8', timeout: 60_000 },
  );
  if (result.error) throw result.error;
  try {
    return JSON.parse(result.stdout) as ValidationResult;
  } catch {
    throw new Error(`kubeconform printed no JSON (exit ${result.status}): ${result.stderr || result.stdout}`);
  }
}

/** Stands for a value Kubernetes fills in at run time (a Secret the operator creates, a field of the pod). */
export const UNKNOWN = Symbol('set at run time');
export type EnvValue = string | typeof UNKNOWN;

export interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: Record<string, { name?: string; key?: string }> }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
}
export interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
}
export interface Deployment extends K8sObject {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    strategy?: { rollingUpdate?: { maxSurge?: number | string } };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

/** One overlay's objects, with the lookups the checks need. */
export class Manifests {
  constructor(
    readonly overlay: Overlay,
    readonly built: Built,
  ) {}

  all(kind: string): K8sObject[] {
    return this.built.objects.filter((o) => o.kind === kind);
  }

  find<T extends K8sObject = K8sObject>(kind: string, name: string): T | undefined {
    return this.built.objects.find((o) => o.kind === kind && o.metadata.name === name) as T | undefined;
  }

  get<T extends K8sObject = K8sObject>(kind: string, name: string): T {
    const found = this.find<T>(kind, name);
    if (!found) throw new Error(`${this.overlay}: no ${kind} ${name}`);
    return found;
  }

  /** A ConfigMap or Secret as kustomize named it (generated ones carry a hash suffix). */
  data(kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> | undefined {
    const object = this.find(kind, name) as { data?: Record<string, string> } | undefined;
    if (!object) return undefined;
    const data = object.data ?? {};
    return kind === 'Secret'
      ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]))
      : data;
  }

  deployment(app: ServiceName): Deployment {
    return this.get<Deployment>('Deployment', app);
  }

  container(app: ServiceName): Container {
    const [container] = this.deployment(app).spec.template.spec.containers;
    return container;
  }

  /** The environment a container starts with: envFrom first, then env (which wins), as the kubelet does. */
  env(app: ServiceName): Map<string, EnvValue> {
    const container = this.container(app);
    const out = new Map<string, EnvValue>();
    for (const source of container.envFrom ?? []) {
      // A Secret read whole would hide which variables it sets: the manifests name each one in env.
      if (!source.configMapRef) throw new Error(`${this.overlay}: ${app} takes a Secret whole (envFrom)`);
      const data = this.data('ConfigMap', source.configMapRef.name);
      if (!data) throw new Error(`${this.overlay}: ${app} reads a missing ConfigMap ${source.configMapRef.name}`);
      for (const [key, value] of Object.entries(data)) out.set(key, value);
    }
    for (const variable of container.env ?? []) {
      const secret = variable.valueFrom?.secretKeyRef;
      const fromSecret = secret && this.data('Secret', secret.name!)?.[secret.key!];
      out.set(variable.name, variable.value ?? fromSecret ?? UNKNOWN);
    }
    return out;
  }

  /** How many replicas an app may run: its autoscaler's maximum, else its fixed count. */
  maxReplicas(app: ServiceName): number {
    const scaled = this.find('ScaledObject', app) as { spec: { maxReplicaCount: number } } | undefined;
    const hpa = this.all('HorizontalPodAutoscaler').find(
      (h) => (h as unknown as { spec: { scaleTargetRef: { name: string } } }).spec.scaleTargetRef.name === app,
    ) as { spec: { maxReplicas: number } } | undefined;
    return scaled?.spec.maxReplicaCount ?? hpa?.spec.maxReplicas ?? this.deployment(app).spec.replicas ?? 1;
  }
}
