import { randomUUID } from 'node:crypto';
import { Counter, Gauge } from 'prom-client';
import type { MetricsRegistry } from '#libs/observability';
import { DEFAULT_FAULT_DURATION_MS, type FaultParams, type FaultSpec, type FaultType, paramsOf } from './fault-spec';

export interface Fault {
  readonly id: string;
  readonly type: FaultType;
  /** `route:/v1/weather`, `topic:jeeves.actions.v1`, `dependency:provider`, or null for the whole service. */
  readonly target: string | null;
  readonly params: FaultParams;
  readonly createdAt: string;
  readonly expiresAt: string;
}

export type FaultListener = (event: 'added' | 'removed', fault: Fault) => void;

export interface FaultRegistryOptions {
  registry: MetricsRegistry;
  now?: () => number;
  newId?: () => string;
}

/** `target` label value for a fault that covers the whole service. */
const WHOLE_SERVICE = 'service';

/**
 * The faults active in this process. Each expires by itself (a timer per fault), so a forgotten
 * experiment cannot leave a service broken. `jeeves_chaos_active_faults{type,target}` is
 * recomputed from the list on every change, so it is exact, including the return to 0.
 */
export class FaultRegistry {
  private readonly faults = new Map<string, { fault: Fault; timer: NodeJS.Timeout }>();
  private readonly listeners: FaultListener[] = [];
  private readonly removalWaiters = new Map<string, Set<() => void>>();
  private readonly active: Gauge<'type' | 'target'>;
  private readonly injected: Counter<'type'>;
  private readonly seenSeries = new Set<string>();
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(options: FaultRegistryOptions) {
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? randomUUID;
    const registers = [options.registry];
    this.active =
      (options.registry.getSingleMetric('jeeves_chaos_active_faults') as Gauge<'type' | 'target'> | undefined) ??
      new Gauge({
        name: 'jeeves_chaos_active_faults',
        help: 'Chaos faults in force now, by type and target.',
        labelNames: ['type', 'target'],
        registers,
      });
    this.injected =
      (options.registry.getSingleMetric('jeeves_chaos_faults_injected_total') as Counter<'type'> | undefined) ??
      new Counter({
        name: 'jeeves_chaos_faults_injected_total',
        help: 'Chaos faults injected (added through the chaos API), by type.',
        labelNames: ['type'],
        registers,
      });
  }

  /** Registers a validated spec; it starts at once and ends after `durationMs`. */
  add(spec: FaultSpec): Fault {
    const durationMs = spec.durationMs ?? DEFAULT_FAULT_DURATION_MS;
    const now = this.now();
    const fault: Fault = {
      id: this.newId(),
      type: spec.type,
      target: spec.target ?? null,
      params: paramsOf(spec),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + durationMs).toISOString(),
    };
    const timer = setTimeout(() => this.remove(fault.id), durationMs);
    timer.unref();
    this.faults.set(fault.id, { fault, timer });
    this.injected.inc({ type: fault.type });
    this.refreshGauge();
    this.emit('added', fault);
    return fault;
  }

  list(): Fault[] {
    return [...this.faults.values()].map((entry) => entry.fault);
  }

  get(id: string): Fault | undefined {
    return this.faults.get(id)?.fault;
  }

  /** Active faults of one type. */
  ofType(type: FaultType): Fault[] {
    return this.list().filter((fault) => fault.type === type);
  }

  remove(id: string): boolean {
    const entry = this.faults.get(id);
    if (!entry) return false;
    clearTimeout(entry.timer);
    this.faults.delete(id);
    this.refreshGauge();
    this.emit('removed', entry.fault);
    for (const wake of this.removalWaiters.get(id) ?? []) wake();
    this.removalWaiters.delete(id);
    return true;
  }

  clear(): number {
    const ids = [...this.faults.keys()];
    for (const id of ids) this.remove(id);
    return ids.length;
  }

  /** Resolves when the fault is removed or expires, or when `signal` aborts (whichever is first). */
  whenGone(id: string, signal?: AbortSignal): Promise<void> {
    if (!this.faults.has(id) || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.removalWaiters.get(id) ?? new Set<() => void>();
      this.removalWaiters.set(id, waiters);
      const wake = () => {
        waiters.delete(wake);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      waiters.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }

  /** Effects (CPU burn, memory, consumer pause) follow the list through this. */
  subscribe(listener: FaultListener): void {
    this.listeners.push(listener);
  }

  private emit(event: 'added' | 'removed', fault: Fault): void {
    for (const listener of this.listeners) listener(event, fault);
  }

  private refreshGauge(): void {
    const counts = new Map<string, number>();
    for (const { fault } of this.faults.values()) {
      const key = JSON.stringify([fault.type, fault.target ?? WHOLE_SERVICE]);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      this.seenSeries.add(key);
    }
    for (const key of this.seenSeries) {
      const [type, target] = JSON.parse(key) as [string, string];
      this.active.set({ type, target }, counts.get(key) ?? 0);
    }
  }
}
