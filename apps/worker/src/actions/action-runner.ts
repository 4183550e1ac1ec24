import type { ActionRequested, ReplyProduced } from '#libs/contracts';
import type { CallOptions, ProviderClient } from '../provider/provider-client';
import { isProviderError, type ProviderError } from '../provider/provider-errors';
import { timeSentence, unknownZoneSentence, weatherRefusedSentence, weatherSentence } from './reply-text';

/**
 * Runs one action and says what to reply. `ProviderActionRunner` is the real one; the app wires it
 * inside `GuardedActionRunner` (breaker, bulkhead, retries, degraded fallbacks) under the same
 * interface, and the handler never knows which it has.
 */
export interface ActionRunner {
  /** The reply to `request`; `signal` aborts the provider calls it makes (a breaker giving up). */
  run(request: ActionRequested, options?: CallOptions): Promise<ReplyProduced>;
}

/** The Nest token the app provides its ActionRunner under. */
export const ACTION_RUNNER = Symbol('ACTION_RUNNER');

/** The provider calls the runner makes; the real ProviderClient, or a fake in tests. */
export type ProviderCalls = Pick<ProviderClient, 'weather' | 'time'>;

/**
 * Runs one action against the provider and says what to reply. A 4xx is the provider's answer
 * (an unknown zone): it becomes a `failed` reply. Timeouts and outages are thrown, so the Kafka
 * adapter retries the message and finally dead-letters it.
 */
export class ProviderActionRunner implements ActionRunner {
  constructor(private readonly provider: ProviderCalls) {}

  async run(request: ActionRequested, options: CallOptions = {}): Promise<ReplyProduced> {
    const { messageId, user, intent, action } = request;
    const replied = (text: string): ReplyProduced => ({
      messageId,
      user,
      intent,
      status: 'replied',
      text,
      degraded: false,
    });
    const failed = (text: string, error: ProviderError): ReplyProduced => ({
      messageId,
      user,
      intent,
      status: 'failed',
      text,
      degraded: false,
      reason: failureReason(error),
    });
    try {
      switch (action.kind) {
        case 'weather':
          return replied(weatherSentence(await this.provider.weather(action.city, options)));
        case 'time':
          return replied(timeSentence(action.zone, await this.provider.time(action.zone, options)));
      }
    } catch (error) {
      if (!isProviderError(error) || error.canRetry) throw error;
      return failed(
        action.kind === 'time' ? unknownZoneSentence(action.zone) : weatherRefusedSentence(action.city),
        error,
      );
    }
  }
}

/** `provider-rejected 404: unknown time zone "Mars"`: the code first, so it can be grouped. */
function failureReason(error: ProviderError): string {
  const status = error.status === undefined ? '' : ` ${error.status}`;
  return `${error.code}${status}: ${error.detail ?? error.message}`.slice(0, 500);
}
