import Ajv from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type ComposeService, dependencies, loadCompose, servicesUnder } from '../docker/compose-file';
import { pinnedPrometheusVersion } from '../lab';
import { METRICS } from './metric-catalogue';
import { REPO_ROOT } from './promtool';

/**
 * docker-compose.observability.yml is for users with Docker; Docker never runs here. It is checked
 * against the Compose Specification's own JSON Schema (vendored, see vendor/README.md) and then for
 * what the schema cannot know: that it wires our files, ports and services together. Read as a user
 * who sets no variable reads it. The `apps` profile (the six apps in containers) has its own spec,
 * tools/docker/compose-apps-profile.spec.ts; here it only must leave the rest as it was.
 */

const compose = loadCompose();
/** The stack and k6: every service but the apps profile's. */
const services = Object.fromEntries(
  Object.entries(compose.services).filter(([, s]) => !(s.profiles ?? []).includes('apps')),
);
const APP_PORTS = [3000, 3001, 3002, 3003, 3004, 3005];

function mounts(service: ComposeService): Map<string, string> {
  return new Map((service.volumes ?? []).map((v) => v.split(':')).map(([source, target]) => [target, source]));
}

function hostPorts(service: ComposeService): number[] {
  return (service.ports ?? []).map((p) => Number(p.split(':')[0]));
}

function loadSchema(): object {
  // Ajv knows draft-07 as http://json-schema.org/draft-07/schema#; the file names it with https and no
  // fragment. Dropping `$schema` makes Ajv use its default, which is that same draft.
  const { $schema: _draft, ...schema } = JSON.parse(
    readFileSync(join(__dirname, 'vendor', 'compose-spec.json'), 'utf8'),
  ) as Record<string, unknown>;
  return schema;
}

describe('docker-compose.observability.yml', () => {
  const ajv = new Ajv({ allErrors: true, validateFormats: false, allowUnionTypes: true, strictTypes: false });
  const validate = ajv.compile(loadSchema());

  it('is valid against the Compose Specification JSON Schema', () => {
    validate(compose);
    expect(validate.errors ?? []).toEqual([]);
  });

  it('fails that schema when a service has a field Compose does not know (the check can fail)', () => {
    const broken = structuredClone(compose);
    (broken.services.prometheus as unknown as Record<string, unknown>).port = ['9090:9090'];
    expect(validate(broken)).toBe(false);
  });

  it('runs exactly Kafka, Prometheus, Grafana, Jaeger, the collector and k6 (no Tempo, no Loki)', () => {
    expect(Object.keys(services).sort()).toEqual(['grafana', 'jaeger', 'k6', 'kafka', 'otel-collector', 'prometheus']);
  });

  it('starts, without a profile, the stack alone: no service of it waits for or mounts a profile service', () => {
    const stack = servicesUnder(compose);
    expect(Object.keys(stack).sort()).toEqual(['grafana', 'jaeger', 'kafka', 'otel-collector', 'prometheus']);
    const waits = Object.values(stack).flatMap(dependencies);
    expect(waits.length).toBeGreaterThan(0);
    expect(waits.filter((name) => !(name in stack))).toEqual([]);
  });

  it('pins every image to a version', () => {
    const unpinned = Object.entries(services).filter(([, s]) => !/^[\w./-]+:v?\d+\.\d+\.\d+$/.test(s.image));
    expect(unpinned.map(([name, s]) => `${name}: ${s.image}`)).toEqual([]);
  });

  it('starts k6 only under the k6 profile', () => {
    expect(services.k6.profiles).toEqual(['k6']);
    expect(Object.entries(services).filter(([name, s]) => name !== 'k6' && s.profiles)).toEqual([]);
  });

  it('mounts the host-scraping Prometheus config unless PROMETHEUS_CONFIG names another', () => {
    const configMount = (s: ComposeService): string | undefined => mounts(s).get('/etc/prometheus/prometheus.yml');
    expect(configMount(services.prometheus)).toBe('./prometheus/prometheus.yml');
    const other = loadCompose({ PROMETHEUS_CONFIG: 'prometheus-compose-apps.yml' });
    expect(configMount(other.services.prometheus)).toBe('./prometheus/prometheus-compose-apps.yml');
  });

  it('mounts only files and folders that exist in the repo', () => {
    const sources = Object.values(services).flatMap((s) =>
      [...mounts(s).values()].filter((src) => src.startsWith('./')),
    );
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((src) => !existsSync(join(REPO_ROOT, src)))).toEqual([]);
  });

  it('publishes distinct host ports that do not collide with the apps', () => {
    const ports = Object.values(services).flatMap(hostPorts);
    expect(new Set(ports).size).toBe(ports.length);
    expect(ports.filter((p) => APP_PORTS.includes(p))).toEqual([]);
    expect(hostPorts(services.kafka)).toEqual([9092]);
    expect(hostPorts(services['otel-collector']).sort()).toEqual([4317, 4318]);
  });

  it('runs KRaft Kafka advertised on localhost:9092 for the apps on the host, kafka:19092 for containers', () => {
    const env = services.kafka.environment ?? {};
    expect(services.kafka.image).toMatch(/^apache\/kafka:/);
    expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(String(env.KAFKA_ADVERTISED_LISTENERS).split(',')).toEqual([
      'PLAINTEXT://localhost:9092',
      'COMPOSE://kafka:19092',
    ]);
    // Only the host's listener is published; the compose one stays on the compose network.
    expect(services.kafka.ports).toEqual(['9092:9092']);
    expect(String(env.KAFKA_LISTENERS).split(',')).toContain('COMPOSE://:19092');
    expect(String(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).split(',')).toContain('COMPOSE:PLAINTEXT');
  });

  it('runs the Prometheus release the lab pins (tools/prometheus/VERSION), the one the rules are checked with', () => {
    expect(services.prometheus.image).toBe(`prom/prometheus:v${pinnedPrometheusVersion()}`);
  });

  it('gives Prometheus our config and rules, remote write and exemplar storage', () => {
    const p = services.prometheus;
    const m = mounts(p);
    expect(p.command).toContain('--web.enable-remote-write-receiver');
    expect(p.command).toContain('--enable-feature=exemplar-storage');
    const configPath = (p.command ?? []).find((c) => c.startsWith('--config.file='))?.split('=')[1] ?? '';
    expect(m.get(configPath)).toBe('./prometheus/prometheus.yml');
    // prometheus.yml loads /etc/prometheus/rules/*.yml
    const ruleGlob = (
      parse(readFileSync(join(REPO_ROOT, 'prometheus', 'prometheus.yml'), 'utf8')) as { rule_files: string[] }
    ).rule_files;
    expect(ruleGlob).toEqual(['/etc/prometheus/rules/*.yml']);
    expect(m.get('/etc/prometheus/rules')).toBe('./prometheus/rules');
    expect(p.extra_hosts).toContain('host.docker.internal:host-gateway');
  });

  it('gives Grafana the provisioning and the dashboards where the provider looks, with anonymous admin', () => {
    const g = services.grafana;
    const m = mounts(g);
    expect(m.get('/etc/grafana/provisioning')).toBe('./grafana/provisioning');
    const provider = parse(
      readFileSync(join(REPO_ROOT, 'grafana', 'provisioning', 'dashboards', 'dashboards.yml'), 'utf8'),
    ) as {
      providers: Array<{ options: { path: string } }>;
    };
    expect(m.get(provider.providers[0].options.path)).toBe('./grafana/dashboards');
    expect(g.environment).toMatchObject({ GF_AUTH_ANONYMOUS_ENABLED: 'true', GF_AUTH_ANONYMOUS_ORG_ROLE: 'Admin' });
    expect(String(g.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH)).toMatch(
      /^\/var\/lib\/grafana\/dashboards\/[\w-]+\.json$/,
    );
    const home = String(g.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).split('/').pop() ?? '';
    expect(existsSync(join(REPO_ROOT, 'grafana', 'dashboards', home))).toBe(true);
  });

  it('has k6 write to Prometheus with the trend stats the dashboards read', () => {
    const env = services.k6.environment ?? {};
    expect(env.K6_PROMETHEUS_RW_SERVER_URL).toBe('http://prometheus:9090/api/v1/write');
    expect(services.k6.command).toEqual(expect.arrayContaining(['run', 'experimental-prometheus-rw']));
    expect(services.k6.command?.at(-1)).toMatch(/^\/load-tests\/k6\//);
    expect(mounts(services.k6).get('/load-tests')).toBe('./load-tests');
    // k6 names a stat p(95) as the suffix _p95: every catalogued trend series must be produced.
    const stats = String(env.K6_PROMETHEUS_RW_TREND_STATS)
      .split(',')
      .map((s) => s.replace(/^p\((\d+)\)$/, 'p$1'));
    const wanted = METRICS.map((m) => /^k6_http_req_duration_(\w+)$/.exec(m.name)?.[1]).filter((s): s is string =>
      Boolean(s),
    );
    expect(wanted.length).toBe(5);
    expect(stats.sort()).toEqual(wanted.sort());
  });
});
