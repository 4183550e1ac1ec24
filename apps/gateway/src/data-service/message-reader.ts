import type { MessageView } from '#libs/contracts';

export interface MessagePage {
  items: MessageView[];
  /** Pass as `before` to get the next (older) page; null on the last page. */
  nextBefore: string | null;
}

export interface PageQuery {
  limit: number;
  /** ISO instant: only messages accepted strictly before it. */
  before?: string;
}

/**
 * The gateway's read path. `DataServiceClient` is the real one; a breaker-wrapped reader can be
 * provided under the same token without the controller noticing.
 */
export interface MessageReader {
  /** The message, or undefined when data-service does not know the id. */
  getMessage(id: string): Promise<MessageView | undefined>;
  listUserMessages(user: string, page: PageQuery): Promise<MessagePage>;
}

export const MESSAGE_READER = Symbol('MESSAGE_READER');
