import { SERVICE_NAMES, SERVICES, isServiceName, type ServiceName, type ServiceSpec } from '#libs/contracts';

/**
 * The lab's view of the services table (`SERVICES` in libs/contracts, which apps read their default
 * ports from): everything that starts, scales, scrapes or documents an app reads it from here, so
 * adding a service is one row there.
 */
export type AppSpec = ServiceSpec;
export type AppName = ServiceName;

export const APP_NAMES = SERVICE_NAMES;
export const APPS: readonly AppSpec[] = SERVICES;

/**
 * Upper bound for `lab scale`: the pipeline topics have 6 partitions, so a 7th consumer in a group
 * would sit idle; 10 keeps the port scheme below collision-free.
 */
export const MAX_INSTANCES = 10;

/** Extra instances live 1000 ports above the base range, 10 apart, so no two apps ever collide. */
const EXTRA_INSTANCE_BASE = 1000;
const EXTRA_INSTANCE_STRIDE = 10;

export function isAppName(value: string): value is AppName {
  return isServiceName(value);
}

export function appSpec(name: AppName): AppSpec {
  const spec = APPS.find((a) => a.name === name);
  if (!spec) throw new Error(`Unknown app "${name}". Known apps: ${APP_NAMES.join(', ')}.`);
  return spec;
}

/**
 * HTTP port of one instance (1-based). Instance 1 gets the default port + offset; instances 2..n get
 * `default + offset + 1000 + 10*(i-1)`: default ports differ in their last digit, so a stride of 10
 * never lands two apps on one port, and the +1000 keeps clear of another lab's base range.
 */
export function appPort(name: AppName, instance: number, portOffset: number): number {
  const base = appSpec(name).defaultPort + portOffset;
  if (instance <= 1) return base;
  return base + EXTRA_INSTANCE_BASE + EXTRA_INSTANCE_STRIDE * (instance - 1);
}

/** `worker` for instance 1, `worker-2` for the second: the id of a process in logs, pid files and labels. */
export function instanceId(name: AppName, instance: number): string {
  return instance <= 1 ? name : `${name}-${instance}`;
}

/** Parses an instance id back into app and instance number (`worker-2` → worker, 2). */
export function parseInstanceId(id: string): { app: AppName; instance: number } | undefined {
  if (isAppName(id)) return { app: id, instance: 1 };
  const match = /^(.*)-(\d+)$/.exec(id);
  if (!match || !isAppName(match[1])) return undefined;
  return { app: match[1], instance: Number(match[2]) };
}
