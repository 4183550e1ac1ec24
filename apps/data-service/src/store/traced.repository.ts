import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { MessageRecord } from '../lifecycle/lifecycle';
import type {
  ApplyOutcome,
  EventToApply,
  LedgerCounts,
  MessageRepository,
  ProcessedEvent,
  StatusCounts,
  UserPageQuery,
} from './message.repository';

const tracer = trace.getTracer('jeeves-data-service-store');

/**
 * A span per store call, named by the database semantic conventions (`<operation> messages`).
 * node:sqlite has no OpenTelemetry instrumentation, so without this the embedded store would be
 * invisible in traces; with PostgreSQL the pg instrumentation's query spans nest under these.
 * With tracing off the tracer is a no-op.
 */
export class TracedRepository implements MessageRepository {
  private readonly system: string;

  constructor(private readonly inner: MessageRepository) {
    this.system = inner.engine === 'postgres' ? 'postgresql' : 'sqlite';
  }

  get engine() {
    return this.inner.engine;
  }

  private traced<T>(operation: string, run: () => Promise<T>, attributes: Record<string, string> = {}): Promise<T> {
    return tracer.startActiveSpan(
      `${operation} messages`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': this.system,
          'db.operation.name': operation,
          'db.collection.name': 'messages',
          ...attributes,
        },
      },
      async (span) => {
        try {
          return await run();
        } catch (error) {
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  applyOnce(event: EventToApply): Promise<ApplyOutcome> {
    return this.traced('apply', () => this.inner.applyOnce(event), { 'jeeves.event.type': event.eventType });
  }

  findById(id: string): Promise<MessageRecord | undefined> {
    return this.traced('select', () => this.inner.findById(id));
  }

  listByUser(query: UserPageQuery): Promise<MessageRecord[]> {
    return this.traced('select', () => this.inner.listByUser(query));
  }

  listByUserAt(user: string, acceptedAtMs: number, clientId?: string): Promise<MessageRecord[]> {
    return this.traced('select', () => this.inner.listByUserAt(user, acceptedAtMs, clientId));
  }

  eventsOf(messageId: string): Promise<ProcessedEvent[]> {
    return this.traced('select', () => this.inner.eventsOf(messageId));
  }

  statusCounts(): Promise<StatusCounts> {
    return this.traced('count', () => this.inner.statusCounts());
  }

  ledger(sinceMs: number): Promise<LedgerCounts> {
    return this.traced('count', () => this.inner.ledger(sinceMs));
  }

  ping(): Promise<boolean> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
