import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { allPanels, loadDashboards } from './dashboard-queries';
import { REPO_ROOT } from './promtool';

const read = (...path: string[]): unknown => parse(readFileSync(join(REPO_ROOT, ...path), 'utf8'));

/** Grafana's datasource provisioning file, the fields we use (strict, so a misspelt key fails). */
const datasourcesSchema = z.strictObject({
  apiVersion: z.literal(1),
  deleteDatasources: z.array(z.strictObject({ name: z.string(), orgId: z.number() })).optional(),
  datasources: z.array(
    z.strictObject({
      name: z.string(),
      uid: z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/),
      type: z.enum(['prometheus', 'jaeger']),
      access: z.literal('proxy'),
      orgId: z.number(),
      url: z.url(),
      isDefault: z.boolean().optional(),
      editable: z.boolean(),
      jsonData: z.record(z.string(), z.unknown()),
    }),
  ),
});

const providersSchema = z.strictObject({
  apiVersion: z.literal(1),
  providers: z.array(
    z.strictObject({
      name: z.string(),
      orgId: z.number(),
      folder: z.string(),
      folderUid: z.string(),
      type: z.literal('file'),
      disableDeletion: z.boolean(),
      allowUiUpdates: z.boolean(),
      updateIntervalSeconds: z.number().int().positive(),
      options: z.strictObject({ path: z.string().startsWith('/'), foldersFromFilesStructure: z.boolean() }),
    }),
  ),
});

const compose = read('docker-compose.observability.yml') as { services: Record<string, { ports?: string[] }> };

describe('grafana/provisioning/datasources/datasources.yml', () => {
  const file = datasourcesSchema.parse(read('grafana', 'provisioning', 'datasources', 'datasources.yml'));
  const byUid = new Map(file.datasources.map((d) => [d.uid, d]));

  it('provides Prometheus as uid `prometheus` (the default) and Jaeger as uid `jaeger`', () => {
    expect(byUid.get('prometheus')).toMatchObject({ type: 'prometheus', isDefault: true });
    expect(byUid.get('jaeger')).toMatchObject({ type: 'jaeger' });
  });

  it('points at the compose services by name and port', () => {
    for (const d of file.datasources) {
      const url = new URL(d.url);
      expect(Object.keys(compose.services)).toContain(url.hostname);
    }
    expect(byUid.get('prometheus')?.url).toBe('http://prometheus:9090');
    expect(byUid.get('jaeger')?.url).toBe('http://jaeger:16686');
  });

  it('links exemplars with a trace_id label to the Jaeger datasource', () => {
    const destinations = z
      .array(z.strictObject({ name: z.string(), datasourceUid: z.string(), urlDisplayLabel: z.string().optional() }))
      .parse(byUid.get('prometheus')?.jsonData.exemplarTraceIdDestinations);
    expect(destinations).toEqual([expect.objectContaining({ name: 'trace_id', datasourceUid: 'jaeger' })]);
  });

  it('has every datasource uid the dashboards use', () => {
    const used = loadDashboards(join(REPO_ROOT, 'grafana', 'dashboards')).flatMap((d) =>
      allPanels(d).flatMap((p) => [
        (p as { datasource?: { uid: string } }).datasource?.uid,
        ...(p.targets ?? []).map((t) => (t as { datasource?: { uid: string } }).datasource?.uid),
      ]),
    );
    const missing = [...new Set(used)].filter((uid): uid is string => Boolean(uid) && !byUid.has(uid as string));
    expect(missing).toEqual([]);
  });
});

describe('grafana/provisioning/dashboards/dashboards.yml', () => {
  it('is a file provider with an absolute path', () => {
    const file = providersSchema.parse(read('grafana', 'provisioning', 'dashboards', 'dashboards.yml'));
    expect(file.providers).toHaveLength(1);
  });
});

describe('otel-collector/config.yaml', () => {
  const config = read('otel-collector', 'config.yaml') as {
    receivers: Record<string, { protocols?: Record<string, { endpoint: string }> }>;
    processors: Record<string, unknown>;
    exporters: Record<string, { endpoint?: string }>;
    extensions?: Record<string, unknown>;
    service: {
      extensions?: string[];
      pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }>;
      telemetry?: {
        metrics?: { readers?: Array<{ pull?: { exporter?: { prometheus?: { host: string; port: number } } } }> };
      };
    };
  };

  it('uses in its pipelines only components it defines', () => {
    const undefinedRefs = Object.entries(config.service.pipelines).flatMap(([name, p]) => [
      ...p.receivers.filter((r) => !(r in config.receivers)).map((r) => `${name}: receiver ${r}`),
      ...(p.processors ?? []).filter((r) => !(r in config.processors)).map((r) => `${name}: processor ${r}`),
      ...p.exporters.filter((r) => !(r in config.exporters)).map((r) => `${name}: exporter ${r}`),
    ]);
    expect(undefinedRefs).toEqual([]);
    expect((config.service.extensions ?? []).filter((e) => !(e in (config.extensions ?? {})))).toEqual([]);
  });

  it('receives OTLP on all interfaces at the ports compose publishes', () => {
    const protocols = config.receivers.otlp.protocols ?? {};
    expect(protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect(protocols.http.endpoint).toBe('0.0.0.0:4318');
    expect(compose.services['otel-collector'].ports).toEqual(['4317:4317', '4318:4318']);
  });

  it('sends traces to the Jaeger service over OTLP, memory_limiter first', () => {
    const traces = config.service.pipelines.traces;
    expect(traces.receivers).toEqual(['otlp']);
    expect(traces.processors?.[0]).toBe('memory_limiter');
    expect(traces.exporters.map((e) => config.exporters[e].endpoint)).toEqual(['jaeger:4317']);
    expect(Object.keys(compose.services)).toContain('jaeger');
  });

  it('serves its own metrics where prometheus.yml scrapes them', () => {
    const exporter = config.service.telemetry?.metrics?.readers?.[0]?.pull?.exporter?.prometheus;
    const prometheus = read('prometheus', 'prometheus.yml') as {
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const job = prometheus.scrape_configs.find((s) => s.job_name === 'otel-collector');
    expect(job?.static_configs[0].targets).toEqual([`otel-collector:${exporter?.port}`]);
    expect(exporter?.host).toBe('0.0.0.0');
  });
});
