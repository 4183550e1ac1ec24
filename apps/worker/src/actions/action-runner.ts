import type { ActionRequested, ReplyProduced } from '#libs/contracts';
import type { ProviderClient } from '../provider/provider-client';
import { isProviderError, type ProviderError } from '../provider/provider-errors';
import { timeSentence, unknownZoneSentence, weatherRefusedSentence, weatherSentence } from './reply-text';

/** The provider calls the runner makes; the real ProviderClient, or a fake in tests. */
export type ProviderCalls = Pick<ProviderClient, 'weather' | 'time'>;

/**
 * Runs one action against the provider and says what to reply. A 4xx is the provider's answer
 * (an unknown zone): it becomes a `failed` reply. Timeouts and outages are thrown, so the Kafka
 * adapter retries the message and finally dead-letters it.
 */
export class ActionRunner {
  constructor(private readonly provider: ProviderCalls) {}

  async run(request: ActionRequested): Promise<ReplyProduced> {
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
          return replied(weatherSentence(await this.provider.weather(action.city)));
        case 'time':
          return replied(timeSentence(action.zone, await this.provider.time(action.zone)));
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
