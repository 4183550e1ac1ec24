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
  readonly kafkaPort: number;
  readonly kafkaControllerPort: number;
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
}

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
  /** An IP literal (v4 or v6), as `node:net` `isIP` reads it; unset is `fallback`. */
  ipAddress: (fallback: string) =>
    z
      .string()
      .refine((value) => isIP(value) !== 0, { error: 'is not an IP address (e.g. 127.0.0.1, 0.0.0.0 or 172.17.0.1)' })
      .default(fallback),
};

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

/** The lab's own variables; overrides (the CLI's flags) stand in for the variable they name. */
const labConfigShape = {
  LAB_STATE_DIR: z.string().default('.lab/default'),
  LAB_PORT_OFFSET: labSetting.int(0, 20000),
  KAFKA_BROKERS: z.string().optional(),
  KAFKA_PORT: labSetting.int(1, 65535),
  KAFKA_CONTROLLER_PORT: labSetting.int(1, 65535),
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
};

/**
 * Reads the lab's environment variables (libs/config, the apps' validator); every bad value is
 * reported at once. Throws LabConfigError.
 */
export function loadLabConfig(env: NodeJS.ProcessEnv = process.env, overrides: LabConfigOverrides = {}): LabConfig {
  const settings = checkLabSettings(
    labConfigShape,
    {
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
    },
    (problems) => new LabConfigError(`Bad lab settings:\n  - ${problems}`),
  );
  const portOffset = overrides.portOffset ?? settings.LAB_PORT_OFFSET ?? 0;
  return Object.freeze({
    stateDir: resolve(REPO_ROOT, settings.LAB_STATE_DIR),
    portOffset,
    topicPrefix: settings.JEEVES_TOPIC_PREFIX,
    externalBrokers: settings.KAFKA_BROKERS,
    kafkaPort: settings.KAFKA_PORT ?? 9092,
    kafkaControllerPort: settings.KAFKA_CONTROLLER_PORT ?? 9093,
    // The offset applies to the default only: an explicit PROMETHEUS_PORT is taken as meant.
    prometheusPort: overrides.prometheusPort ?? settings.PROMETHEUS_PORT ?? 9090 + portOffset,
    cacheDir: resolve(settings.LAB_CACHE_DIR ?? resolve(homedir(), '.cache', 'jeeves-lab')),
    logLevel: settings.LOG_LEVEL,
    kafkaTransport: settings.KAFKA_TRANSPORT,
    gatewayReads: settings.GATEWAY_READS,
    bindHost: settings.LAB_HOST,
  });
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

/** Broker list the apps and the admin client use. */
export function brokersOf(config: LabConfig): string {
  return config.externalBrokers ?? `127.0.0.1:${config.kafkaPort}`;
}
