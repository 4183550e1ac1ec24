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

/**
 * Validates the environment once, at boot, into a typed frozen object. Keys of `shape` are
 * environment variable names; every bad variable is reported, not just the first.
 */
export function loadConfig<S extends Shape>(
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<z.infer<z.ZodObject<S>>> {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join('.');
        const value = env[name];
        return `${name}=${value === undefined ? '(unset)' : JSON.stringify(value)}: ${issue.message}`;
      }),
    );
  }
  return Object.freeze(result.data) as Readonly<z.infer<z.ZodObject<S>>>;
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

/** Variables every Jeeves service reads. */
export const commonShape = {
  NODE_ENV: env.oneOf(['development', 'test', 'production'], 'development'),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  KAFKA_BROKERS: env.list('127.0.0.1:9092'),
  JEEVES_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, . _ - only')
    .default(''),
  /**
   * Which Kafka transport strategy consuming apps run: `hardened` (ours, on Nest's ServerKafka) or
   * `stock` (Nest's own ServerKafka/ClientKafka with their defaults, to watch how they fail).
   */
  KAFKA_TRANSPORT: env.oneOf(['hardened', 'stock'] as const, 'hardened'),
  INSTANCE_ID: z.string().optional(),
  /** How long a graceful shutdown may take before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: env.int(10000, 0),
};
