/**
 * The one table of Jeeves's services and of what the lab assumes about them: default ports, which
 * scale, the lab's OAuth clients and the token issuer/audience defaults. Apps take their default
 * port from here; the lab side (tools/lab/apps.ts, experiments, load tests, integration specs)
 * derives every list of services from it, so adding a service is one row.
 */

const TABLE = [
  { name: 'gateway', defaultPort: 3000, scalable: false },
  { name: 'token-dealer', defaultPort: 3001, scalable: false },
  { name: 'data-service', defaultPort: 3002, scalable: true },
  { name: 'provider', defaultPort: 3003, scalable: false },
  { name: 'bot', defaultPort: 3004, scalable: true },
  { name: 'worker', defaultPort: 3005, scalable: true },
] as const;

type Row = (typeof TABLE)[number];
export type ServiceName = Row['name'];
/** The services `lab scale` may run more than once of. */
export type ScalableServiceName = Extract<Row, { scalable: true }>['name'];

export interface ServiceSpec {
  /** Directory under apps/ and the `service` label in Prometheus. */
  readonly name: ServiceName;
  /** HTTP port of the service (instance 1 in the lab, before `LAB_PORT_OFFSET` is added). */
  readonly defaultPort: number;
  /**
   * True when the service reads its work from a Kafka consumer group, so that extra instances share
   * the partitions (`lab scale`). HTTP-only services would just fight over one port range for nothing.
   */
  readonly scalable: boolean;
}

/** Every service, in the order the lab starts and lists them. */
export const SERVICES: readonly ServiceSpec[] = TABLE;
/** Every service name, in table order. */
export const SERVICE_NAMES: readonly ServiceName[] = TABLE.map((s) => s.name);
/** The scalable services' names, in table order. */
export const SCALABLE_SERVICE_NAMES: readonly ScalableServiceName[] = TABLE.filter(
  (s): s is Extract<Row, { scalable: true }> => s.scalable,
).map((s) => s.name);

/** True when `value` names a service of the table. */
export function isServiceName(value: string): value is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(value);
}

/** The default HTTP port of a service (`3000` for the gateway). */
export function defaultPortOf(name: ServiceName): number {
  const spec = SERVICES.find((s) => s.name === name);
  if (!spec) throw new Error(`Unknown service "${name}". Known services: ${SERVICE_NAMES.join(', ')}.`);
  return spec.defaultPort;
}

/** `http://127.0.0.1:<default port>`: where one service finds another when nothing says otherwise. */
export function defaultUrlOf(name: ServiceName): string {
  return `http://127.0.0.1:${defaultPortOf(name)}`;
}

/**
 * The lab's OAuth clients (token-dealer's defaults when TOKEN_CLIENTS is unset; RFC 6749 §2.3.1
 * client_id/client_secret) and the scopes each may ask for. Their secrets are public: lab only.
 */
export const LAB_CLIENTS = Object.freeze({
  /** The demo user's client: posts and reads messages. */
  demo: { id: 'jeeves-demo', secret: 'jeeves-demo-secret', scope: 'messages:write messages:read' },
  /** The lab's operator: also injects faults (`lab:chaos`). */
  admin: { id: 'lab-admin', secret: 'lab-admin-secret', scope: 'messages:write messages:read lab:chaos' },
} as const);

/**
 * The lab console (apps/console): the lab's web page, not a Jeeves service. It has no Kafka client
 * and no chaos API, so it is not in SERVICES; the lab starts it after the services (ADR 0100).
 */
export const CONSOLE_APP = Object.freeze({ name: 'console', defaultPort: 3010 } as const);

/** The scope of the chaos admin API (`/admin/chaos/faults`). */
export const CHAOS_SCOPE = 'lab:chaos';

/** What token-dealer writes in `iss` and `aud` (RFC 7519 §4.1.1, §4.1.3) and verifiers expect, by default. */
export const TOKEN_DEFAULTS = Object.freeze({ issuer: 'jeeves-token-dealer', audience: 'jeeves-api' } as const);
