import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { APPS, appSpec, MAX_INSTANCES, parseInstanceId, type AppName } from './apps';
import { CONSOLE, type ConsoleState, consolePaths, consoleStatus, startConsole, stopConsole } from './console';
import { brokersOf, labVariable, loadLabConfig, REPO_ROOT, type LabConfig, type LabConfigOverrides } from './config';
import {
  describeInstance,
  instanceReady,
  knownInstances,
  killInstance,
  portFree,
  runningInstances,
  startInstance,
  stopInstance,
  waitInstancesReady,
  appLogFile,
  appMain,
  appPidFile,
  type AppInstance,
} from './instances';
import { clusterNodeIds, contractPartitions, ensureTopics, kafkaAnswers, type PartitionReplicas } from './kafka/admin';
import { isBrokerName, kafkaNodes, kafkaPaths } from './kafka/config';
import {
  kafkaNodePids,
  kafkaPid,
  killKafkaNode,
  portInUse,
  requireKafkaNode,
  restartKafkaNode,
  startKafka,
  stopKafka,
  type KafkaState,
} from './kafka/process';
import type { Log } from './log';
import { freezeProcess, liveProcess, tailFile } from './processes';
import {
  preparePrometheus,
  prometheusPaths,
  prometheusPid,
  prometheusUrl,
  startPrometheus,
  stopPrometheus,
  writeTargets,
} from './prometheus';
import {
  launchTraceUi,
  runningZipkin,
  stopTraceUi,
  traceUiSettings,
  zipkinPaths,
  ZIPKIN,
  type TraceUiState,
} from './trace-ui';
import { startTraceSink, stopTraceSink, tracePaths } from './traces';
import { httpOk, waitFor } from './wait';
import { markLabStateDir } from './wipe';

/**
 * What a running lab is, saved in `<stateDir>/lab.json` by `up`: later commands (and the test
 * harness) read it so they act on the lab as it was started, whatever their own environment says.
 */
export interface LabDescription {
  readonly stateDir: string;
  readonly portOffset: number;
  readonly topicPrefix: string;
  /** The Kafka transport the consuming apps run (KAFKA_TRANSPORT). */
  readonly kafkaTransport: LabConfig['kafkaTransport'];
  /** How the gateway reads from data-service (GATEWAY_READS); absent in a lab.json from before the mode. */
  readonly gatewayReads?: LabConfig['gatewayReads'];
  readonly brokers: string;
  /** `external`: KAFKA_BROKERS or a broker another lab started; this lab never stops it. */
  readonly kafkaMode: KafkaState['mode'];
  readonly kafkaPort: number;
  /** The first broker's controller port; absent in a lab.json from before clusters (then KAFKA_CONTROLLER_PORT's). */
  readonly kafkaControllerPort?: number;
  /** How many brokers this lab runs (LAB_BROKERS); absent in a lab.json from before clusters: 1. */
  readonly brokerCount?: number;
  /** The brokers' `min.insync.replicas` (LAB_MIN_INSYNC_REPLICAS); absent before clusters: 1. */
  readonly minInsyncReplicas?: number;
  readonly prometheusPort: number;
  /** Absent when Prometheus is not installed or did not start. */
  readonly prometheusUrl?: string;
  /** Why Prometheus is not running, when `up` could not start it (no binary and no Go, a failed build or start). */
  readonly prometheusProblem?: string;
  /** The lab's trace sink file (spans as JSON lines); absent when traces go to the user's collector or tracing is off. */
  readonly tracesFile?: string;
  /** The trace UI (Zipkin) of this lab; absent when it is off or did not start. */
  readonly zipkinUrl?: string;
  /** Why there is no trace UI (`off (--no-trace-ui)`, a failed start), when there is none. */
  readonly zipkinSkipped?: string;
  /** The lab console's page (apps/console), once ready; absent with `--no-console` or when it did not start. */
  readonly consoleUrl?: string;
  readonly apps: Record<AppName, { readonly url: string; readonly port: number }>;
  /** The address the apps listen on (LAB_HOST when the lab was started). */
  readonly bindHost?: string;
  readonly startedAt: string;
}

export function labFile(stateDir: string): string {
  return join(stateDir, 'lab.json');
}

export function readLabDescription(stateDir: string): LabDescription | undefined {
  const file = labFile(stateDir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as LabDescription;
}

/**
 * Config for commands that act on an existing lab: the environment picks the state dir, and the
 * saved description (if the lab is up) supplies its ports, prefix and brokers.
 */
export function openLab(env: NodeJS.ProcessEnv = process.env, overrides: LabConfigOverrides = {}): LabConfig {
  // The saved lab decides its broker count and min.insync.replicas: a LAB_BROKERS or
  // LAB_MIN_INSYNC_REPLICAS left in this shell must neither refuse nor reshape a running cluster.
  const stateDir = resolve(REPO_ROOT, overrides.stateDir ?? labVariable('LAB_STATE_DIR', env));
  const saved = readLabDescription(stateDir);
  const base = loadLabConfig(env, {
    ...overrides,
    ...(saved ? { brokerCount: saved.brokerCount ?? 1, minInsyncReplicas: saved.minInsyncReplicas ?? 1 } : {}),
  });
  if (!saved) return base;
  return Object.freeze({
    ...base,
    portOffset: saved.portOffset,
    topicPrefix: saved.topicPrefix,
    kafkaTransport: saved.kafkaTransport ?? base.kafkaTransport,
    gatewayReads: saved.gatewayReads ?? 'http',
    kafkaPort: saved.kafkaPort,
    kafkaControllerPort: saved.kafkaControllerPort ?? base.kafkaControllerPort,
    prometheusPort: saved.prometheusPort,
    externalBrokers: saved.kafkaMode === 'external' ? saved.brokers : undefined,
    bindHost: saved.bindHost ?? base.bindHost,
  });
}

export interface UpOptions {
  readonly log: Log;
  /** Which apps to start; all by default. The test harness can narrow it (LAB_TEST_APPS). */
  readonly apps?: readonly AppName[];
  readonly readyTimeoutMs?: number;
  /** `--no-trace-ui`: leave Zipkin out (LAB_TRACE_UI=off does the same). */
  readonly noTraceUi?: boolean;
  /** `--no-console`: leave the lab console (apps/console) out. */
  readonly noConsole?: boolean;
}

/**
 * Starts whatever part of the lab is not running yet: broker (unless external), topics, the apps in
 * parallel, the pinned Prometheus (built once when missing); then waits for every app's /health/ready. Parts already
 * running are left alone, so `up` twice is safe.
 */
export async function up(config: LabConfig, options: UpOptions): Promise<LabDescription> {
  const { log } = options;
  const saved = readLabDescription(config.stateDir);
  if (saved && saved.kafkaTransport !== config.kafkaTransport && runningInstances(config).length > 0) {
    throw new Error(
      `The lab in ${config.stateDir} is already up with the ${saved.kafkaTransport} Kafka transport. Run \`npm run lab -- down\` first.`,
    );
  }
  if (saved && (saved.gatewayReads ?? 'http') !== config.gatewayReads && runningInstances(config).length > 0) {
    throw new Error(
      `The lab in ${config.stateDir} is already up with gateway reads over ${saved.gatewayReads ?? 'http'}. Run \`npm run lab -- down\` first.`,
    );
  }
  if (saved && saved.topicPrefix !== config.topicPrefix && runningInstances(config).length > 0) {
    throw new Error(
      `The lab in ${config.stateDir} is already up with topic prefix "${saved.topicPrefix}". Run \`npm run lab -- down\` first, or pick another LAB_STATE_DIR.`,
    );
  }
  if (saved && (saved.bindHost ?? '127.0.0.1') !== config.bindHost && runningInstances(config).length > 0) {
    throw new Error(
      `The lab in ${config.stateDir} is already up with its apps on ${saved.bindHost ?? '127.0.0.1'} (LAB_HOST). Run \`npm run lab -- down\` first.`,
    );
  }
  // A bad LAB_TRACE_UI or ZIPKIN_PORT stops `up` before anything starts.
  traceUiSettings(config, process.env, options.noTraceUi);
  const wanted = options.apps ?? APPS.map((a) => a.name);
  // Checked before the broker starts: a missing build is a 1-second answer, not a 20-second one.
  const mainOf = (app: AppName): string => appMain(app, undefined, config.appMainTemplate);
  const missing = wanted.filter((app) => !existsSync(mainOf(app)));
  if (missing.length > 0) {
    throw new Error(
      `No compiled entry for ${missing.join(', ')} (looked for ${missing.map(mainOf).join(', ')}). Build with \`npm run build\`; each app needs apps/<app>/src/main.ts.`,
    );
  }
  mkdirSync(join(config.stateDir, 'data'), { recursive: true });
  markLabStateDir(config.stateDir);
  // Before the broker and the apps: a first-time Prometheus build wants both cores for minutes.
  const prometheusBinary = await preparePrometheus(config, log);
  const kafka = await startKafka(config, { log });
  log(`kafka: ready on ${kafka.brokers} (${kafka.mode})`);
  await ensureTopics(kafka.brokers, config.topicPrefix, log);
  // Before the apps: they read the sink's address from its pid file when they start.
  await startTraceSink(config, log);
  const traceUi = await launchTraceUi(config, { log, noTraceUi: options.noTraceUi });

  const targets = wanted.map((app) => describeInstance(config, app, 1));
  const started = await Promise.all(targets.map((t) => startInstance(config, t, { brokers: kafka.brokers })));
  for (const s of started)
    log(
      s.started
        ? `apps: started ${s.id} (pid ${s.pid}, port ${s.port})`
        : `apps: ${s.id} already running (pid ${s.pid})`,
    );

  // Saved before waiting: if an app never gets ready, `down` still knows what to stop.
  const description = describe(config, kafka, undefined);
  saveDescription(description);
  const [prometheus, , zipkin, consoleState] = await Promise.all([
    startPrometheus(config, knownInstances(config), log, prometheusBinary),
    waitInstancesReady(config, targets, { timeoutMs: options.readyTimeoutMs ?? 120_000, log }),
    traceUi.ready,
    // The console needs only the trace UI's address to start; it reads the apps when the page asks.
    options.noConsole
      ? Promise.resolve<ConsoleState>({})
      : traceUi.ready.then((z) => startConsole(config, { log, zipkinUrl: z.url })),
  ]);
  if (consoleState.problem) log(`console: not running: ${consoleState.problem}`);
  const final = {
    ...describe(config, kafka, prometheus.url, zipkin),
    ...(prometheus.skipped ? { prometheusProblem: prometheus.skipped } : {}),
    ...(consoleState.url ? { consoleUrl: consoleState.url } : {}),
  };
  saveDescription(final);
  return final;
}

function describe(
  config: LabConfig,
  kafka: KafkaState,
  promUrl: string | undefined,
  zipkin: TraceUiState = {},
): LabDescription {
  const traces = tracePaths(config);
  const apps = Object.fromEntries(
    APPS.map((a) => {
      const i = describeInstance(config, a.name, 1);
      return [a.name, { url: i.url, port: i.port }];
    }),
  ) as LabDescription['apps'];
  return {
    stateDir: config.stateDir,
    portOffset: config.portOffset,
    topicPrefix: config.topicPrefix,
    kafkaTransport: config.kafkaTransport,
    gatewayReads: config.gatewayReads,
    brokers: kafka.brokers,
    kafkaMode: kafka.mode === 'external' ? 'external' : 'started',
    kafkaPort: config.kafkaPort,
    kafkaControllerPort: config.kafkaControllerPort,
    brokerCount: config.brokerCount,
    minInsyncReplicas: config.minInsyncReplicas,
    prometheusPort: config.prometheusPort,
    ...(promUrl ? { prometheusUrl: promUrl } : {}),
    ...(liveProcess(traces.pidFile) ? { tracesFile: traces.spansFile } : {}),
    ...(zipkin.url ? { zipkinUrl: zipkin.url } : {}),
    ...(zipkin.skipped ? { zipkinSkipped: zipkin.skipped.split('\n')[0] } : {}),
    apps,
    bindHost: config.bindHost,
    startedAt: new Date().toISOString(),
  };
}

function saveDescription(description: LabDescription): void {
  writeFileSync(labFile(description.stateDir), JSON.stringify(description, null, 2) + '\n');
}

/** Stops everything this lab started, found through its pid files, and nothing else. */
export async function down(config: LabConfig, log: Log): Promise<void> {
  const instances = knownInstances(config);
  await stopConsole(config, log);
  await Promise.all(
    instances.map(async (i) => {
      if (await stopInstance(config, i.id)) log(`apps: stopped ${i.id}`);
    }),
  );
  if (existsSync(join(config.stateDir, 'prometheus'))) writeTargets(config, []);
  await stopPrometheus(config, log);
  await stopTraceSink(config, log);
  await stopTraceUi(config, log);
  // A broker this lab found running (another lab's, or KAFKA_BROKERS) has no pid file here: untouched.
  await stopKafka(config, log);
  rmSync(labFile(config.stateDir), { force: true });
}

export interface StatusRow {
  readonly name: string;
  readonly pid: number | null;
  readonly port: number | null;
  readonly ready: boolean;
  readonly url?: string;
  readonly note?: string;
  /** A broker's row: the contract partitions it leads, per topic (partition numbers, ascending). */
  readonly leads?: Readonly<Record<string, readonly number[]>>;
}

/**
 * Per broker node id: the partitions it leads, per topic. Partitions without a leader (−1) are under
 * key −1. Pure: `partitions` is what contractPartitions read.
 */
export function leadersByNode(partitions: readonly PartitionReplicas[]): Map<number, Record<string, number[]>> {
  const byNode = new Map<number, Record<string, number[]>>();
  for (const p of partitions) {
    const topics = byNode.get(p.leader) ?? {};
    (topics[p.topic] ??= []).push(p.partition);
    byNode.set(p.leader, topics);
  }
  return byNode;
}

export async function status(config: LabConfig): Promise<StatusRow[]> {
  const saved = readLabDescription(config.stateDir);
  const brokers = saved?.brokers ?? brokersOf(config);
  const kafkaRow = async (): Promise<StatusRow> => {
    const pid = kafkaPid(config) ?? null;
    const external = saved?.kafkaMode === 'external' || (config.externalBrokers !== undefined && pid === null);
    const port = Number(brokers.split(',')[0].split(':').pop()) || null;
    const ready = pid !== null || external ? await kafkaAnswers(brokers) : false;
    return {
      name: 'kafka',
      pid,
      port,
      ready,
      url: brokers,
      ...(external ? { note: 'external: not started by this lab' } : {}),
    };
  };
  // A cluster: one row per broker, with the partitions it leads and the ones it lags on.
  const brokerRows = async (): Promise<StatusRow[]> => {
    const nodes = kafkaNodePids(config);
    const partitions = await contractPartitions(brokers, config.topicPrefix).catch(() => undefined);
    // Ready: listening, and registered with the quorum (metadata lists unfenced brokers only). Just
    // after a kill the metadata may not answer: then listening alone says it.
    const listed = await clusterNodeIds(brokers).catch(() => undefined);
    const leaders = leadersByNode(partitions ?? []);
    return Promise.all(
      nodes.map(async ({ node, pid }) => {
        const leads = leaders.get(node.id) ?? {};
        const count = Object.values(leads).reduce((sum, list) => sum + list.length, 0);
        const outOfSync = (partitions ?? []).filter((p) => p.replicas.includes(node.id) && !p.isr.includes(node.id));
        const notes = [
          partitions ? `leads ${count} partitions` : 'partition leaders unknown',
          ...(outOfSync.length > 0 ? [`not in sync on ${outOfSync.length}`] : []),
        ];
        return {
          name: node.name,
          pid: pid ?? null,
          port: node.port,
          ready: pid !== undefined && (await portInUse(node.port)) && (listed?.includes(node.id) ?? true),
          url: `127.0.0.1:${node.port}`,
          note: notes.join(', '),
          leads,
        };
      }),
    );
  };
  const promRow = async (): Promise<StatusRow> => {
    const pid = prometheusPid(config) ?? null;
    const url = prometheusUrl(config);
    // Why `up` could not start it (no pinned binary and no Go, a failed build), as `up` said.
    const problem = pid === null ? saved?.prometheusProblem?.split('\n')[0] : undefined;
    return {
      name: 'prometheus',
      pid,
      port: config.prometheusPort,
      ready: pid !== null && (await httpOk(`${url}/-/ready`)),
      url,
      ...(problem ? { note: problem } : {}),
    };
  };
  const zipkinRow = async (): Promise<StatusRow> => {
    const running = runningZipkin(config);
    const settings = traceUiSettings(config);
    return {
      name: ZIPKIN,
      pid: running?.pid ?? null,
      port: running?.port ?? settings.port,
      ready: running !== undefined && (await httpOk(`${running.url}/health`)),
      ...(running ? { url: `${running.url}/zipkin/` } : {}),
      ...(running ? {} : { note: `trace UI: ${saved?.zipkinSkipped ?? settings.off ?? 'not running'}` }),
    };
  };
  // Instance 1 of every app is always listed; extra instances when they have a pid file.
  const extra = knownInstances(config).filter((i) => i.instance > 1);
  const instances = [...APPS.map((a) => describeInstance(config, a.name, 1)), ...extra];
  const appRow = async (i: AppInstance): Promise<StatusRow> => {
    const pid = liveProcess(appPidFile(config, i.id))?.pid ?? null;
    return { name: i.id, pid, port: i.port, ready: pid !== null && (await instanceReady(i)), url: i.url };
  };
  const order = APPS.map((a) => a.name as string);
  const cluster = config.brokerCount > 1 && !config.externalBrokers;
  const kafkaRows = cluster ? brokerRows() : kafkaRow().then((row) => [row]);
  const rows = [
    ...(await kafkaRows),
    ...(await Promise.all([promRow(), zipkinRow(), ...instances.map(appRow), consoleStatus(config)])),
  ];
  const parts = [...kafkaNodes(config).map((node) => node.name), 'kafka', 'prometheus', ZIPKIN];
  // The lab's parts first, then the apps in table order, then the console.
  const rank = (name: string): number =>
    name === CONSOLE
      ? order.length
      : parts.includes(name)
        ? parts.indexOf(name) - parts.length
        : order.indexOf(parseInstanceId(name)?.app ?? name);
  return rows.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

/** Resolves `worker` / `worker-2` to an instance of this lab, or explains what is accepted. */
export function resolveInstance(config: LabConfig, id: string): AppInstance {
  const parsed = parseInstanceId(id);
  if (!parsed)
    throw new Error(
      `Unknown app "${id}". Known apps: ${APPS.map((a) => a.name).join(', ')} (extra instances: worker-2, ...).`,
    );
  return describeInstance(config, parsed.app, parsed.instance);
}

function brokersFor(config: LabConfig): string {
  return readLabDescription(config.stateDir)?.brokers ?? brokersOf(config);
}

/**
 * SIGKILL an app instance or one of a cluster's brokers (`broker-N`): a crash, not a shutdown. An
 * app stays a Prometheus target (so `up` drops to 0); a broker's partitions get new leaders once the
 * controller quorum misses its heartbeats.
 */
export async function kill(config: LabConfig, id: string, log: Log): Promise<void> {
  if (isBrokerName(id)) {
    refuseExternal(config, 'kill');
    if (await killKafkaNode(config, id)) log(`${id}: killed (SIGKILL)`);
    else log(`${id}: was not running`);
    return;
  }
  const target = resolveInstance(config, id);
  if (await killInstance(config, target.id)) log(`${target.id}: killed (SIGKILL)`);
  else log(`${target.id}: was not running`);
}

/** Throws when the lab's Kafka is not its own (KAFKA_BROKERS, another lab's broker): not this lab's to `what`. */
function refuseExternal(config: LabConfig, what: string): void {
  const saved = readLabDescription(config.stateDir);
  if (saved?.kafkaMode === 'external' || config.externalBrokers)
    throw new Error(
      `Kafka is external to this lab (KAFKA_BROKERS or another lab's broker); ${what} it where it was started.`,
    );
}

/**
 * Graceful stop (if running) then start, waiting for ready: an app instance, the whole Kafka
 * (`kafka`: every broker), or one broker of a cluster (`broker-N`, waited for until the cluster's
 * metadata lists it again).
 */
export async function restart(config: LabConfig, id: string, log: Log, readyTimeoutMs = 90_000): Promise<void> {
  if (isBrokerName(id)) {
    refuseExternal(config, 'restart');
    await restartKafkaNode(config, id, log, readyTimeoutMs);
    log(`${id}: ready`);
    return;
  }
  if (id === 'kafka') {
    refuseExternal(config, 'restart');
    await stopKafka(config, log);
    const kafka = await startKafka(config, { log });
    log(`kafka: ready on ${kafka.brokers}`);
    return;
  }
  const target = resolveInstance(config, id);
  await stopInstance(config, target.id);
  // A process that just died may hold its listening socket a moment longer: wait for the port.
  await waitFor(() => portFree(target.port, config.bindHost), {
    timeoutMs: 15_000,
    intervalMs: 100,
    what: `port ${target.port} of ${target.id} to be free`,
  });
  const started = await startInstance(config, target, { brokers: brokersFor(config) });
  log(`${target.id}: started (pid ${started.pid}, port ${started.port})`);
  writeTargets(config, knownInstances(config));
  await waitInstancesReady(config, [target], { timeoutMs: readyTimeoutMs, log });
  log(`${target.id}: ready`);
}

/**
 * Freezes a part of the lab — the broker (`kafka`; a cluster's first), one broker of a cluster
 * (`broker-N`) or an app instance — for `durationMs` (SIGSTOP,
 * then SIGCONT): it keeps its sockets and state but answers nothing, like a long GC pause or a
 * stuck disk. Refused for a broker this lab did not start (it is not this lab's to freeze).
 */
export async function pause(config: LabConfig, id: string, durationMs: number, log: Log): Promise<void> {
  let pid: number | undefined;
  if (id === 'kafka' || isBrokerName(id)) {
    const saved = readLabDescription(config.stateDir);
    if (saved?.kafkaMode === 'external' || config.externalBrokers)
      throw new Error(
        "Kafka is external to this lab (KAFKA_BROKERS or another lab's broker); pausing it would stall other labs too.",
      );
    pid = id === 'kafka' ? kafkaPid(config) : kafkaNodePids(config).find((n) => n.node.name === id)?.pid;
    if (isBrokerName(id)) requireKafkaNode(config, id);
  } else pid = liveProcess(appPidFile(config, resolveInstance(config, id).id))?.pid;
  if (pid === undefined) throw new Error(`${id} is not running in this lab`);
  log(`${id}: paused (SIGSTOP, pid ${pid}) for ${durationMs} ms`);
  await freezeProcess(pid, durationMs);
  log(`${id}: resumed (SIGCONT)`);
}

/**
 * Runs exactly `count` instances of a consumer app: starts 2..count, stops the ones above; instance
 * 1 always stays. New instances join the app's consumer group, so Kafka spreads the partitions.
 */
export async function scale(
  config: LabConfig,
  app: AppName,
  count: number,
  log: Log,
  readyTimeoutMs = 90_000,
): Promise<AppInstance[]> {
  if (!appSpec(app).scalable)
    throw new Error(
      `${app} is not a Kafka consumer; only ${APPS.filter((a) => a.scalable)
        .map((a) => a.name)
        .join(', ')} scale.`,
    );
  if (!Number.isInteger(count) || count < 1 || count > MAX_INSTANCES)
    throw new Error(`Instance count must be an integer from 1 to ${MAX_INSTANCES}.`);
  const brokers = brokersFor(config);
  const current = knownInstances(config).filter((i) => i.app === app);
  const surplus = current.filter((i) => i.instance > count);
  await Promise.all(surplus.map(async (i) => (await stopInstance(config, i.id)) && log(`${i.id}: stopped`)));
  const wanted = Array.from({ length: count }, (_, k) => describeInstance(config, app, k + 1));
  const started = await Promise.all(wanted.map((t) => startInstance(config, t, { brokers })));
  for (const s of started) if (s.started) log(`${s.id}: started (pid ${s.pid}, port ${s.port})`);
  writeTargets(config, knownInstances(config));
  await waitInstancesReady(config, wanted, { timeoutMs: readyTimeoutMs, log });
  return wanted;
}

export function logs(config: LabConfig, id: string, lines = 60): string {
  if (id === 'kafka' || isBrokerName(id)) {
    const kafka = id === 'kafka' ? kafkaPaths(config) : requireKafkaNode(config, id).paths;
    return tailFile(kafka.serverLog, lines) || tailFile(kafka.log, lines);
  }
  if (id === 'prometheus') return tailFile(prometheusPaths(config).log, lines);
  if (id === ZIPKIN) return tailFile(zipkinPaths(config).log, lines);
  if (id === CONSOLE) return tailFile(consolePaths(config).log, lines);
  return tailFile(appLogFile(config, resolveInstance(config, id).id), lines);
}

export { runningInstances };
