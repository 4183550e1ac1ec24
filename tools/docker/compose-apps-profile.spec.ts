import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkConfig } from '#libs/config';
import { CONSOLE_APP, defaultPortOf, type ServiceName } from '#libs/contracts';
import { appConfigShape, CONFIGURED_APPS } from './app-config-shapes';
import { appEnv, describeInstance, loadLabConfig } from '../lab';
import { type ComposeService, dependencies, loadCompose, REPO_ROOT, servicesUnder } from './compose-file';
import { envOf as dockerfileEnv, loadDockerfile } from './dockerfile';

/**
 * The compose file's `apps` profile: the six apps from ./Dockerfile against the compose Kafka. No
 * Docker engine runs here, so what Compose would find out at `up` is checked from the files: the
 * environment against each app's own config validation, addresses against the services, health
 * conditions against health checks.
 */

const compose = loadCompose();
const apps = Object.fromEntries(
  Object.entries(compose.services).filter(([, s]) => (s.profiles ?? []).includes('apps')),
);
const nestApps = Object.entries(
  (JSON.parse(readFileSync(join(REPO_ROOT, 'nest-cli.json'), 'utf8')) as { projects: Record<string, { type: string }> })
    .projects,
)
  // The lab console is a lab tool, not in the image or the compose apps profile (ADR 0100).
  .filter(([name, p]) => p.type === 'application' && name !== CONSOLE_APP.name)
  .map(([name]) => name);

const imageEnv = dockerfileEnv(loadDockerfile());
/** What the app's process sees: the image's ENV, then the service's environment over it. */
const environment = (service: ComposeService): Record<string, string> => ({
  ...imageEnv,
  ...Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)])),
});

/** host:port of a URL or a `host:port` pair. */
function hostPort(address: string): { host: string; port: number } {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  return { host: url.hostname, port: Number(url.port) };
}

describe('docker-compose.observability.yml, profile apps', () => {
  it('runs exactly the applications of nest-cli.json, each from the image with its name as the command', () => {
    expect(Object.keys(apps).sort()).toEqual([...nestApps].sort());
    for (const [name, service] of Object.entries(apps)) {
      expect({ name, command: service.command, profiles: service.profiles }).toEqual({
        name,
        command: [name],
        profiles: ['apps'],
      });
    }
  });

  it('builds every app from the repo Dockerfile into one image name', () => {
    const builds = Object.values(apps).map((s) => ({ image: s.image, build: s.build }));
    expect(new Set(builds.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(builds[0].build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(builds[0].image).toMatch(/^jeeves-lab:[\w.-]+$/);
    // Nothing else in the file builds or names that image.
    const others = Object.entries(compose.services).filter(([name]) => !(name in apps));
    expect(others.filter(([, s]) => s.build !== undefined || s.image.startsWith('jeeves-lab:'))).toEqual([]);
  });

  it.each(CONFIGURED_APPS)('gives %s an environment its own config validation accepts', (name) => {
    const app = name as ServiceName;
    const checked = checkConfig(appConfigShape(app), environment(apps[app]));
    expect(checked.problems ?? []).toEqual([]);
  });

  it.each(CONFIGURED_APPS)(
    'sets for %s, with the image, every variable the lab sets for it (tools/lab appEnv)',
    (name) => {
      const app = name as ServiceName;
      const config = loadLabConfig({}, { stateDir: mkdtempSync(join(tmpdir(), 'jeeves-compose-')) });
      // appEnv passes some of the lab's own environment through; with none, what is left is its own.
      const saved = process.env;
      process.env = {};
      let labEnv: NodeJS.ProcessEnv;
      try {
        labEnv = appEnv(config, describeInstance(config, app), { brokers: '127.0.0.1:9092' });
      } finally {
        process.env = saved;
      }
      // The host's own PATH, HOME, LANG and TZ are the image's business, not the lab's settings.
      const wanted = Object.entries(labEnv)
        .filter(([key, value]) => value !== undefined && !['PATH', 'HOME', 'LANG', 'TZ'].includes(key))
        .map(([key]) => key);
      expect(wanted.length).toBeGreaterThan(10);
      const set = environment(apps[app]);
      expect(wanted.filter((key) => !(key in set))).toEqual([]);
      expect(set.PORT).toBe(String(defaultPortOf(app)));
      expect(set.INSTANCE_ID).toBe(app);
    },
  );

  it('points every app at the others by service name and port, at the compose listener of Kafka and at the collector', () => {
    const kafkaEnv = environment(compose.services.kafka);
    const advertised = Object.fromEntries(
      kafkaEnv.KAFKA_ADVERTISED_LISTENERS.split(',').map((l) => [l.split('://')[0], l.split('://')[1]]),
    );
    const collector = parse(readFileSync(join(REPO_ROOT, 'otel-collector', 'config.yaml'), 'utf8')) as {
      receivers: { otlp: { protocols: { http: { endpoint: string } } } };
    };
    const otlpHttpPort = hostPort(collector.receivers.otlp.protocols.http.endpoint).port;
    const URLS: Record<string, ServiceName> = {
      TOKEN_DEALER_URL: 'token-dealer',
      DATA_SERVICE_URL: 'data-service',
      PROVIDER_URL: 'provider',
      GATEWAY_URL: 'gateway',
    };
    for (const [name, service] of Object.entries(apps)) {
      const set = environment(service);
      for (const [variable, target] of Object.entries(URLS)) {
        expect({ name, variable, ...hostPort(set[variable]) }).toEqual({
          name,
          variable,
          host: target,
          port: Number(environment(apps[target]).PORT),
        });
      }
      expect({ name, brokers: set.KAFKA_BROKERS }).toEqual({ name, brokers: advertised.COMPOSE });
      expect({ name, otlp: set.OTEL_EXPORTER_OTLP_ENDPOINT }).toEqual({
        name,
        otlp: `http://otel-collector:${otlpHttpPort}`,
      });
      // The token-dealer refuses the lab's published client secrets under production.
      expect({ name, nodeEnv: set.NODE_ENV }).toEqual({ name, nodeEnv: 'development' });
      expect({ name, host: set.HOST }).toEqual({ name, host: '0.0.0.0' });
    }
    expect(advertised.COMPOSE).toBe('kafka:19092');
  });

  it('waits only for services that exist, start with the apps, and can report healthy', () => {
    const started = servicesUnder(compose, ['apps']);
    for (const [name, service] of Object.entries(apps)) {
      const deps = service.depends_on as Record<string, { condition?: string }> | undefined;
      for (const target of dependencies(service)) {
        expect({ name, target, exists: target in started }).toEqual({ name, target, exists: true });
        const condition = deps?.[target]?.condition;
        // service_healthy needs a health check: the stack's own, or the image's HEALTHCHECK.
        const healthChecked = started[target].healthcheck !== undefined || target in apps;
        expect({ name, target, condition, healthChecked }).toEqual({
          name,
          target,
          condition: 'service_healthy',
          healthChecked: true,
        });
      }
    }
    // The consumers and the gateway need Kafka; the gateway its token-dealer and data-service.
    for (const name of ['gateway', 'data-service', 'bot', 'worker'])
      expect(dependencies(apps[name])).toContain('kafka');
    expect(dependencies(apps.gateway)).toEqual(expect.arrayContaining(['token-dealer', 'data-service']));
    expect(dependencies(apps.worker)).toContain('provider');
  });

  it('publishes each app on its port on 127.0.0.1 only, clear of every other published port', () => {
    for (const [name, service] of Object.entries(apps)) {
      const port = environment(service).PORT;
      expect({ name, ports: service.ports }).toEqual({ name, ports: [`127.0.0.1:${port}:${port}`] });
    }
    const hostPorts = Object.values(compose.services).flatMap((s) =>
      (s.ports ?? []).map((p) => {
        const parts = p.split(':');
        return parts.length === 3 ? Number(parts[1]) : Number(parts[0]);
      }),
    );
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
    const unbound = Object.entries(apps).flatMap(([name, s]) =>
      (s.ports ?? []).filter((p) => !p.startsWith('127.0.0.1:')).map((p) => `${name}: ${p}`),
    );
    expect(unbound).toEqual([]);
  });

  it('keeps data-service SQLite on a named volume at its DATA_DIR, which the image makes writable', () => {
    const dataDir = environment(apps['data-service']).DATA_DIR;
    expect(dataDir).toBe(imageEnv.DATA_DIR);
    const mount = (apps['data-service'].volumes ?? []).find((v) => v.endsWith(`:${dataDir}`));
    expect(mount).toBeDefined();
    const volume = (mount ?? '').split(':')[0];
    expect(Object.keys(compose.volumes ?? {})).toContain(volume);
  });

  it('has Prometheus scrape the containers, by name and port, with PROMETHEUS_CONFIG=prometheus-compose-apps.yml', () => {
    const withApps = loadCompose({ PROMETHEUS_CONFIG: 'prometheus-compose-apps.yml' });
    const mount = (withApps.services.prometheus.volumes ?? []).find((v) =>
      v.includes(':/etc/prometheus/prometheus.yml'),
    );
    const file = (mount ?? '').split(':')[0];
    const config = parse(readFileSync(join(REPO_ROOT, file), 'utf8')) as {
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const targets = config.scrape_configs
      .find((j) => j.job_name === 'jeeves')
      ?.static_configs.flatMap((c) => c.targets)
      .sort();
    expect(targets).toEqual(
      Object.entries(apps)
        .map(([name, s]) => `${name}:${environment(s).PORT}`)
        .sort(),
    );
  });
});
