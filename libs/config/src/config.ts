import { isIP } from 'node:net';
import { z } from 'zod';

/** Raised at boot when the environment does not describe a runnable service. Lists every bad variable. */
export class ConfigError extends Error {
  readonly code = 'ECONFIG';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}\nFix these environment variables and start again.`);
    this.name = 'ConfigError';
  }
}

type Shape = Record<string, z.ZodType>;

/** The typed values a shape describes, frozen. */
export type ConfigOf<S extends Shape> = Readonly<z.infer<z.ZodObject<S>>>;

/** One bad variable: its name, its value as given (undefined when unset) and what is wrong with it. */
export interface ConfigProblem {
  readonly name: string;
  readonly value: string | undefined;
  readonly message: string;
}

/**
 * Validates `env` against `shape` without throwing: `{ config }` (typed, frozen) or `{ problems }`,
 * one per failed check in shape order (a variable may fail more than one). Keys of `shape` are
 * environment variable names. `loadConfig` is this plus the services' error; the lab words its own.
 */
export function checkConfig<S extends Shape>(
  shape: S,
  env: NodeJS.ProcessEnv,
): { config: ConfigOf<S>; problems?: undefined } | { config?: undefined; problems: ConfigProblem[] } {
  const result = z.object(shape).safeParse(env);
  if (result.success) return { config: Object.freeze(result.data) as ConfigOf<S> };
  return {
    problems: result.error.issues.map((issue) => {
      const name = issue.path.join('.');
      return { name, value: env[name], message: issue.message };
    }),
  };
}

/**
 * Validates the environment once, at boot, into a typed frozen object. Keys of `shape` are
 * environment variable names; every bad variable is reported, not just the first.
 * @throws ConfigError listing each problem as `NAME="value": what is wrong`.
 */
export function loadConfig<S extends Shape>(shape: S, env: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const checked = checkConfig(shape, env);
  if (checked.problems === undefined) return checked.config;
  throw new ConfigError(
    checked.problems.map(
      ({ name, value, message }) => `${name}=${value === undefined ? '(unset)' : JSON.stringify(value)}: ${message}`,
    ),
  );
}

/** Env helpers: each coerces a string variable and states its accepted values. */
export const env = {
  port: (defaultPort: number) => z.coerce.number().int().min(1).max(65535).default(defaultPort),
  int: (defaultValue: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
    z.coerce.number().int().min(min).max(max).default(defaultValue),
  number: (defaultValue: number, min = 0, max = Number.MAX_VALUE) =>
    z.coerce.number().min(min).max(max).default(defaultValue),
  string: (defaultValue: string) => z.string().default(defaultValue),
  url: (defaultValue: string) => z.url().default(defaultValue),
  list: (defaultValue: string) =>
    z
      .string()
      .default(defaultValue)
      .transform((value) =>
        value
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean),
      ),
  bool: (defaultValue: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
      .default(defaultValue ? 'true' : 'false')
      .transform((value) => value === 'true' || value === '1' || value === 'yes'),
  oneOf: <T extends readonly [string, ...string[]]>(values: T, defaultValue: T[number]) =>
    z.enum(values).default(defaultValue),
};

/** Pino's levels, quietest last: LOG_LEVEL's accepted values. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * KAFKA_TRANSPORT's values: `hardened` (ours, on Nest's ServerKafka) or `stock` (Nest's own
 * ServerKafka/ClientKafka with their defaults, to watch how they fail).
 */
export const KAFKA_TRANSPORTS = ['hardened', 'stock'] as const;

/** KAFKA_PRODUCER_ACKS's values, as Kafka's producer `acks` setting names them. */
export const KAFKA_PRODUCER_ACKS_VALUES = ['all', '1'] as const;

/** Variables every Jeeves service reads. */
export const commonShape = {
  NODE_ENV: env.oneOf(['development', 'test', 'production'], 'development'),
  LOG_LEVEL: env.oneOf(LOG_LEVELS, 'info'),
  KAFKA_BROKERS: env.list('127.0.0.1:9092'),
  JEEVES_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, . _ - only')
    .default(''),
  /** Which Kafka transport strategy consuming apps run (KAFKA_TRANSPORTS). */
  KAFKA_TRANSPORT: env.oneOf(KAFKA_TRANSPORTS, 'hardened'),
  /**
   * `acks` of every event the hardened transport publishes (Kafka's producer setting; Nest's stock
   * transport and the reads' request-reply keep kafkajs's own −1): `all` (default) waits for every in-sync
   * replica, so an acknowledged record survives a broker loss while `min.insync.replicas` hold;
   * `1` waits for the leader only (faster, and lost when the leader dies before replicating; ADR 0014).
   */
  KAFKA_PRODUCER_ACKS: env.oneOf(KAFKA_PRODUCER_ACKS_VALUES, 'all'),
  /** Bytes a consumer's fetch waits for before the broker answers (Kafka's `fetch.min.bytes`; ADR 0009). */
  KAFKA_FETCH_MIN_BYTES: env.int(1, 1, 52_428_800),
  /** Most milliseconds the broker holds a fetch waiting for KAFKA_FETCH_MIN_BYTES (Kafka's `fetch.max.wait.ms`). */
  KAFKA_FETCH_MAX_WAIT_MS: env.int(5000, 0, 60_000),
  INSTANCE_ID: z.string().optional(),
  /** How long a graceful shutdown may take before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: env.int(10000, 0),
  /**
   * The address the HTTP server listens on: an IP literal (`0.0.0.0` or `::` for every interface;
   * the lab passes its LAB_HOST) or a host name. Default loopback.
   */
  HOST: z
    .string()
    .refine((value) => isIP(value) !== 0 || z.hostname().safeParse(value).success, {
      message: 'expected an IP address (e.g. 127.0.0.1, 0.0.0.0, ::) or a host name',
    })
    .default('127.0.0.1'),
  /**
   * `off` leaves out the HTTP request metrics (the request log stays): the "instrumentation off"
   * baseline of the overhead benchmark (tools/bench/overhead.ts). The lab never sets it.
   */
  JEEVES_HTTP_METRICS: env.oneOf(['on', 'off'] as const, 'on'),
};
