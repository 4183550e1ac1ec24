import { delay } from '#libs/resilience';
import { ChaosInjectedError } from './errors';
import type { Fault, FaultRegistry } from './fault-registry';
import { type LatencyParams, sampleLatencyMs } from './latency';

/** What an incoming request should suffer, decided before any of it happens. */
export type RequestVerdict = { kind: 'pass' } | { kind: 'fail'; fault: Fault; status: number };

/** Paths never touched by faults: the lab must still see, measure and undo what it broke. */
export const EXEMPT_PATHS = ['/health', '/metrics', '/admin/chaos'];

function pathMatches(prefix: string, path: string): boolean {
  return path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

export function isExempt(path: string): boolean {
  return EXEMPT_PATHS.some((prefix) => pathMatches(prefix, path));
}

/**
 * Applies latency, hang and error faults at two places: incoming HTTP requests (route and
 * whole-service faults) and outgoing dependency calls (`dependency:<name>` faults, through
 * `beforeDependency`, which the resilience breakers call inside each call so that injected faults
 * count exactly like real ones).
 */
export class ChaosInjector {
  constructor(
    private readonly faults: FaultRegistry,
    private readonly random: () => number = Math.random,
  ) {}

  /** Faults that apply to a request for `path` (`template`: the matched route, e.g. /v1/messages/:id). */
  requestFaults(path: string, template?: string): Fault[] {
    if (isExempt(path)) return [];
    return this.faults.list().filter((fault) => {
      if (fault.target === null) return fault.type === 'latency' || fault.type === 'error' || fault.type === 'hang';
      if (!fault.target.startsWith('route:')) return false;
      const route = fault.target.slice('route:'.length);
      return pathMatches(route, path) || (template !== undefined && route === template);
    });
  }

  /**
   * Runs the faults for one incoming request: waits out latency and hangs (a hang ends when the
   * fault goes or `signal` — the client leaving — aborts), then says whether to fail it.
   */
  async onRequest(path: string, template: string | undefined, signal: AbortSignal): Promise<RequestVerdict> {
    const faults = this.requestFaults(path, template);
    if (faults.length === 0) return { kind: 'pass' };
    await this.delayAndHang(faults, signal);
    const failing = this.pickError(faults);
    return failing ? { kind: 'fail', fault: failing, status: Number(failing.params.status) } : { kind: 'pass' };
  }

  /** Call before each call to `dependency`; throws `ChaosInjectedError` for an injected error. */
  async beforeDependency(dependency: string, signal?: AbortSignal): Promise<void> {
    const target = `dependency:${dependency}`;
    const faults = this.faults.list().filter((fault) => fault.target === target);
    if (faults.length === 0) return;
    await this.delayAndHang(faults, signal);
    const failing = this.pickError(faults);
    if (failing) throw new ChaosInjectedError(failing.id, Number(failing.params.status), `call to ${dependency}`);
  }

  private async delayAndHang(faults: readonly Fault[], signal: AbortSignal | undefined): Promise<void> {
    for (const fault of faults) {
      if (signal?.aborted) return;
      if (fault.type === 'latency') {
        await delay(sampleLatencyMs(fault.params as unknown as LatencyParams, this.random), signal).catch(
          () => undefined,
        );
      } else if (fault.type === 'hang') {
        await this.faults.whenGone(fault.id, signal);
      }
    }
    // A caller that gave up gets its own abort reason, as a real slow dependency would give it.
    if (signal?.aborted) throw signal.reason;
  }

  private pickError(faults: readonly Fault[]): Fault | undefined {
    return faults.find((fault) => fault.type === 'error' && this.random() < Number(fault.params.rate));
  }
}
