import type { z } from 'zod';
import type { MessageView } from '#libs/contracts';
import { DataServiceError } from '../errors';

export interface MessagePage {
  items: MessageView[];
  /** Pass as `before` to get the next (older) page; null on the last page. */
  nextBefore: string | null;
}

export interface PageQuery {
  /** The OAuth client reading: only the messages it created are listed. */
  clientId: string;
  limit: number;
  /** ISO instant: only messages accepted strictly before it. */
  before?: string;
}

/**
 * The gateway's read path. `DataServiceClient` is the real one; a breaker-wrapped reader can be
 * provided under the same token without the controller noticing. Every read is on behalf of one
 * OAuth client and sees only the messages that client created (OWASP API1:2023).
 */
export interface MessageReader {
  /** The message, or undefined when data-service does not know the id or another client created it. */
  getMessage(id: string, reader: { clientId: string }): Promise<MessageView | undefined>;
  listUserMessages(user: string, page: PageQuery): Promise<MessagePage>;
}

export const MESSAGE_READER = Symbol('MESSAGE_READER');

/**
 * data-service's answer (an HTTP body, or a request-reply value) checked against its contract
 * schema; throws DataServiceError EBADRESPONSE naming up to three problems when it breaks it.
 */
export function parseDataServiceAnswer<T>(schema: z.ZodType<T>, answer: unknown): T {
  const parsed = schema.safeParse(answer);
  if (parsed.success) return parsed.data;
  throw new DataServiceError(
    'EBADRESPONSE',
    `data-service's answer breaks the contract: ${parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.')}: ${i.message}`)
      .join('; ')}`,
  );
}
