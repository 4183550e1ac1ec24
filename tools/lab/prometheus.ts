import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, type LabConfig } from './config';
import type { AppInstance } from './instances';
import type { Log } from './log';
import { PrometheusInstallError, resolvePrometheusTool } from './prometheus-install';
import { componentPaths, liveProcess, startRecorded, stopRecorded, tailFile, type ComponentPaths } from './processes';
import { httpOk, waitFor } from './wait';

/** Prometheus' files in one lab; `targets` holds the file_sd targets, rewritten whenever the lab starts, stops or scales an instance. */
export type PrometheusPaths = ComponentPaths<'config' | 'targets' | 'dataDir'>;

export function prometheusPaths(config: LabConfig): PrometheusPaths {
  return componentPaths(config.stateDir, 'prometheus', {
    config: 'prometheus.yml',
    targets: 'targets.json',
    dataDir: 'data',
  });
}

export function prometheusUrl(config: LabConfig): string {
  return `http://127.0.0.1:${config.prometheusPort}`;
}

/** What `lab up` will run: a binary, or why there is none. */
export type PrometheusBinary =
  | { readonly path: string; readonly version: string }
  | { readonly problem: string }
  /** This lab's Prometheus is already running: nothing to resolve. */
  | { readonly running: number };

/**
 * Finds the pinned prometheus, building it once with Go when needed (tools/lab/prometheus-install.ts).
 * Never throws: a missing binary is a `problem` that `lab up` reports loudly while the apps still run.
 */
export async function preparePrometheus(
  config: LabConfig,
  log: Log,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PrometheusBinary> {
  const running = liveProcess(prometheusPaths(config).pidFile);
  if (running) return { running: running.pid };
  try {
    const resolved = await resolvePrometheusTool('prometheus', { cacheDir: config.cacheDir, env, log });
    log(`prometheus: using ${resolved.path} (${resolved.version || 'no version'}, ${resolved.source})`);
    return { path: resolved.path, version: resolved.version };
  } catch (error) {
    const problem =
      error instanceof PrometheusInstallError ? error.message : `could not set up Prometheus: ${String(error)}`;
    log(`prometheus: ${problem}`);
    return { problem };
  }
}

/**
 * The lab's Prometheus config. Rules come from the repo's prometheus/rules by absolute glob, so the
 * rules under review are the ones evaluated; a glob that matches nothing is fine for Prometheus.
 * YAML is written by hand: JSON-quoted strings are valid YAML scalars.
 */
export function prometheusConfig(config: LabConfig, paths: PrometheusPaths): string {
  const q = JSON.stringify;
  return [
    '# Written by the lab (tools/lab/prometheus.ts) for this lab only; edits are overwritten by `lab up`.',
    'global:',
    '  scrape_interval: 5s',
    '  evaluation_interval: 5s',
    '  external_labels:',
    `    lab: ${q(config.topicPrefix || 'default')}`,
    'rule_files:',
    `  - ${q(join(REPO_ROOT, 'prometheus', 'rules', '*.yml'))}`,
    'scrape_configs:',
    '  - job_name: jeeves',
    '    scrape_timeout: 4s',
    '    metrics_path: /metrics',
    '    file_sd_configs:',
    `      - files: [${q(paths.targets)}]`,
    '        refresh_interval: 5s',
    '  - job_name: prometheus',
    '    static_configs:',
    `      - targets: [${q(`127.0.0.1:${config.prometheusPort}`)}]`,
    '        labels: { service: prometheus }',
    '',
  ].join('\n');
}

/** file_sd entries: one per instance, labelled with its service and host:port. */
export function targetGroups(
  instances: readonly AppInstance[],
): Array<{ targets: string[]; labels: Record<string, string> }> {
  return instances.map((i) => {
    const address = new URL(i.url).host;
    return { targets: [address], labels: { service: i.app, instance: address, instance_id: i.id } };
  });
}

/** Rewrites the targets file atomically (Prometheus watches it and must never read half a file). */
export function writeTargets(config: LabConfig, instances: readonly AppInstance[]): void {
  const paths = prometheusPaths(config);
  mkdirSync(paths.dir, { recursive: true });
  const temp = `${paths.targets}.tmp`;
  writeFileSync(temp, JSON.stringify(targetGroups(instances), null, 2) + '\n');
  renameSync(temp, paths.targets);
}

export interface PrometheusState {
  readonly url?: string;
  readonly pid?: number;
  /** Why there is no Prometheus, when there is none. */
  readonly skipped?: string;
}

export function prometheusPid(config: LabConfig): number | undefined {
  return liveProcess(prometheusPaths(config).pidFile)?.pid;
}

/**
 * Starts Prometheus for this lab with the binary preparePrometheus found (found here when not given);
 * no binary or a failed start is `skipped` (with the reason), not an error: the services run
 * without it, `lab up` says so.
 */
export async function startPrometheus(
  config: LabConfig,
  instances: readonly AppInstance[],
  log: Log,
  prepared?: PrometheusBinary,
): Promise<PrometheusState> {
  const paths = prometheusPaths(config);
  const url = prometheusUrl(config);
  mkdirSync(paths.dataDir, { recursive: true });
  writeTargets(config, instances);
  const running = liveProcess(paths.pidFile);
  if (running) return { url, pid: running.pid };
  const binary = prepared && !('running' in prepared) ? prepared : await preparePrometheus(config, log);
  if (!('path' in binary)) {
    const skipped = 'problem' in binary ? binary.problem : 'Prometheus stopped while the lab was starting';
    return { skipped };
  }
  const bin = binary.path;
  writeFileSync(paths.config, prometheusConfig(config, paths));
  log(`prometheus: starting on ${url}`);
  const pid = startRecorded(paths, {
    command: bin,
    args: [
      `--config.file=${paths.config}`,
      `--storage.tsdb.path=${paths.dataDir}`,
      // A lab's metrics matter for the run at hand; keep disk use small.
      '--storage.tsdb.retention.time=2d',
      `--web.listen-address=127.0.0.1:${config.prometheusPort}`,
      // k6 (users' own) pushes its results by remote write; lifecycle allows /-/reload after rule edits.
      '--web.enable-remote-write-receiver',
      '--web.enable-lifecycle',
      // Exemplars link latency buckets to traces on the dashboards.
      '--enable-feature=exemplar-storage',
    ],
    cwd: paths.dir,
    env: process.env,
    marker: paths.config,
    port: config.prometheusPort,
  });
  try {
    await waitFor(
      () => {
        if (!liveProcess(paths.pidFile)) throw new Error('prometheus exited');
        return httpOk(`${url}/-/ready`);
      },
      { timeoutMs: 30_000, intervalMs: 300, what: `Prometheus on ${url} to be ready` },
    );
  } catch (error) {
    const skipped = `Prometheus did not start (${(error as Error).message}); see ${paths.log}:\n${tailFile(paths.log, 10)}`;
    log(`prometheus: ${skipped}`);
    await stopPrometheus(config, () => undefined);
    return { skipped };
  }
  return { url, pid };
}

/** The loud closing line of `lab up` when Prometheus is not running. */
export function prometheusNotRunning(problem: string): string {
  return [
    '',
    '!!! Prometheus is NOT running. The apps are up and serve /metrics, but experiments refuse to run',
    '!!! and dashboards stay empty until it is. Why:',
    ...problem.split('\n').map((l) => `!!!   ${l}`),
  ].join('\n');
}

export async function stopPrometheus(config: LabConfig, log: Log): Promise<boolean> {
  const how = await stopRecorded(prometheusPaths(config).pidFile, 10_000, (pid) =>
    log(`prometheus: stopping (pid ${pid})`),
  );
  return how !== undefined;
}
