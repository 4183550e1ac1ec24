import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { homedir } from 'node:os';

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

export const KAFKA_TRANSPORTS = ['hardened', 'stock'] as const;
export type KafkaTransport = (typeof KAFKA_TRANSPORTS)[number];
export const GATEWAY_READS_MODES = ['http', 'kafka'] as const;
export type GatewayReads = (typeof GATEWAY_READS_MODES)[number];

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

/** Reads the lab's environment variables; every bad value is reported at once. */
export function loadLabConfig(env: NodeJS.ProcessEnv = process.env, overrides: LabConfigOverrides = {}): LabConfig {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}=${raw} is not an integer in [${min}, ${max}]`);
      return fallback;
    }
    return value;
  };
  const portOffset = overrides.portOffset ?? int('LAB_PORT_OFFSET', 0, 0, 20000);
  const config: { -readonly [K in keyof LabConfig]: LabConfig[K] } = {
    stateDir: resolve(REPO_ROOT, overrides.stateDir ?? env.LAB_STATE_DIR ?? '.lab/default'),
    portOffset,
    topicPrefix: overrides.topicPrefix ?? env.JEEVES_TOPIC_PREFIX ?? '',
    externalBrokers: overrides.externalBrokers ?? (env.KAFKA_BROKERS || undefined),
    kafkaPort: int('KAFKA_PORT', 9092, 1, 65535),
    kafkaControllerPort: int('KAFKA_CONTROLLER_PORT', 9093, 1, 65535),
    // The offset applies to the default only: an explicit PROMETHEUS_PORT is taken as meant.
    prometheusPort: overrides.prometheusPort ?? int('PROMETHEUS_PORT', 9090 + portOffset, 1, 65535),
    cacheDir: resolve(env.LAB_CACHE_DIR || resolve(homedir(), '.cache', 'jeeves-lab')),
    logLevel: env.LOG_LEVEL || 'info',
    kafkaTransport: 'hardened',
    gatewayReads: 'http',
    bindHost: overrides.bindHost ?? (env.LAB_HOST?.trim() || '127.0.0.1'),
  };
  if (isIP(config.bindHost) === 0)
    problems.push(`LAB_HOST=${config.bindHost} is not an IP address (e.g. 127.0.0.1, 0.0.0.0 or 172.17.0.1)`);
  const transport = overrides.kafkaTransport ?? env.KAFKA_TRANSPORT ?? 'hardened';
  if ((KAFKA_TRANSPORTS as readonly string[]).includes(transport)) config.kafkaTransport = transport as KafkaTransport;
  else problems.push(`KAFKA_TRANSPORT=${transport} is not one of ${KAFKA_TRANSPORTS.join(', ')}`);
  const reads = overrides.gatewayReads ?? env.GATEWAY_READS ?? 'http';
  if ((GATEWAY_READS_MODES as readonly string[]).includes(reads)) config.gatewayReads = reads as GatewayReads;
  else problems.push(`GATEWAY_READS=${reads} is not one of ${GATEWAY_READS_MODES.join(', ')}`);
  if (config.topicPrefix && !/^[A-Za-z0-9._-]+$/.test(config.topicPrefix)) {
    problems.push(`JEEVES_TOPIC_PREFIX=${config.topicPrefix} may only hold letters, digits, '.', '_' and '-'`);
  }
  if (problems.length > 0) throw new LabConfigError(`Bad lab settings:\n  - ${problems.join('\n  - ')}`);
  return Object.freeze(config);
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
