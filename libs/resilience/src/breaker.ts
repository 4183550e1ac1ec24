import CircuitBreaker from 'opossum';
import type { Logger, MetricsRegistry } from '#libs/observability';
import type { Bulkhead } from './bulkhead';
import { errorCode, isCallerError as defaultIsCallerError } from './errors';
import {
  type BreakerState,
  BREAKER_STATES,
  type CallOutcome,
  resilienceMetrics,
  type ResilienceMetrics,
} from './metrics';
import { retry, type RetryOptions } from './retry';

/** Per-dependency breaker settings; each breaker gets its own copy (opossum mutates its options). */
export interface BreakerOptions {
  /** Longest a call may take; past it the call's signal aborts and it counts as a timeout. */
  timeoutMs: number;
  /** Failure share (of calls in the rolling window) above which the breaker opens. */
  errorThresholdPercentage: number;
  /** Calls the rolling window must hold before the breaker may open at all. */
  volumeThreshold: number;
  /** How long the breaker stays open before letting one trial call through (half-open). */
  resetTimeoutMs: number;
  /** Length of the rolling statistics window. */
  rollingCountTimeoutMs: number;
  /** Buckets the window is split into; must divide `rollingCountTimeoutMs`. */
  rollingCountBuckets: number;
}

export const DEFAULT_BREAKER_OPTIONS: Readonly<BreakerOptions> = Object.freeze({
  timeoutMs: 2000,
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  resetTimeoutMs: 5000,
  rollingCountTimeoutMs: 10_000,
  rollingCountBuckets: 10,
});

/**
 * What a call through a breaker returns. A fallback's value is marked `degraded`, so that nobody
 * mistakes a stale or apologetic answer for a real one.
 */
export type BreakerResult<R> = { value: R; degraded: false } | { value: R; degraded: true; reason: string };

/** The guarded call; it must honour `signal`, which aborts when the breaker times the call out. */
export type GuardedCall<A extends unknown[], R> = (signal: AbortSignal, ...args: A) => Promise<R>;

export interface BreakerDependencies<A extends unknown[], R> {
  registry: MetricsRegistry;
  logger: Logger;
  /** Answer to give when the call fails, times out or is refused (never for caller errors). */
  fallback?: (error: unknown, ...args: A) => R | Promise<R>;
  /** Errors the caller caused: they pass through without counting against the dependency. */
  isCallerError?: (error: unknown) => boolean;
  /** Caps concurrent calls; a full bulkhead is a refusal (fallback), not a dependency failure. */
  bulkhead?: Bulkhead;
  /** Retries, for idempotent calls only; each attempt goes through the breaker. */
  retry?: Omit<RetryOptions, 'signal' | 'onRetry'>;
  /** Runs inside each call before `fn` (fault injection on `dependency:<name>`), so its faults count like real ones. */
  beforeCall?: (dependency: string, signal: AbortSignal) => Promise<void> | void;
}

type Action<A extends unknown[], R> = (controller: AbortController, args: A) => Promise<R>;

/**
 * A circuit breaker for one dependency, on opossum. Created once per dependency and called through
 * explicitly (`breaker.fire(...)`): the control flow stays visible where the dependency is used.
 *
 * opossum's own timeout only stops waiting; it does not stop the work. Its shared `abortController`
 * option would abort every call in flight on the first timeout. So each call here gets its own
 * AbortController, passed to opossum as the first argument; opossum hands the arguments of the
 * timed-out call to its `timeout` event, and we abort exactly that call.
 */
export class Breaker<A extends unknown[], R> {
  private readonly circuit: CircuitBreaker<[AbortController, A], R>;
  private readonly metrics: ResilienceMetrics;
  private readonly isCallerError: (error: unknown) => boolean;

  constructor(
    readonly dependency: string,
    fn: GuardedCall<A, R>,
    options: BreakerOptions,
    private readonly deps: BreakerDependencies<A, R>,
  ) {
    this.isCallerError = deps.isCallerError ?? defaultIsCallerError;
    const action: Action<A, R> = async (controller, args) => {
      const before = deps.beforeCall?.(dependency, controller.signal);
      if (before) await before;
      return fn(controller.signal, ...args);
    };
    // A fresh object every time: opossum writes its defaults and state into the options it is given.
    this.circuit = new CircuitBreaker(action, {
      name: dependency,
      timeout: options.timeoutMs,
      errorThresholdPercentage: options.errorThresholdPercentage,
      volumeThreshold: options.volumeThreshold,
      resetTimeout: options.resetTimeoutMs,
      rollingCountTimeout: options.rollingCountTimeoutMs,
      rollingCountBuckets: options.rollingCountBuckets,
      errorFilter: (error: unknown) => this.isCallerError(error),
    });
    this.metrics = resilienceMetrics(deps.registry);
    this.observe();
  }

  get state(): BreakerState {
    if (this.circuit.opened) return 'open';
    if (this.circuit.halfOpen) return 'half_open';
    return 'closed';
  }

  /**
   * Calls the dependency through the bulkhead, retries (when configured) and breaker. Resolves with
   * the real value, or the fallback's value marked `degraded`; rejects for caller errors, and for
   * every failure when there is no fallback.
   */
  async fire(...args: A): Promise<BreakerResult<R>> {
    try {
      const value = this.deps.retry
        ? await retry(() => this.attempt(args), {
            ...this.deps.retry,
            onRetry: (error, attempt, delayMs) => {
              this.metrics.retries.inc({ dependency: this.dependency });
              this.deps.logger.debug(
                { dependency: this.dependency, attempt, delayMs, code: errorCode(error) },
                'retrying dependency call',
              );
            },
          })
        : await this.attempt(args);
      return { value, degraded: false };
    } catch (error) {
      if (!this.deps.fallback || this.isCallerError(error)) throw error;
      const value = await this.deps.fallback(error, ...args);
      this.count('fallback');
      return { value, degraded: true, reason: errorCode(error) };
    }
  }

  /** Stops the breaker's timers (tests, shutdown). */
  shutdown(): void {
    this.circuit.shutdown();
  }

  private attempt(args: A): Promise<R> {
    const call = () => this.circuit.fire(new AbortController(), args);
    return this.deps.bulkhead ? this.deps.bulkhead.run(call) : call();
  }

  private count(outcome: CallOutcome): void {
    this.metrics.breakerCalls.inc({ dependency: this.dependency, outcome });
  }

  private observe(): void {
    const { dependency, circuit, metrics } = this;
    for (const outcome of ['success', 'failure', 'timeout', 'rejected', 'fallback'] as const) {
      metrics.breakerCalls.inc({ dependency, outcome }, 0);
    }
    // Rare events start at zero, so their panels and rates show 0 rather than "no data".
    for (const to of BREAKER_STATES) metrics.breakerTransitions.inc({ dependency, to }, 0);
    metrics.retries.inc({ dependency }, 0);
    this.setState('closed');
    circuit.on('success', () => this.count('success'));
    circuit.on('failure', (error) => {
      // opossum reports a timeout as `timeout` and then again as `failure`: count it once.
      if (CircuitBreaker.isOurError(error) && errorCode(error) === 'ETIMEDOUT') return;
      this.count('failure');
    });
    // opossum's typings leave out the timed-out call's arguments, which it does pass.
    (
      circuit as unknown as {
        on(event: 'timeout', listener: (error: Error, latencyMs: number, args: [AbortController, A]) => void): void;
      }
    ).on('timeout', (error, _latencyMs, args) => {
      args[0].abort(error);
      this.count('timeout');
    });
    circuit.on('reject', () => this.count('rejected'));
    circuit.on('open', () => this.transition('open'));
    circuit.on('halfOpen', () => this.transition('half_open'));
    circuit.on('close', () => this.transition('closed'));
  }

  private transition(to: BreakerState): void {
    this.setState(to);
    this.metrics.breakerTransitions.inc({ dependency: this.dependency, to });
    const line = { dependency: this.dependency, state: to };
    if (to === 'open') this.deps.logger.warn(line, 'circuit breaker opened');
    else this.deps.logger.info(line, `circuit breaker ${to === 'closed' ? 'closed' : 'half-open'}`);
  }

  private setState(current: BreakerState): void {
    for (const state of BREAKER_STATES) {
      this.metrics.breakerState.set({ dependency: this.dependency, state }, state === current ? 1 : 0);
    }
  }
}

/**
 * The process's breakers, one per dependency: asking for a second breaker for the same dependency
 * is a bug (it would split the statistics), so `create` refuses it.
 */
export class BreakerRegistry {
  private readonly breakers = new Map<string, Breaker<never[], unknown>>();

  constructor(
    private readonly shared: Pick<BreakerDependencies<never[], unknown>, 'registry' | 'logger' | 'beforeCall'>,
  ) {}

  create<A extends unknown[], R>(
    dependency: string,
    fn: GuardedCall<A, R>,
    options: BreakerOptions,
    extra: Omit<BreakerDependencies<A, R>, 'registry' | 'logger'> = {},
  ): Breaker<A, R> {
    if (this.breakers.has(dependency))
      throw new Error(`a breaker for ${dependency} already exists: create one per dependency, once`);
    const breaker = new Breaker<A, R>(
      dependency,
      fn,
      { ...options },
      { beforeCall: this.shared.beforeCall, ...extra, registry: this.shared.registry, logger: this.shared.logger },
    );
    this.breakers.set(dependency, breaker as unknown as Breaker<never[], unknown>);
    return breaker;
  }

  states(): Record<string, BreakerState> {
    return Object.fromEntries([...this.breakers].map(([name, breaker]) => [name, breaker.state]));
  }

  shutdown(): void {
    for (const breaker of this.breakers.values()) breaker.shutdown();
  }
}

/** One breaker for one dependency (see `Breaker`); prefer a `BreakerRegistry` when a process has several. */
export function createBreaker<A extends unknown[], R>(
  dependency: string,
  fn: GuardedCall<A, R>,
  options: BreakerOptions,
  registry: MetricsRegistry,
  logger: Logger,
  extra: Omit<BreakerDependencies<A, R>, 'registry' | 'logger'> = {},
): Breaker<A, R> {
  return new Breaker(dependency, fn, { ...options }, { ...extra, registry, logger });
}
