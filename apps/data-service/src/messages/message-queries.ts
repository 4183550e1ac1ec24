import type { MessageView } from '#libs/contracts';
import { ProblemError } from '#libs/platform';
import { toMessageView } from '../lifecycle/lifecycle';
import type { LedgerCounts, MessageRepository, StatusCounts } from '../store/message.repository';

export interface MessagePage {
  items: MessageView[];
  /** Pass as `before` for the next (older) page; null when this page is the last. */
  nextBefore: string | null;
}

export interface EventHistory {
  items: { envelopeId: string; type: string; processedAt: string; duplicates: number }[];
}

export type Ledger = LedgerCounts & { since: string };

/**
 * The read side. Store failures become 503s that say so (the gateway's breaker counts them), never
 * a bare 500.
 */
export class MessageQueries {
  constructor(private readonly repository: MessageRepository) {}

  /**
   * One message; with `clientId`, only one that client created: another client's message (or one
   * whose creator is not known yet) answers the same 404 as a missing one, so ids reveal nothing.
   */
  async message(id: string, clientId?: string): Promise<MessageView> {
    const record = await this.store(() => this.repository.findById(id));
    if (!record || (clientId !== undefined && record.clientId !== clientId))
      throw new ProblemError(404, 'not-found', { detail: `no message ${id}` });
    return toMessageView(record);
  }

  async events(id: string): Promise<EventHistory> {
    const events = await this.store(() => this.repository.eventsOf(id));
    if (events.length === 0) throw new ProblemError(404, 'not-found', { detail: `no message ${id}` });
    return {
      items: events.map((event) => ({
        envelopeId: event.eventKey,
        type: event.eventType,
        processedAt: new Date(event.processedAtMs).toISOString(),
        duplicates: event.duplicates,
      })),
    };
  }

  /**
   * Newest first. The cursor is an acceptance time, so a page never ends between two messages of
   * the same instant: those move whole to the next page (or, when a whole page ties, all come now).
   * With `clientId`, only the messages that client created.
   */
  async userMessages(user: string, limit: number, beforeMs?: number, clientId?: string): Promise<MessagePage> {
    const rows = await this.store(() => this.repository.listByUser({ user, limit: limit + 1, beforeMs, clientId }));
    if (rows.length <= limit) return { items: rows.map(toMessageView), nextBefore: null };
    let page = rows.slice(0, limit);
    const boundary = page[page.length - 1]!.acceptedAtMs;
    if (rows[limit]!.acceptedAtMs === boundary) {
      const untied = page.filter((record) => record.acceptedAtMs !== boundary);
      page =
        untied.length > 0 ? untied : await this.store(() => this.repository.listByUserAt(user, boundary, clientId));
    }
    return { items: page.map(toMessageView), nextBefore: new Date(page[page.length - 1]!.acceptedAtMs).toISOString() };
  }

  async stats(): Promise<StatusCounts> {
    return this.store(() => this.repository.statusCounts());
  }

  async ledger(sinceMs: number): Promise<Ledger> {
    const counts = await this.store(() => this.repository.ledger(sinceMs));
    return { since: new Date(sinceMs).toISOString(), ...counts };
  }

  private async store<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof ProblemError) throw error;
      throw new ProblemError(503, 'dependency-unavailable', {
        detail: 'the message store is unavailable',
        retryAfterSeconds: 1,
        cause: error,
      });
    }
  }
}
