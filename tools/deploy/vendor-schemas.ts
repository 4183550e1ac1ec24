/**
 * Writes the JSON schemas that tools/deploy/manifests.spec.ts validates deploy/ against with
 * kubeconform, offline: the Kubernetes kinds the manifests use, and the custom resources of KEDA,
 * Strimzi and the Prometheus Operator. Run by hand when a pin moves (tools/deploy/README.md says
 * where each input comes from); the output is committed under tools/deploy/schemas/.
 *
 *   node dist/tools/deploy/vendor-schemas.js --kubernetes <dir of v1.35.0-local-strict> --crd <file.yaml>...
 *
 * Kubernetes: kubernetes-validate's strict schemas refer to one shared definitions file; each kind
 * kept is written standalone (references inlined), as kubeconform's own schema sets are. CRDs: each
 * served version's openAPIV3Schema, made strict the way kubeconform's openapi2jsonschema.py does it
 * (`additionalProperties: false` on every object that lists its properties and does not keep unknown
 * fields). Descriptions are dropped from both: they are most of the bytes and no check reads them.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../lab';

/** The Kubernetes kinds deploy/ uses, as kubeconform names their schema files (`<kind><suffix>.json`). */
export const KUBERNETES_SCHEMA_FILES = [
  'configmap-v1.json',
  'secret-v1.json',
  'service-v1.json',
  'serviceaccount-v1.json',
  'namespace-v1.json',
  'deployment-apps-v1.json',
  'poddisruptionbudget-policy-v1.json',
  'horizontalpodautoscaler-autoscaling-v2.json',
  'networkpolicy-networking-v1.json',
] as const;

export const KUBERNETES_VERSION = 'v1.35.0';
export const SCHEMAS_DIR = join(REPO_ROOT, 'tools', 'deploy', 'schemas');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Inlines `$ref`s into `definitions` (`…#/$defs/<name>`), dropping descriptions; a reference cycle is an error. */
export function inlineReferences(schema: Json, definitions: JsonObject, path: readonly string[] = []): Json {
  if (Array.isArray(schema)) return schema.map((item) => inlineReferences(item, definitions, path));
  if (!isObject(schema)) return schema;
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const name = ref.slice(ref.lastIndexOf('/') + 1);
    if (path.includes(name)) throw new Error(`reference cycle through ${[...path, name].join(' → ')}`);
    const target = definitions[name];
    if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
    const { $ref: _ref, ...siblings } = schema;
    const inlined = inlineReferences(target, definitions, [...path, name]);
    return Object.keys(siblings).length === 0 || !isObject(inlined)
      ? inlined
      : { ...(inlineReferences(siblings, definitions, path) as JsonObject), ...inlined };
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description' && typeof value === 'string') continue;
    out[key] =
      key === 'properties' && isObject(value)
        ? mapValues(value, definitions, path)
        : inlineReferences(value, definitions, path);
  }
  return out;
}

function mapValues(properties: JsonObject, definitions: JsonObject, path: readonly string[]): JsonObject {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, inlineReferences(v, definitions, path)]));
}

/**
 * A CRD's openAPIV3Schema as a strict JSON schema: objects that list their properties refuse
 * others unless they keep unknown fields; `x-kubernetes-int-or-string` becomes an explicit anyOf.
 */
export function strictCrdSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(strictCrdSchema);
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description' && typeof value === 'string') continue;
    out[key] = key === 'properties' && isObject(value) ? mapStrict(value) : strictCrdSchema(value);
  }
  if (
    isObject(out.properties) &&
    out.additionalProperties === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out.additionalProperties = false;
  }
  if (out['x-kubernetes-int-or-string'] === true && out.anyOf === undefined && out.oneOf === undefined) {
    out.anyOf = [{ type: 'string' }, { type: 'integer' }];
  }
  return out;
}

function mapStrict(properties: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, strictCrdSchema(v)]));
}

function writeJson(path: string, value: Json): void {
  writeFileSync(path, `${JSON.stringify(value)}\n`);
}

function vendorKubernetes(sourceDir: string): void {
  const out = join(SCHEMAS_DIR, `kubernetes-${KUBERNETES_VERSION}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const shared = JSON.parse(readFileSync(join(sourceDir, '_definitions.json'), 'utf8')) as JsonObject;
  const definitions = (shared.$defs ?? shared.definitions) as JsonObject;
  for (const file of KUBERNETES_SCHEMA_FILES) {
    const schema = JSON.parse(readFileSync(join(sourceDir, file), 'utf8')) as Json;
    writeJson(join(out, file), inlineReferences(schema, definitions));
  }
}

function vendorCrd(file: string): string[] {
  const written: string[] = [];
  for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const crd = document.toJSON() as JsonObject | null;
    if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
    const spec = crd.spec as JsonObject;
    const group = spec.group as string;
    const kind = ((spec.names as JsonObject).kind as string).toLowerCase();
    for (const version of spec.versions as JsonObject[]) {
      if (version.served !== true) continue;
      const schema = (version.schema as JsonObject).openAPIV3Schema;
      const dir = join(SCHEMAS_DIR, 'crds', group);
      mkdirSync(dir, { recursive: true });
      const name = `${kind}_${version.name as string}.json`;
      writeJson(join(dir, name), strictCrdSchema(schema));
      written.push(`${group}/${name}`);
    }
  }
  if (written.length === 0) throw new Error(`${file}: no CustomResourceDefinition with a served version`);
  return written;
}

function main(argv: readonly string[]): void {
  const kubernetes = argv[argv.indexOf('--kubernetes') + 1];
  const crds = argv.flatMap((arg, i) => (argv[i - 1] === '--crd' ? [arg] : []));
  if (!argv.includes('--kubernetes') || !kubernetes || crds.length === 0) {
    process.stderr.write('usage: vendor-schemas --kubernetes <v1.35.0-local-strict dir> --crd <file.yaml>...\n');
    process.exit(2);
  }
  vendorKubernetes(kubernetes);
  rmSync(join(SCHEMAS_DIR, 'crds'), { recursive: true, force: true });
  for (const file of crds) process.stdout.write(`${basename(file)}: ${vendorCrd(file).join(', ')}\n`);
}

if (require.main === module) main(process.argv.slice(2));
