import {
  type MessageView,
  messageReadReplySchema,
  READ_TOPICS,
  type ReadTopicName,
  userMessagesReadReplySchema,
  userSchema,
} from '#libs/contracts';
import { RequestReplyError } from '#libs/kafka';
import { DataServiceError } from '../errors';
import { parseDataServiceAnswer, type MessagePage, type MessageReader, type PageQuery } from './message-reader';

/** The one call KafkaMessageReader needs of a request-reply client (RequestReplyClient in the app). */
export interface RequestSender {
  /** The reply's decoded value; rejects with a RequestReplyError (ETIMEDOUT within `timeoutMs`). */
  request(topic: ReadTopicName, data: object, timeoutMs: number): Promise<unknown>;
}

export interface KafkaMessageReaderOptions {
  /** Every call's deadline, in ms (`DATA_SERVICE_TIMEOUT_MS`, the same as over HTTP). */
  timeoutMs: number;
  /**
   * Runs before each call, under its deadline (fault injection on `dependency:data-service`), as
   * DataServiceClient's hook does: a thrown error counts as EUNAVAILABLE, a hang as ETIMEDOUT.
   */
  beforeCall?: (dependency: string, signal: AbortSignal) => Promise<void>;
}

/**
 * data-service's reads over Kafka request-reply (`GATEWAY_READS=kafka`, ADR 0042): the same
 * MessageReader as DataServiceClient, the same DataServiceError codes for the same failures, so the
 * breaker, the 503 + Retry-After mapping and the controller do not know which path served a read.
 */
export class KafkaMessageReader implements MessageReader {
  constructor(
    private readonly sender: RequestSender,
    private readonly options: KafkaMessageReaderOptions,
  ) {}

  async getMessage(id: string, reader: { clientId: string }): Promise<MessageView | undefined> {
    const reply = parseDataServiceAnswer(
      messageReadReplySchema,
      await this.call(READ_TOPICS.message, { id, clientId: reader.clientId }),
    );
    switch (reply.outcome) {
      case 'found':
        return reply.message;
      case 'not-found':
        return undefined;
      default:
        throw failure(reply);
    }
  }

  async listUserMessages(user: string, page: PageQuery): Promise<MessagePage> {
    // The same refusal DataServiceClient gives before any call: not a user name data-service can hold.
    if (!userSchema.safeParse(user).success) throw new DataServiceError('EREJECTED', `"${user}" is not a user name`);
    const query = {
      user,
      clientId: page.clientId,
      limit: page.limit,
      ...(page.before === undefined ? {} : { before: page.before }),
    };
    const reply = parseDataServiceAnswer(userMessagesReadReplySchema, await this.call(READ_TOPICS.userMessages, query));
    if (reply.outcome === 'page') return reply.page;
    throw failure(reply);
  }

  private async call(topic: ReadTopicName, data: object): Promise<unknown> {
    const { timeoutMs, beforeCall } = this.options;
    const started = performance.now();
    try {
      if (beforeCall) {
        const signal = AbortSignal.timeout(timeoutMs);
        try {
          await beforeCall('data-service', signal);
        } catch (error) {
          if (signal.aborted) throw new RequestReplyError('ETIMEDOUT', topic, `no reply within ${timeoutMs} ms`);
          throw new DataServiceError('EUNAVAILABLE', 'data-service is unreachable', { cause: error });
        }
      }
      // What the hook used of the deadline is not given again.
      const left = Math.max(1, timeoutMs - (performance.now() - started));
      return await this.sender.request(topic, data, left);
    } catch (error) {
      throw asDataServiceError(error, timeoutMs);
    }
  }
}

function failure(reply: { outcome: 'rejected' | 'unavailable'; detail: string }): DataServiceError {
  return reply.outcome === 'rejected'
    ? new DataServiceError('EREJECTED', reply.detail)
    : new DataServiceError('EBADRESPONSE', `data-service could not read: ${reply.detail}`);
}

/** Request-reply failures in the read path's vocabulary, as DataServiceClient reports HTTP ones. */
function asDataServiceError(error: unknown, timeoutMs: number): unknown {
  if (!(error instanceof RequestReplyError)) return error;
  switch (error.code) {
    case 'ETIMEDOUT':
      return new DataServiceError('ETIMEDOUT', `data-service did not reply within ${timeoutMs} ms`, { cause: error });
    case 'ENOREPLYPARTITION':
    case 'ESEND':
      return new DataServiceError('EUNAVAILABLE', 'the read could not be sent to data-service', { cause: error });
    case 'EREMOTE':
      return new DataServiceError('EBADRESPONSE', 'data-service failed the read', { cause: error });
  }
}
