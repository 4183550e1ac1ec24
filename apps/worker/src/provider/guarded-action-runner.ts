import type { ActionRequested, ReplyProduced } from '#libs/contracts';
import type { Logger, MetricsRegistry } from '#libs/observability';
import {
  type Breaker,
  type BreakerOptions,
  Bulkhead,
  type BulkheadOptions,
  createBreaker,
  errorCode,
  type RetryOptions,
} from '#libs/resilience';
import type { ActionRunner } from '../actions/action-runner';
import { APOLOGIES, staleWeatherSentence } from '../actions/reply-text';

/** The provider as the breaker's dependency name: metrics, logs and `dependency:provider` faults. */
export const PROVIDER_DEPENDENCY = 'provider';

export interface GuardedRunnerOptions {
  breaker: BreakerOptions;
  bulkhead: BulkheadOptions;
  /** Retries of the provider's idempotent GETs, within a budget. */
  retry?: Omit<RetryOptions, 'signal' | 'onRetry'>;
  registry: MetricsRegistry;
  logger: Logger;
  /** Fault injection on `dependency:provider` (libs/chaos), run inside each call. */
  beforeCall?: (dependency: string, signal: AbortSignal) => Promise<void> | void;
  /** Weather answers remembered for the stale fallback. */
  lastKnownCapacity?: number;
  now?: () => number;
}

/** Answers remembered per city, oldest forgotten first. */
class LastKnownAnswers {
  private readonly answers = new Map<string, { text: string; atMs: number }>();
  constructor(private readonly capacity: number) {}

  remember(key: string, text: string, atMs: number): void {
    this.answers.delete(key);
    this.answers.set(key, { text, atMs });
    if (this.answers.size > this.capacity) this.answers.delete(this.answers.keys().next().value as string);
  }

  recall(key: string): { text: string; atMs: number } | undefined {
    return this.answers.get(key);
  }
}

function weatherKey(request: ActionRequested): string | undefined {
  return request.action.kind === 'weather' ? request.action.city.trim().toLowerCase() : undefined;
}

/**
 * An ActionRunner behind the provider's circuit breaker (with bulkhead and budgeted retries): a
 * decorator around the real runner, which gets the breaker's per-call signal, so a call the breaker
 * times out is aborted on the wire. When the provider fails, times out, or the breaker is open, the
 * user still gets an answer, marked `degraded`: the last known weather for that city flagged as
 * stale, or an apology. A time is never served stale: an old time is simply wrong. The provider's
 * own 4xx (unknown zone) is its answer, not an outage: the inner runner turns it into a failed
 * reply and the breaker counts a success.
 */
export class GuardedActionRunner implements ActionRunner {
  readonly breaker: Breaker<[ActionRequested], ReplyProduced>;
  readonly bulkhead: Bulkhead;
  private readonly lastKnown: LastKnownAnswers;
  private readonly now: () => number;

  constructor(inner: ActionRunner, options: GuardedRunnerOptions) {
    this.now = options.now ?? Date.now;
    this.lastKnown = new LastKnownAnswers(options.lastKnownCapacity ?? 1000);
    this.bulkhead = new Bulkhead(PROVIDER_DEPENDENCY, options.bulkhead, options.registry);
    this.breaker = createBreaker(
      PROVIDER_DEPENDENCY,
      (signal: AbortSignal, request: ActionRequested) => inner.run(request, { signal }),
      options.breaker,
      options.registry,
      options.logger,
      {
        bulkhead: this.bulkhead,
        retry: options.retry,
        beforeCall: options.beforeCall,
        fallback: (error, request) => this.fallback(error, request),
      },
    );
  }

  /** The reply through the breaker: the inner runner's, or a degraded one when the provider is out. */
  async run(request: ActionRequested): Promise<ReplyProduced> {
    const result = await this.breaker.fire(request);
    const key = weatherKey(request);
    if (!result.degraded && key && result.value.status === 'replied')
      this.lastKnown.remember(key, result.value.text, this.now());
    return result.value;
  }

  private fallback(error: unknown, request: ActionRequested): ReplyProduced {
    const { messageId, user, intent } = request;
    const code = errorCode(error);
    const key = weatherKey(request);
    const stale = key ? this.lastKnown.recall(key) : undefined;
    if (stale) {
      const minutes = Math.max(1, Math.round((this.now() - stale.atMs) / 60_000));
      return {
        messageId,
        user,
        intent,
        status: 'replied',
        text: staleWeatherSentence(stale.text, minutes),
        degraded: true,
        reason: `stale-answer: provider ${code}`,
      };
    }
    return {
      messageId,
      user,
      intent,
      status: 'failed',
      text: APOLOGIES[request.action.kind],
      degraded: true,
      reason: `provider-down: ${code}`,
    };
  }
}
