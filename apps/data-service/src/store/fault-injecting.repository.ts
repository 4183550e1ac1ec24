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

/** The chaos hook: waits (latency), throws (error) or never returns (hang) when a fault says so. */
export type BeforeDependency = (dependency: string) => Promise<void>;

/** The name chaos faults use for the store: `target: "dependency:store"`. */
export const STORE_DEPENDENCY = 'store';

/**
 * Puts the lab's `dependency:store` faults in front of every store call, so an experiment can make
 * the store slow or failing without touching the database. Pings and close stay direct: readiness
 * reports the real store.
 */
export class FaultInjectingRepository implements MessageRepository {
  constructor(
    private readonly inner: MessageRepository,
    private readonly before: BeforeDependency,
  ) {}

  get engine() {
    return this.inner.engine;
  }

  async applyOnce(event: EventToApply): Promise<ApplyOutcome> {
    await this.before(STORE_DEPENDENCY);
    return this.inner.applyOnce(event);
  }

  async findById(id: string): Promise<MessageRecord | undefined> {
    await this.before(STORE_DEPENDENCY);
    return this.inner.findById(id);
  }

  async listByUser(query: UserPageQuery): Promise<MessageRecord[]> {
    await this.before(STORE_DEPENDENCY);
    return this.inner.listByUser(query);
  }

  async listByUserAt(user: string, acceptedAtMs: number, clientId?: string): Promise<MessageRecord[]> {
    await this.before(STORE_DEPENDENCY);
    return this.inner.listByUserAt(user, acceptedAtMs, clientId);
  }

  async eventsOf(messageId: string): Promise<ProcessedEvent[]> {
    await this.before(STORE_DEPENDENCY);
    return this.inner.eventsOf(messageId);
  }

  async statusCounts(): Promise<StatusCounts> {
    await this.before(STORE_DEPENDENCY);
    return this.inner.statusCounts();
  }

  async ledger(sinceMs: number): Promise<LedgerCounts> {
    await this.before(STORE_DEPENDENCY);
    return this.inner.ledger(sinceMs);
  }

  ping(): Promise<boolean> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
