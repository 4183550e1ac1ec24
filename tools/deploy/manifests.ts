/**
 * Builds deploy/'s overlays with kustomize and validates the objects with kubeconform against the
 * schemas vendored in tools/deploy/schemas (no network). The binaries are the pinned ones that
 * tools/deploy/install.sh puts in the lab cache.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
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
