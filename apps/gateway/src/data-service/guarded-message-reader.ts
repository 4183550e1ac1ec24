import type { MessageView } from '#libs/contracts';
import type { Logger, MetricsRegistry } from '#libs/observability';
import {
  type Breaker,
  type BreakerOptions,
  createBreaker,
  isBreakerOpen,
  isBulkheadRejected,
  isTimeout,
} from '#libs/resilience';
import { DataServiceError } from '../errors';
import type { MessagePage, MessageReader, PageQuery } from './message-reader';

export interface GuardedReaderOptions {
  breaker: BreakerOptions;
  registry: MetricsRegistry;
  logger: Logger;
}

type Read = () => Promise<unknown>;

/**
 * The gateway's read path behind the data-service breaker: once data-service keeps failing, reads
 * fail at once (503 + Retry-After, through `dependencyProblem`) instead of each waiting out its
 * timeout. The client aborts its own calls at `DATA_SERVICE_TIMEOUT_MS`; the breaker's timeout is
 * set above it as a backstop. A 400 from data-service (the caller's query) passes through without
 * counting against it; a 404 is an answer (undefined), not an error.
 */
export class GuardedMessageReader implements MessageReader {
  readonly breaker: Breaker<[Read], unknown>;

  constructor(
    private readonly inner: MessageReader,
    options: GuardedReaderOptions,
  ) {
    this.breaker = createBreaker(
      'data-service',
      (_signal, read: Read) => read(),
      options.breaker,
      options.registry,
      options.logger,
      {
        isCallerError: (error) => error instanceof DataServiceError && error.code === 'EREJECTED',
      },
    );
  }

  getMessage(id: string, reader: { clientId: string }): Promise<MessageView | undefined> {
    return this.read(() => this.inner.getMessage(id, reader));
  }

  listUserMessages(user: string, page: PageQuery): Promise<MessagePage> {
    return this.read(() => this.inner.listUserMessages(user, page));
  }

  private async read<T>(read: () => Promise<T>): Promise<T> {
    try {
      return (await this.breaker.fire(read)).value as T;
    } catch (error) {
      throw asDataServiceError(error);
    }
  }
}

/** The breaker's own refusals in the gateway's error vocabulary, so they map to 503 + Retry-After. */
export function asDataServiceError(error: unknown): unknown {
  if (error instanceof DataServiceError) return error;
  if (isBreakerOpen(error))
    return new DataServiceError('EUNAVAILABLE', 'data-service is failing: its breaker is open, failing fast', {
      cause: error,
    });
  if (isTimeout(error))
    return new DataServiceError('ETIMEDOUT', 'data-service did not answer in time', { cause: error });
  if (isBulkheadRejected(error))
    return new DataServiceError('EUNAVAILABLE', 'too many reads in flight to data-service', { cause: error });
  return error;
}
