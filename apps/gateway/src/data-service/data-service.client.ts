import { z } from 'zod';
import { messageViewSchema, type MessageView } from '#libs/contracts';
import { DataServiceError } from '../errors';
import { parseDataServiceAnswer, type MessagePage, type MessageReader, type PageQuery } from './message-reader';

export const messagePageSchema = z
  .object({ items: z.array(messageViewSchema), nextBefore: z.string().nullable() })
  .strict();

export interface DataServiceClientOptions {
  /** data-service's base URL (`DATA_SERVICE_URL`). */
  baseUrl: string;
  /** Whole-call budget, connect to last body byte: past it the call is aborted, not just abandoned. */
  timeoutMs: number;
  fetchImpl?: typeof fetch;
  /**
   * Runs inside each call, under its timeout (fault injection on `dependency:data-service`): a
   * thrown error or a hang counts exactly like data-service failing or stalling. When a breaker
   * wraps this client and injects faults itself, leave this out.
   */
  beforeCall?: (dependency: string, signal: AbortSignal) => Promise<void>;
}

/**
 * An absolute path from segments, each percent-encoded (RFC 3986 §3.3), so that no value can add a
 * segment (`/`) or a query (`?`). `.` and `..` are refused outright: `encodeURIComponent` leaves
 * dots alone and WHATWG URL (so `fetch`) resolves dot segments, even as `%2E`, so the request
 * would go to another resource. (`%` itself is encoded, so `%2E` in a value is harmless.)
 */
export function dataServicePath(...segments: string[]): string {
  return segments
    .map((segment) => {
      if (segment === '' || segment === '.' || segment === '..')
        throw new DataServiceError('EREJECTED', `"${segment}" cannot be a path segment`);
      return `/${encodeURIComponent(segment)}`;
    })
    .join('');
}

/** The name data-service goes by in faults, breakers and metrics. */
const DATA_SERVICE_DEPENDENCY = 'data-service';

/**
 * data-service's read API over HTTP (ADR 0040). Every call has its own AbortSignal timeout and
 * every failure is a `DataServiceError` with a code, so a breaker can wrap the calls and tell them
 * from a plain "not found".
 */
export class DataServiceClient implements MessageReader {
  private readonly fetchImpl: typeof fetch;
  private readonly baseUrl: string;

  constructor(private readonly options: DataServiceClientOptions) {
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async getMessage(id: string, reader: { clientId: string }): Promise<MessageView | undefined> {
    const query = new URLSearchParams({ clientId: reader.clientId });
    const answer = await this.get(`${dataServicePath('v1', 'messages', id)}?${query}`);
    if (answer.status === 404) return undefined;
    return this.parse(messageViewSchema, answer);
  }

  async listUserMessages(user: string, page: PageQuery): Promise<MessagePage> {
    const query = new URLSearchParams({ limit: String(page.limit), clientId: page.clientId });
    if (page.before !== undefined) query.set('before', page.before);
    // data-service answers an empty page for a user it never saw; a 404 here means the URL reached
    // something else, which parse() reports as EBADRESPONSE rather than as "no messages".
    return this.parse(
      messagePageSchema,
      await this.get(`${dataServicePath('v1', 'users', user, 'messages')}?${query}`),
    );
  }

  private async get(path: string): Promise<{ status: number; body: unknown; text: string }> {
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      await this.options.beforeCall?.(DATA_SERVICE_DEPENDENCY, signal);
      signal.throwIfAborted();
      const response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        headers: { accept: 'application/json' },
        signal,
      });
      // The body is read under the same signal: a server that stalls mid-body times out too.
      const text = await response.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      return { status: response.status, body, text };
    } catch (error) {
      if (signal.aborted)
        throw new DataServiceError('ETIMEDOUT', `data-service did not answer within ${this.options.timeoutMs} ms`, {
          cause: error,
        });
      throw new DataServiceError('EUNAVAILABLE', 'data-service is unreachable', { cause: error });
    }
  }

  private parse<T>(schema: z.ZodType<T>, answer: { status: number; body: unknown; text: string }): T {
    if (answer.status === 400) {
      const detail = (answer.body as { detail?: unknown } | undefined)?.detail;
      throw new DataServiceError('EREJECTED', typeof detail === 'string' ? detail : 'data-service refused the query');
    }
    if (answer.status < 200 || answer.status >= 300) {
      throw new DataServiceError('EBADRESPONSE', `data-service answered ${answer.status}`);
    }
    return parseDataServiceAnswer(schema, answer.body);
  }
}
