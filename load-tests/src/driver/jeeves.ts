import { isIP, isIPv4 } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
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
  readonly client: { readonly id: string; readonly secret: string };
  readonly admin: { readonly id: string; readonly secret: string };
}

export const DEFAULT_CLIENTS = {
  client: { id: 'jeeves-demo', secret: 'jeeves-demo-secret' },
  admin: { id: 'lab-admin', secret: 'lab-admin-secret' },
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

interface CachedToken {
  readonly value: string;
  readonly refreshAtMs: number;
}

/** A client_credentials token, refreshed at 80 % of its lifetime so a soak never runs on an expired one. */
export class TokenSource {
  private token: CachedToken | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly tokenDealerUrl: string,
    private readonly client: { readonly id: string; readonly secret: string },
    private readonly scope?: string,
  ) {}

  async get(): Promise<string> {
    if (this.token && performance.now() < this.token.refreshAtMs) return this.token.value;
    this.pending ??= this.fetch().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetch(): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.client.id,
      client_secret: this.client.secret,
    });
    if (this.scope) body.set('scope', this.scope);
    const response = await fetch(`${this.tokenDealerUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok)
      throw new TargetError(
        `token-dealer answered ${response.status} for client ${this.client.id}: ${text.slice(0, 300)}`,
      );
    const parsed = JSON.parse(text) as { access_token?: unknown; expires_in?: unknown };
    if (typeof parsed.access_token !== 'string') throw new TargetError('token-dealer answered without an access_token');
    const lifetimeS = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 300;
    this.token = { value: parsed.access_token, refreshAtMs: performance.now() + lifetimeS * 800 };
    return parsed.access_token;
  }
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
  readonly tokens: TokenSource;
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
  for (;;) {
    if (ctx.signal.aborted) return;
    const r = await ctx.http.request(
      {
        method: 'GET',
        path: `/v1/messages/${encodeURIComponent(id as string)}`,
        endpoint: 'get_message',
        headers: auth,
      },
      tags,
    );
    const status = (r.json as { status?: unknown } | undefined)?.status;
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

/** Posts one chaos fault with a lab-admin token (scope lab:chaos). */
export async function injectFault(
  step: FaultStep,
  index: number,
  target: JeevesTarget,
  adminTokens: TokenSource,
): Promise<InjectedFault> {
  const base = target.serviceUrls[step.service];
  const result = { index, service: step.service, atSeconds: step.atSeconds, fault: step.fault };
  if (!base) return { ...result, status: 0, error: `no URL for service ${step.service}` };
  try {
    assertLoopback(base);
    const token = await adminTokens.get();
    const response = await fetch(`${base}/admin/chaos/faults`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(step.fault),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    const id = response.ok ? (JSON.parse(text) as { id?: unknown }).id : undefined;
    return { ...result, status: response.status, ...(typeof id === 'string' ? { id } : { error: text.slice(0, 300) }) };
  } catch (error) {
    return { ...result, status: 0, error: (error as Error).message };
  }
}

/** Removes faults this run injected, so a stopped run does not leave the lab broken. */
export async function clearFaults(
  faults: readonly InjectedFault[],
  target: JeevesTarget,
  adminTokens: TokenSource,
): Promise<void> {
  await Promise.all(
    faults
      .filter((f) => f.id)
      .map(async (f) => {
        try {
          const token = await adminTokens.get();
          const response = await fetch(
            `${target.serviceUrls[f.service]}/admin/chaos/faults/${encodeURIComponent(f.id as string)}`,
            {
              method: 'DELETE',
              headers: { authorization: `Bearer ${token}` },
              signal: AbortSignal.timeout(5000),
            },
          );
          await response.body?.cancel();
        } catch {
          // The fault expires by its own durationMs; a failed clean-up is not worth failing the run for.
        }
      }),
  );
}
