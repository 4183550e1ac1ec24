import { setTimeout as delay } from 'node:timers/promises';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import {
  APPS,
  type AppName,
  loadLabConfig,
  type LabConfig,
  describeInstance,
  startInstance,
  stopInstance,
  waitInstancesReady,
  ensureTopics,
  startKafka,
  stopKafka,
  type KafkaState,
  kafkaPid,
  liveProcess,
  appPidFile,
} from '../lab';

/**
 * A lab of the benchmarks' own (state in .lab/bench, ports shifted by BENCH_PORT_OFFSET, a fresh
 * topic prefix per start): its apps are restarted with different settings between variants, which
 * must never happen to a lab somebody is looking at.
 */
export class BenchLab {
  readonly config: LabConfig;
  private kafka: KafkaState | undefined;
  private generation = 0;

  /** `env` gives BENCH_PORT_OFFSET (default 4900), KAFKA_PORT and KAFKA_CONTROLLER_PORT (default 10000 above the offset's). */
  constructor(
    private readonly log: (line: string) => void,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const offset = Number(env.BENCH_PORT_OFFSET ?? 4900);
    // Its own broker port too, so the numbers are not another lab's traffic (KAFKA_PORT overrides).
    this.config = loadLabConfig(
      {
        ...env,
        KAFKA_PORT: env.KAFKA_PORT ?? String(9092 + offset + 10_000),
        KAFKA_CONTROLLER_PORT: env.KAFKA_CONTROLLER_PORT ?? String(9093 + offset + 10_000),
      },
      {
        stateDir: '.lab/bench',
        portOffset: offset,
        topicPrefix: 'bench',
        // The benchmarks measure one broker and read its CPU and RSS from its pid (LAB_BROKERS ignored).
        brokerCount: 1,
        minInsyncReplicas: 1,
      },
    );
  }

  /** The broker's bootstrap list; throws before startKafka. */
  get brokers(): string {
    if (!this.kafka) throw new Error('startKafka first');
    return this.kafka.brokers;
  }

  /** The broker's process id (the JVM), undefined when it is not running. */
  kafkaPid(): number | undefined {
    return kafkaPid(this.config);
  }

  /** The process id of each running app (instance 1), by app name. */
  appPids(): Partial<Record<AppName, number>> {
    const pids: Partial<Record<AppName, number>> = {};
    for (const a of APPS) {
      const running = liveProcess(appPidFile(this.config, describeInstance(this.config, a.name, 1).id));
      if (running) pids[a.name] = running.pid;
    }
    return pids;
  }

  async startKafka(): Promise<string> {
    this.kafka = await startKafka(this.config, { log: this.log });
    return this.kafka.brokers;
  }

  /** A connected kafkajs admin client on the bench broker (lag, topics), quiet; throws before startKafka. */
  async admin(clientId: string): Promise<Admin> {
    const admin = new Kafka({ clientId, brokers: this.brokers.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    return admin;
  }

  url(app: AppName): string {
    return describeInstance(this.config, app, 1).url;
  }

  /**
   * Creates the contract topics under a new prefix (`bench<ms>g<n>`) and returns it: each run of the
   * apps gets fresh topics and consumer groups, so no backlog or group state leaks between runs.
   */
  async freshTopics(): Promise<string> {
    if (!this.kafka) throw new Error('startKafka first');
    const prefix = `bench${Date.now()}g${this.generation++}`;
    await ensureTopics(this.kafka.brokers, prefix, () => undefined);
    return prefix;
  }

  /**
   * (Re)starts the apps (`only` of them, every app by default) with `env` added to the apps'
   * environment (the lab passes OTEL_*, JEEVES_* and RATE_LIMIT_* through), on fresh topics so no
   * backlog leaks between variants.
   */
  async startApps(
    env: Record<string, string | undefined>,
    only: readonly AppName[] = APPS.map((a) => a.name),
  ): Promise<{ prefix: string }> {
    if (!this.kafka) throw new Error('startKafka first');
    await this.stopApps();
    const prefix = await this.freshTopics();
    const config: LabConfig = { ...this.config, topicPrefix: prefix };
    await withEnv(env, async () => {
      const targets = only.map((name) => describeInstance(config, name, 1));
      await Promise.all(targets.map((t) => startInstance(config, t, { brokers: this.kafka?.brokers ?? '' })));
      await waitInstancesReady(config, targets, { timeoutMs: 180_000, log: this.log });
    });
    // Consumers join their groups after "ready"; give the first rebalance a moment to settle.
    await delay(3000);
    return { prefix };
  }

  /** Stops `only` of the apps (every app by default). */
  async stopApps(only: readonly AppName[] = APPS.map((a) => a.name)): Promise<void> {
    await Promise.all(only.map((name) => stopInstance(this.config, describeInstance(this.config, name, 1).id)));
  }

  async close(): Promise<void> {
    await this.stopApps();
    await stopKafka(this.config, this.log);
  }
}

/**
 * Runs `fn` with `env` set in this process's environment (undefined deletes a variable), restoring
 * the previous values after: appEnv passes OTEL_*, JEEVES_* and the like from here to the apps.
 */
export async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
