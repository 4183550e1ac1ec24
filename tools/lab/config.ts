import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { z } from 'zod';
import { checkConfig, type ConfigOf, KAFKA_TRANSPORTS, LOG_LEVELS } from '#libs/config';
import { GATEWAY_READS_MODES, type GatewayReads } from '#libs/contracts';

/** Repository root, found by walking up to our package.json (works from tools/lab and dist/tools/lab). */
export const REPO_ROOT = findRepoRoot(__dirname);

function findRepoRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readFileSync(manifest, 'utf8').includes('"name": "jeeves-lab"')) return dir;
  }
  throw new Error(`Cannot find the jeeves-lab package.json above ${from}; run the lab from inside the repository.`);
}

/** Everything that says which lab this is and where it lives; resolved once from the environment. */
export interface LabConfig {
  /** Directory holding pid files, logs, broker data, Prometheus data and `lab.json`. */
  readonly stateDir: string;
  /** Added to every default port so two labs (e.g. the test lab) run side by side. */
  readonly portOffset: number;
  /** Prefix for topics and consumer groups; '' for the default lab. */
  readonly topicPrefix: string;
  /** Comma list from `KAFKA_BROKERS`: an external cluster; the lab then starts no broker. */
  readonly externalBrokers: string | undefined;
  /** The first broker's client port; broker N listens on `kafkaPort + 10 × (N − 1)` (KAFKA_BROKER_PORT_STRIDE). */
  readonly kafkaPort: number;
  /** The first broker's controller port; broker N's is `kafkaControllerPort + 10 × (N − 1)`. */
  readonly kafkaControllerPort: number;
  /** `LAB_BROKERS` or `up --brokers`: how many KRaft brokers the lab runs, 1 (default) or 3 (ADR 0014). */
  readonly brokerCount: number;
  /**
   * `LAB_MIN_INSYNC_REPLICAS`: the brokers' `min.insync.replicas`, 1 to `brokerCount`; default 2 on
   * three brokers (one may die and `acks=all` produces still succeed), 1 on one.
   */
  readonly minInsyncReplicas: number;
  readonly prometheusPort: number;
  /** Jar cache shared by every lab on the machine. */
  readonly cacheDir: string;
  readonly logLevel: string;
  /** KAFKA_TRANSPORT for every consuming app: `hardened` (ours) or `stock` (Nest's own). */
  readonly kafkaTransport: KafkaTransport;
  /** GATEWAY_READS for the gateway: `http` (data-service's read API) or `kafka` (request-reply, ADR 0042). */
  readonly gatewayReads: GatewayReads;
  /**
   * `LAB_HOST`: the IP address the apps listen on (their HOST), default `127.0.0.1`. `0.0.0.0` or the
   * Docker bridge's address lets containers (the compose Prometheus, k6) reach them; Kafka,
   * Prometheus and the trace parts stay on loopback.
   */
  readonly bindHost: string;
  /** `LAB_OTLP_SINK_PORT`: the lab's trace sink port when set (1–65535); unset: 4318 + portOffset. */
  readonly otlpSinkPort: number | undefined;
  /** `LAB_TRACING`: `off` runs the apps untraced (no sink, no span export, no trace UI); default `on`. */
  readonly tracing: LabTracing;
  /** `LAB_APP_MAIN`: each app's compiled entry (`{app}` replaced), e.g. a stub; unset: this checkout's dist. */
  readonly appMainTemplate: string | undefined;
  /** `LAB_APP_KAFKA_BROKERS`: the apps' KAFKA_BROKERS (`host:port,…`) instead of the lab's broker (Toxiproxy). */
  readonly appKafkaBrokers: string | undefined;
  /** `LAB_PROVIDER_URL`: the apps' PROVIDER_URL (http or https) instead of the provider's own (Toxiproxy). */
  readonly appProviderUrl: string | undefined;
  /** `LAB_KAFKA_PROXY_LISTENER=1`: the lab broker gets the PROXIED listener Toxiproxy forwards to; default `0`. */
  readonly kafkaProxyListener: boolean;
  /** `LAB_ADMIN_CLIENT_ID` / `LAB_ADMIN_CLIENT_SECRET`: the chaos verb's client; each unset: the lab-admin client's. */
  readonly adminClient: { readonly id?: string; readonly secret?: string };
}

/** LAB_TRACING's values. */
export const LAB_TRACING_VALUES = ['on', 'off'] as const;
export type LabTracing = (typeof LAB_TRACING_VALUES)[number];

export { KAFKA_TRANSPORTS };
export type KafkaTransport = (typeof KAFKA_TRANSPORTS)[number];
export { GATEWAY_READS_MODES, type GatewayReads };

/** A bad lab setting: the message lists every bad variable, `NAME=value` and what is wrong. */
export class LabConfigError extends Error {
  override readonly name = 'LabConfigError';
}

export interface LabConfigOverrides {
  stateDir?: string;
  portOffset?: number;
  topicPrefix?: string;
  externalBrokers?: string;
  prometheusPort?: number;
  kafkaTransport?: string;
  gatewayReads?: string;
  bindHost?: string;
  brokerCount?: number;
  minInsyncReplicas?: number;
}

/** An empty or blank variable is an unset one (the lab's rule for the settings that have a default). */
const emptyAsUnset = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/**
 * Schemas for the lab's settings, each with the lab's wording of what is wrong (the variable and
 * its value come first: `KAFKA_PORT=70000 is not an integer in [1, 65535]`).
 */
export const labSetting = {
  /** An integer in [min, max]; unset, empty or blank is undefined (the caller's default). */
  int: (min: number, max: number) => {
    const error = `is not an integer in [${min}, ${max}]`;
    return z.preprocess(
      emptyAsUnset,
      z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error }).optional(),
    );
  },
  /** One of `values`; unset is `fallback`. */
  oneOf: <T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
    z.enum(values, { error: `is not one of ${values.join(', ')}` }).default(fallback),
  /** A string; unset, empty or blank is undefined (the caller's default). */
  text: () => z.preprocess(emptyAsUnset, z.string().optional()),
  /** `on`/`off`, any case, blank is unset; unset is `fallback`. */
  onOff: (fallback: 'on' | 'off') =>
    z.preprocess(
      (value) => (typeof value === 'string' ? value.trim().toLowerCase() || undefined : value),
      z.enum(LAB_TRACING_VALUES, { error: 'is not one of on, off' }).default(fallback),
    ),
  /** `0` or `1` as a boolean; unset, empty or blank is `false`. */
  flag: () =>
    z.preprocess(
      emptyAsUnset,
      z
        .enum(['0', '1'], { error: 'is not one of 0, 1' })
        .default('0')
        .transform((value) => value === '1'),
    ),
  /** An http or https URL as given; unset, empty or blank is undefined. */
  httpUrl: () =>
    z.preprocess(
      emptyAsUnset,
      z.url({ protocol: /^https?$/, error: 'is not an http(s) URL (e.g. http://127.0.0.1:23003)' }).optional(),
    ),
  /** A comma list of `host:port` (port 1–65535) as given; unset, empty or blank is undefined. */
  brokerList: () =>
    z.preprocess(
      emptyAsUnset,
      z
        .string()
        .refine((value) => value.split(',').every(isBrokerAddress), {
          error: 'is not a comma list of host:port (e.g. 127.0.0.1:19092)',
        })
        .optional(),
    ),
  /** An IP literal (v4 or v6), as `node:net` `isIP` reads it; unset is `fallback`. */
  ipAddress: (fallback: string) =>
    z
      .string()
      .refine((value) => isIP(value) !== 0, { error: 'is not an IP address (e.g. 127.0.0.1, 0.0.0.0 or 172.17.0.1)' })
      .default(fallback),
};

/** `host:port` with a port in 1–65535; the host a name, an IPv4 or a bracketed IPv6 literal. */
function isBrokerAddress(item: string): boolean {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(item.trim());
  return match !== null && Number(match[2]) >= 1 && Number(match[2]) <= 65535;
}

/**
 * Validates lab settings (keys of `shape` are variable names) with libs/config, the apps'
 * validator. Throws `fail(lines)`: one `NAME=value what is wrong` per bad variable, joined by
 * `\n  - `, all at once.
 */
export function checkLabSettings<S extends Record<string, z.ZodType>>(
  shape: S,
  input: NodeJS.ProcessEnv,
  fail: (lines: string) => Error,
): ConfigOf<S> {
  const checked = checkConfig(shape, input);
  if (checked.problems === undefined) return checked.config;
  const lines = new Map<string, string>();
  for (const { name, value, message } of checked.problems)
    if (!lines.has(name)) lines.set(name, `${name}=${value ?? ''} ${message}`);
  throw fail([...lines.values()].join('\n  - '));
}

/**
 * `checkLabSettings` with the lab's error: for the settings of one verb or part (e.g. the load verb's
 * LOAD_METRICS_PORT). Throws LabConfigError `Bad lab settings:` with one line per bad variable.
 */
export function labSettings<S extends Record<string, z.ZodType>>(shape: S, env: NodeJS.ProcessEnv): ConfigOf<S> {
  return checkLabSettings(shape, env, (problems) => new LabConfigError(`Bad lab settings:\n  - ${problems}`));
}

/** Port distance between the lab's brokers: broker N's ports are broker 1's plus 10 × (N − 1). */
export const KAFKA_BROKER_PORT_STRIDE = 10;

/** The lab's own variables; overrides (the CLI's flags) stand in for the variable they name. */
const labConfigShape = {
  LAB_STATE_DIR: z.string().default('.lab/default'),
  LAB_PORT_OFFSET: labSetting.int(0, 20000),
  KAFKA_BROKERS: z.string().optional(),
  KAFKA_PORT: labSetting.int(1, 65535),
  KAFKA_CONTROLLER_PORT: labSetting.int(1, 65535),
  LAB_BROKERS: z.preprocess(
    emptyAsUnset,
    z.enum(['1', '3'], { error: 'is not 1 or 3 (a KRaft quorum of 2 survives no loss)' }).default('1'),
  ),
  LAB_MIN_INSYNC_REPLICAS: labSetting.int(1, 3),
  PROMETHEUS_PORT: labSetting.int(1, 65535),
  LAB_CACHE_DIR: z.preprocess(emptyAsUnset, z.string().optional()),
  LAB_HOST: labSetting.ipAddress('127.0.0.1'),
  KAFKA_TRANSPORT: labSetting.oneOf(KAFKA_TRANSPORTS, 'hardened'),
  GATEWAY_READS: labSetting.oneOf(GATEWAY_READS_MODES, 'http'),
  JEEVES_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, { error: "may only hold letters, digits, '.', '_' and '-'" })
    .default(''),
  LOG_LEVEL: z.preprocess(emptyAsUnset, labSetting.oneOf(LOG_LEVELS, 'info')),
  LAB_OTLP_SINK_PORT: labSetting.int(1, 65535),
  LAB_TRACING: labSetting.onOff('on'),
  LAB_APP_MAIN: labSetting.text(),
  LAB_APP_KAFKA_BROKERS: labSetting.brokerList(),
  LAB_PROVIDER_URL: labSetting.httpUrl(),
  LAB_KAFKA_PROXY_LISTENER: labSetting.flag(),
  LAB_ADMIN_CLIENT_ID: labSetting.text(),
  LAB_ADMIN_CLIENT_SECRET: labSetting.text(),
};

/**
 * Reads the lab's environment variables (libs/config, the apps' validator); every bad value is
 * reported at once. Throws LabConfigError.
 */
export function loadLabConfig(env: NodeJS.ProcessEnv = process.env, overrides: LabConfigOverrides = {}): LabConfig {
  const settings = labSettings(labConfigShape, {
    ...env,
    // A numeric override is taken as given: its variable is not read at all.
    LAB_PORT_OFFSET: overrides.portOffset === undefined ? env.LAB_PORT_OFFSET : undefined,
    PROMETHEUS_PORT: overrides.prometheusPort === undefined ? env.PROMETHEUS_PORT : undefined,
    LAB_STATE_DIR: overrides.stateDir ?? env.LAB_STATE_DIR,
    JEEVES_TOPIC_PREFIX: overrides.topicPrefix ?? env.JEEVES_TOPIC_PREFIX,
    KAFKA_BROKERS: overrides.externalBrokers ?? (env.KAFKA_BROKERS || undefined),
    KAFKA_TRANSPORT: overrides.kafkaTransport ?? env.KAFKA_TRANSPORT,
    GATEWAY_READS: overrides.gatewayReads ?? env.GATEWAY_READS,
    LAB_HOST: overrides.bindHost ?? (env.LAB_HOST?.trim() || undefined),
    LAB_BROKERS: overrides.brokerCount === undefined ? env.LAB_BROKERS : String(overrides.brokerCount),
    LAB_MIN_INSYNC_REPLICAS:
      overrides.minInsyncReplicas === undefined ? env.LAB_MIN_INSYNC_REPLICAS : String(overrides.minInsyncReplicas),
  });
  const brokerCount = Number(settings.LAB_BROKERS);
  const minInsyncReplicas = settings.LAB_MIN_INSYNC_REPLICAS ?? Math.min(2, brokerCount);
  if (minInsyncReplicas > brokerCount)
    throw new LabConfigError(
      `Bad lab settings:\n  - LAB_MIN_INSYNC_REPLICAS=${minInsyncReplicas} is more than the ${brokerCount} broker(s) (LAB_BROKERS): no produce with acks=all could succeed`,
    );
  const kafkaPort = settings.KAFKA_PORT ?? 9092;
  const controllerPort = settings.KAFKA_CONTROLLER_PORT ?? 9093;
  const nodePorts = Array.from({ length: brokerCount }, (_, i) => [
    kafkaPort + KAFKA_BROKER_PORT_STRIDE * i,
    controllerPort + KAFKA_BROKER_PORT_STRIDE * i,
  ]).flat();
  if (new Set(nodePorts).size < nodePorts.length || nodePorts.some((port) => port > 65535))
    throw new LabConfigError(
      `Bad lab settings:\n  - KAFKA_PORT=${kafkaPort} and KAFKA_CONTROLLER_PORT=${controllerPort} give the ${brokerCount} broker(s) the ports ${nodePorts.join(', ')} (broker N adds ${KAFKA_BROKER_PORT_STRIDE} × (N − 1) to both): they must all differ and be at most 65535`,
    );
  if (brokerCount > 1 && settings.LAB_KAFKA_PROXY_LISTENER)
    throw new LabConfigError(
      `Bad lab settings:\n  - LAB_KAFKA_PROXY_LISTENER=1 works with one broker only (Toxiproxy proxies one broker's listener), not LAB_BROKERS=${brokerCount}`,
    );
  const portOffset = overrides.portOffset ?? settings.LAB_PORT_OFFSET ?? 0;
  return Object.freeze({
    stateDir: resolve(REPO_ROOT, settings.LAB_STATE_DIR),
    portOffset,
    topicPrefix: settings.JEEVES_TOPIC_PREFIX,
    externalBrokers: settings.KAFKA_BROKERS,
    kafkaPort,
    kafkaControllerPort: controllerPort,
    brokerCount,
    minInsyncReplicas,
    // The offset applies to the default only: an explicit PROMETHEUS_PORT is taken as meant.
    prometheusPort: overrides.prometheusPort ?? settings.PROMETHEUS_PORT ?? 9090 + portOffset,
    cacheDir: resolve(settings.LAB_CACHE_DIR ?? resolve(homedir(), '.cache', 'jeeves-lab')),
    logLevel: settings.LOG_LEVEL,
    kafkaTransport: settings.KAFKA_TRANSPORT,
    gatewayReads: settings.GATEWAY_READS,
    bindHost: settings.LAB_HOST,
    otlpSinkPort: settings.LAB_OTLP_SINK_PORT,
    tracing: settings.LAB_TRACING,
    appMainTemplate: settings.LAB_APP_MAIN,
    appKafkaBrokers: settings.LAB_APP_KAFKA_BROKERS,
    appProviderUrl: settings.LAB_PROVIDER_URL,
    kafkaProxyListener: settings.LAB_KAFKA_PROXY_LISTENER,
    adminClient: Object.freeze({
      ...(settings.LAB_ADMIN_CLIENT_ID ? { id: settings.LAB_ADMIN_CLIENT_ID } : {}),
      ...(settings.LAB_ADMIN_CLIENT_SECRET ? { secret: settings.LAB_ADMIN_CLIENT_SECRET } : {}),
    }),
  });
}

/** The lab's variables (keys of its validated settings). */
export type LabVariable = keyof typeof labConfigShape;

/**
 * One lab variable from `env`, validated as `loadLabConfig` does (for code handed an environment
 * rather than a LabConfig). Throws LabConfigError naming the variable for a bad value.
 */
export function labVariable<K extends LabVariable>(
  name: K,
  env: NodeJS.ProcessEnv = process.env,
): ConfigOf<typeof labConfigShape>[K] {
  const shape = { [name]: labConfigShape[name] } as Pick<typeof labConfigShape, K>;
  const settings: Readonly<Record<string, unknown>> = labSettings(shape, env);
  return settings[name] as ConfigOf<typeof labConfigShape>[K];
}

/** LAB_TRACING from `env` (`on`/`off`, any case; unset `on`). Throws LabConfigError naming it for another value. */
export function labTracing(env: NodeJS.ProcessEnv): LabTracing {
  return labVariable('LAB_TRACING', env);
}

/**
 * The host the lab itself uses to reach apps bound to `bindHost` (an IP literal): 127.0.0.1 when
 * they listen on a wildcard (0.0.0.0 or ::), so load, probes and readiness checks stay on loopback;
 * else the bound address itself. IPv6 literals come bracketed for a URL (RFC 3986 §3.2.2).
 */
export function appUrlHost(bindHost: string): string {
  if (bindHost === '0.0.0.0' || bindHost === '::') return '127.0.0.1';
  return isIP(bindHost) === 6 ? `[${bindHost}]` : bindHost;
}

/** Broker N's (1-based) client port in this lab. */
export function brokerPort(config: LabConfig, node: number): number {
  return config.kafkaPort + KAFKA_BROKER_PORT_STRIDE * (node - 1);
}

/** Broker list the apps and the admin client use: KAFKA_BROKERS, else every lab broker's address. */
export function brokersOf(config: LabConfig): string {
  if (config.externalBrokers) return config.externalBrokers;
  return Array.from({ length: config.brokerCount }, (_, i) => `127.0.0.1:${brokerPort(config, i + 1)}`).join(',');
}
