import type { MessageStatus } from '#libs/contracts';
import type { MessageRecord, Transition } from '../lifecycle/lifecycle';

/** Injection token for the store chosen at boot. */
export const MESSAGE_REPOSITORY = Symbol('MESSAGE_REPOSITORY');

export type StoreEngine = 'sqlite' | 'postgres';

/** One event to apply at most once, keyed by its envelope id (or a dead letter's own key). */
export interface EventToApply {
  eventKey: string;
  eventType: string;
  messageId: string;
  /** Pure: the lifecycle step for the row as it is inside the transaction. */
  reduce(current: MessageRecord | undefined): Transition;
}

export type ApplyOutcome = { duplicate: true } | { duplicate: false; transition: Transition };

export interface UserPageQuery {
  user: string;
  limit: number;
  /** Only messages accepted strictly before this instant. */
  beforeMs?: number;
  /** Only messages this OAuth client created (absent: every client's). */
  clientId?: string;
}

export type StatusCounts = Record<MessageStatus, number>;

export interface LedgerCounts {
  /** Messages accepted at or after `since`, whatever their status now. */
  accepted: number;
  replied: number;
  failed: number;
  /** Not finished yet (status accepted or processing). */
  processing: number;
  /** Redeliveries of events first processed at or after `since`, suppressed. */
  duplicatesSuppressed: number;
  failedByReason: Record<string, number>;
}

export interface ProcessedEvent {
  eventKey: string;
  eventType: string;
  processedAtMs: number;
  duplicates: number;
}

/**
 * The store behind data-service: messages and the envelopes already applied to them. Two
 * implementations (SQLite, PostgreSQL) pass one contract spec.
 */
export interface MessageRepository {
  readonly engine: StoreEngine;
  /**
   * In one transaction: records the event key (a key seen before makes it a duplicate with no other
   * effect), reads the message, applies `reduce`, and writes the result. The transaction may be
   * shared with events applied at the same moment (SQLite's group commit), each under its own
   * savepoint; it resolves only once its transaction has committed.
   */
  applyOnce(event: EventToApply): Promise<ApplyOutcome>;
  findById(id: string): Promise<MessageRecord | undefined>;
  /** Newest first (acceptance time, then id), at most `limit`. */
  listByUser(query: UserPageQuery): Promise<MessageRecord[]>;
  /** Every message of a user (of one client, when given) accepted at exactly this instant (page boundaries that tie). */
  listByUserAt(user: string, acceptedAtMs: number, clientId?: string): Promise<MessageRecord[]>;
  eventsOf(messageId: string): Promise<ProcessedEvent[]>;
  statusCounts(): Promise<StatusCounts>;
  ledger(sinceMs: number): Promise<LedgerCounts>;
  /** Whether the store answers now. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** The store was closed (shutdown under way) or never opened. */
export class StoreClosedError extends Error {
  readonly code = 'ESTORECLOSED';
  constructor() {
    super('the message store is closed');
    this.name = 'StoreClosedError';
  }
}
