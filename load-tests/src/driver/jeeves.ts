import { isIP, isIPv4 } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { CHAOS_SCOPE, LAB_CLIENTS } from '#libs/contracts';
import {
  ChaosApiError,
  HttpChaosApi,
  TokenSource,
  type AccessTokens,
  type ChaosApi,
  type ClientCredentials,
} from '../../../tools/common';
import type { FlowName, FaultStep, Scenario } from '../scenario';
import type { MetricStore, Tags } from '../metrics';
import type { RecordingHttp } from './http';
import type { Timeline } from './timeline';

/** Where the driver sends traffic. Every URL must be loopback (checked by assertLoopback). */
export interface JeevesTarget {
  readonly gatewayUrl: string;
  readonly tokenDealerUrl: string;
  /** Base URL per service, for chaos faults. */
  readonly serviceUrls: Readonly<Record<string, string>>;
  readonly client: ClientCredentials;
  readonly admin: ClientCredentials;
}

/** The lab's clients (LAB_CLIENTS): the demo user's for the flows, the admin's for chaos faults. */
export const DEFAULT_CLIENTS = {
  client: { id: LAB_CLIENTS.demo.id, secret: LAB_CLIENTS.demo.secret },
  admin: { id: LAB_CLIENTS.admin.id, secret: LAB_CLIENTS.admin.secret },
} as const;

export class TargetError extends Error {
  readonly code = 'ETARGET';
  override readonly name = 'TargetError';
}

/**
 * True when `host` (a URL's hostname: IPv6 bracketed) is this machine: `localhost`, a loopback
 * address (127.0.0.0/8, ::1; RFC 1122 §3.2.1.3, RFC 4291 §2.5.3) or an address of one of its network
 * interfaces (`interfaces`, os.networkInterfaces() by default), such as the docker0 bridge's that
 * `LAB_HOST` may bind the apps to.
 */
export function isThisMachine(
  host: string,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): boolean {
  const address = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (address === 'localhost' || address === '::1') return true;
  if (isIPv4(address) && address.startsWith('127.')) return true;
  if (isIP(address) === 0) return false;
  return Object.values(interfaces).some((list) => (list ?? []).some((i) => i.address.toLowerCase() === address));
}

/** The driver only ever loads this machine: a typo must not send a stress test somewhere else. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (!isThisMachine(host))
    throw new TargetError(
      `${url} is neither a loopback address nor one of this machine's; the built-in driver only loads this machine.`,
    );
}

/** Fails fast, like a k6 `setup()`, when the target is not ready: a load test of a down system measures nothing. */
export async function checkReady(target: JeevesTarget, timeoutMs = 5000): Promise<void> {
  for (const [name, url] of [
    ['gateway', target.gatewayUrl],
    ['token-dealer', target.tokenDealerUrl],
  ] as const) {
    assertLoopback(url);
    let ok = false;
    let why = '';
    try {
      const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(timeoutMs) });
      ok = response.ok;
      why = `answered ${response.status}`;
      await response.body?.cancel();
    } catch (error) {
      why = (error as Error).message;
    }
    if (!ok) throw new TargetError(`${name} at ${url} is not ready (${why}). Start the lab first: npm run lab -- up`);
  }
}

export interface FlowContext {
  readonly http: RecordingHttp;
  readonly tokens: AccessTokens;
  readonly metrics: MetricStore;
  readonly timeline: Timeline;
  readonly scenario: Scenario;
  readonly runStartMs: number;
  /** Aborted when the run stops early: pollers give up at once. */
  readonly signal: AbortSignal;
}

let sequence = 0;

function check(ctx: FlowContext, name: string, ok: boolean, tags: Tags): boolean {
  ctx.metrics.add('checks', ok ? 1 : 0, { ...tags, check: name });
  return ok;
}

/** Runs one iteration of a flow. `intendedStartMs` is its scheduled time (performance.now() ms). */
export async function runFlow(flow: FlowName, ctx: FlowContext, intendedStartMs: number): Promise<void> {
  const n = sequence++;
  const user = `load-user-${n % ctx.scenario.users}`;
  const text = ctx.scenario.texts[n % ctx.scenario.texts.length];
  const tags: Tags = { flow, scenario: ctx.scenario.name };
  const token = await ctx.tokens.get();
  const auth = { authorization: `Bearer ${token}` };
  if (flow === 'history') {
    const r = await ctx.http.request(
      {
        method: 'GET',
        path: `/v1/users/${encodeURIComponent(user)}/messages`,
        endpoint: 'user_history',
        headers: auth,
        intendedStartMs,
      },
      tags,
    );
    check(ctx, 'history is 200', r.status === 200, tags);
    return;
  }
  const posted = await ctx.http.request(
    {
      method: 'POST',
      path: '/v1/messages',
      endpoint: 'post_message',
      headers: auth,
      body: JSON.stringify({ user, text }),
      intendedStartMs,
    },
    tags,
  );
  const id = (posted.json as { id?: unknown } | undefined)?.id;
  if (!check(ctx, 'message accepted (202)', posted.status === 202 && typeof id === 'string', tags) || flow === 'post')
    return;
  const deadline = intendedStartMs + ctx.scenario.e2e.deadlineMs;
  // Like a well-behaved client, the poller sends the last ETag back: a 304 means "unchanged".
  let last: { etag: string; status: unknown } | undefined;
  for (;;) {
    if (ctx.signal.aborted) return;
    const r = await ctx.http.request(
      {
        method: 'GET',
        path: `/v1/messages/${encodeURIComponent(id as string)}`,
        endpoint: 'get_message',
        headers: last ? { ...auth, 'if-none-match': last.etag } : auth,
      },
      tags,
    );
    const status = r.status === 304 ? last?.status : (r.json as { status?: unknown } | undefined)?.status;
    if (r.status === 200 && r.etag) last = { etag: r.etag, status };
    const now = performance.now();
    if (status === 'replied' || status === 'failed') {
      record(ctx, now - intendedStartMs, { ...tags, outcome: String(status) });
      check(ctx, 'reply visible before the deadline', status === 'replied', tags);
      return;
    }
    if (now >= deadline) {
      // A reply that never came still counts, at the time waited: leaving it out would flatter p99.
      record(ctx, now - intendedStartMs, { ...tags, outcome: 'timeout' });
      check(ctx, 'reply visible before the deadline', false, tags);
      return;
    }
    await delay(Math.min(ctx.scenario.e2e.pollIntervalMs, Math.max(0, deadline - now)), undefined, {
      signal: ctx.signal,
    }).catch(() => undefined);
  }
}

function record(ctx: FlowContext, ms: number, tags: Tags): void {
  ctx.metrics.add('jeeves_e2e_latency', ms, tags);
  ctx.timeline.at(performance.now() - ctx.runStartMs).e2eMs.push(ms);
}

export interface InjectedFault {
  readonly index: number;
  readonly service: string;
  readonly atSeconds: number;
  readonly fault: FaultStep['fault'];
  readonly status: number;
  readonly id?: string;
  readonly error?: string;
}

/** The chaos API of the target's services, with its admin client's token (scope lab:chaos). */
export function targetChaosApi(target: JeevesTarget): ChaosApi {
  return new HttpChaosApi({
    urlOf: (service) => target.serviceUrls[service],
    tokens: new TokenSource(target.tokenDealerUrl, target.admin, CHAOS_SCOPE),
  });
}

/** Posts one chaos fault; what came of it (never throws: a refused fault is reported, not fatal). */
export async function injectFault(
  step: FaultStep,
  index: number,
  target: JeevesTarget,
  chaos: ChaosApi,
): Promise<InjectedFault> {
  const result = { index, service: step.service, atSeconds: step.atSeconds, fault: step.fault };
  try {
    const base = target.serviceUrls[step.service];
    if (base) assertLoopback(base);
    const { id } = await chaos.inject(step.service, step.fault);
    return { ...result, status: 201, id };
  } catch (error) {
    if (error instanceof ChaosApiError && error.status > 0)
      return { ...result, status: error.status, error: error.text.slice(0, 300) };
    return { ...result, status: 0, error: (error as Error).message };
  }
}

/** Removes faults this run injected, so a stopped run does not leave the lab broken. */
export async function clearFaults(faults: readonly InjectedFault[], chaos: ChaosApi): Promise<void> {
  await Promise.all(
    faults
      .filter((f) => f.id)
      // The fault expires by its own durationMs; a failed clean-up is not worth failing the run for.
      .map((f) => chaos.clear(f.service, f.id, { timeoutMs: 5000 }).catch(() => undefined)),
  );
}
