import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { MESSAGE_STATUSES } from '#libs/contracts';
import type { MessageRecord } from '../lifecycle/lifecycle';
import {
  type ApplyOutcome,
  type EventToApply,
  type LedgerCounts,
  type MessageRepository,
  type ProcessedEvent,
  type StatusCounts,
  StoreClosedError,
  type UserPageQuery,
} from './message.repository';
import { assertOrdered, CREATE_MIGRATIONS_TABLE, MIGRATIONS, type Migration, migrationSql } from './migrations';
import { MESSAGE_COLUMNS, type MessageRow, recordToParams, rowToRecord } from './rows';

/** An applyOnce call waiting for its group commit. */
interface PendingApply {
  readonly event: EventToApply;
  resolve(outcome: ApplyOutcome): void;
  reject(error: unknown): void;
}

export interface SqliteOptions {
  /** A file path, or `:memory:`. */
  path: string;
  /** How long a writer waits for another process's lock before failing. */
  busyTimeoutMs: number;
  migrations?: readonly Migration[];
}

const UPSERT = `INSERT INTO messages (${MESSAGE_COLUMNS.join(', ')}) VALUES (${MESSAGE_COLUMNS.map(() => '?').join(', ')})
  ON CONFLICT (id) DO UPDATE SET ${MESSAGE_COLUMNS.filter((c) => c !== 'id')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;

/** `user_id = ?`, and `client_id = ?` when listing one client's messages. */
function userFilter(user: string, clientId: string | undefined): { sql: string; params: SQLInputValue[] } {
  return clientId === undefined
    ? { sql: 'user_id = ?', params: [user] }
    : { sql: 'client_id = ? AND user_id = ?', params: [clientId, user] };
}

/**
 * The embedded store: node:sqlite, WAL, one connection per process. Its calls are synchronous, so a
 * transaction runs start to finish without another handler interleaving on the connection; other
 * processes sharing the file (scaled instances) wait on `BEGIN IMMEDIATE` for up to busy_timeout.
 * Events are applied in group commits (applyOnce): one transaction per turn of the event loop
 * instead of one per event, which writes each shared page (an index's, the table's) once per group.
 */
export class SqliteMessageRepository implements MessageRepository {
  readonly engine = 'sqlite' as const;
  private db: DatabaseSync | undefined;
  private readonly statements = new Map<string, StatementSync>();
  /** Events waiting for the next group commit (applyOnce), in the order they came. */
  private pendingApplies: PendingApply[] = [];

  private constructor(db: DatabaseSync) {
    this.db = db;
  }

  static open(options: SqliteOptions): SqliteMessageRepository {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the path is the operator's DATA_SQLITE_PATH (validated config), never a request's
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    const db = new DatabaseSync(options.path);
    try {
      db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs)}`);
      db.exec('PRAGMA journal_mode = WAL');
      // WAL makes NORMAL durable across process crashes; only a power loss may drop the last commits.
      db.exec('PRAGMA synchronous = NORMAL');
      const repository = new SqliteMessageRepository(db);
      repository.migrate(options.migrations ?? MIGRATIONS);
      return repository;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Versions applied, in order (for tests and the boot log). */
  appliedMigrations(): number[] {
    return this.all('SELECT version FROM schema_migrations ORDER BY version').map((row) => Number(row.version));
  }

  private migrate(migrations: readonly Migration[]): void {
    assertOrdered(migrations);
    this.connection().exec(CREATE_MIGRATIONS_TABLE);
    for (const migration of migrations) {
      this.transaction(() => {
        // Re-checked under the write lock: another instance may have applied it meanwhile.
        if (this.get('SELECT 1 AS applied FROM schema_migrations WHERE version = ?', migration.version)) return;
        this.connection().exec(migrationSql(migration, 'sqlite'));
        this.run(
          'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
          migration.version,
          migration.name,
          Date.now(),
        );
      });
    }
  }

  /**
   * Applies the event in a group commit: every applyOnce called in the same turn of the event loop
   * (the consumer's concurrent handlers) runs in one transaction, each under its own savepoint, so
   * one event's failure rolls back only its own changes. Resolves after the COMMIT, never before.
   * Throws what applying the event threw, or, for every event of the group, what BEGIN or COMMIT threw.
   */
  applyOnce(event: EventToApply): Promise<ApplyOutcome> {
    return new Promise<ApplyOutcome>((resolve, reject) => {
      this.pendingApplies.push({ event, resolve, reject });
      if (this.pendingApplies.length === 1) setImmediate(() => this.applyPending());
    });
  }

  /** The group commit: one transaction for every pending event, a savepoint for each. */
  private applyPending(): void {
    const group = this.pendingApplies;
    this.pendingApplies = [];
    if (group.length === 0) return;
    const results: ({ outcome: ApplyOutcome } | { error: unknown })[] = [];
    try {
      this.transaction(() => {
        const db = this.connection();
        for (const { event } of group) {
          db.exec('SAVEPOINT apply_event');
          try {
            const outcome = this.applyInTransaction(event);
            db.exec('RELEASE apply_event');
            results.push({ outcome });
          } catch (error) {
            // SQLITE_FULL, IOERR or NOMEM may roll the whole transaction back, savepoint and all:
            // nothing of the group is kept, and the group fails with that error (transient: retried).
            if (!db.isTransaction) throw error;
            db.exec('ROLLBACK TO apply_event');
            db.exec('RELEASE apply_event');
            results.push({ error });
          }
        }
      });
    } catch (error) {
      for (const { reject } of group) reject(error);
      return;
    }
    group.forEach(({ resolve, reject }, index) => {
      const result = results[index]!;
      if ('error' in result) reject(result.error);
      else resolve(result.outcome);
    });
  }

  private applyInTransaction(event: EventToApply): ApplyOutcome {
    const inserted = this.run(
      'INSERT INTO processed_events (envelope_id, event_type, message_id, processed_at) VALUES (?, ?, ?, ?) ON CONFLICT (envelope_id) DO NOTHING',
      event.eventKey,
      event.eventType,
      event.messageId,
      Date.now(),
    );
    if (Number(inserted.changes) === 0) {
      this.run('UPDATE processed_events SET duplicates = duplicates + 1 WHERE envelope_id = ?', event.eventKey);
      return { duplicate: true };
    }
    const row = this.get(`SELECT * FROM messages WHERE id = ?`, event.messageId) as MessageRow | undefined;
    const transition = event.reduce(row ? rowToRecord(row) : undefined);
    if (transition.changed) this.run(UPSERT, ...recordToParams(transition.next));
    return { duplicate: false, transition };
  }

  async findById(id: string): Promise<MessageRecord | undefined> {
    const row = this.get('SELECT * FROM messages WHERE id = ?', id) as MessageRow | undefined;
    return row ? rowToRecord(row) : undefined;
  }

  async listByUser(query: UserPageQuery): Promise<MessageRecord[]> {
    const where = userFilter(query.user, query.clientId);
    if (query.beforeMs !== undefined) {
      where.sql += ' AND accepted_at < ?';
      where.params.push(query.beforeMs);
    }
    return this.all(
      `SELECT * FROM messages WHERE ${where.sql} ORDER BY accepted_at DESC, id DESC LIMIT ?`,
      ...where.params,
      query.limit,
    ).map((row) => rowToRecord(row as MessageRow));
  }

  async listByUserAt(user: string, acceptedAtMs: number, clientId?: string): Promise<MessageRecord[]> {
    const where = userFilter(user, clientId);
    return this.all(
      `SELECT * FROM messages WHERE ${where.sql} AND accepted_at = ? ORDER BY id DESC`,
      ...where.params,
      acceptedAtMs,
    ).map((row) => rowToRecord(row as MessageRow));
  }

  async eventsOf(messageId: string): Promise<ProcessedEvent[]> {
    return this.all(
      'SELECT envelope_id, event_type, processed_at, duplicates FROM processed_events WHERE message_id = ? ORDER BY processed_at, envelope_id',
      messageId,
    ).map((row) => ({
      eventKey: String(row.envelope_id),
      eventType: String(row.event_type),
      processedAtMs: Number(row.processed_at),
      duplicates: Number(row.duplicates),
    }));
  }

  async statusCounts(): Promise<StatusCounts> {
    const counts = Object.fromEntries(MESSAGE_STATUSES.map((status) => [status, 0])) as StatusCounts;
    for (const row of this.all('SELECT status, COUNT(*) AS n FROM messages GROUP BY status')) {
      const status = String(row.status) as keyof StatusCounts;
      if (status in counts) counts[status] = Number(row.n);
    }
    return counts;
  }

  async ledger(sinceMs: number): Promise<LedgerCounts> {
    const counts = this.get(
      `SELECT COUNT(*) AS accepted,
              SUM(CASE WHEN status = 'replied' THEN 1 ELSE 0 END) AS replied,
              SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed,
              SUM(CASE WHEN status IN ('accepted', 'processing') THEN 1 ELSE 0 END) AS processing
         FROM messages WHERE accepted_at >= ?`,
      sinceMs,
    )!;
    const duplicates = this.get(
      'SELECT COALESCE(SUM(duplicates), 0) AS n FROM processed_events WHERE processed_at >= ?',
      sinceMs,
    )!;
    const reasons = this.all(
      "SELECT failure_reason, COUNT(*) AS n FROM messages WHERE accepted_at >= ? AND status = 'failed' GROUP BY failure_reason",
      sinceMs,
    );
    return {
      accepted: Number(counts.accepted ?? 0),
      replied: Number(counts.replied ?? 0),
      failed: Number(counts.failed ?? 0),
      processing: Number(counts.processing ?? 0),
      duplicatesSuppressed: Number(duplicates.n),
      failedByReason: Object.fromEntries(
        reasons.map((row) => [String(row.failure_reason ?? 'unknown'), Number(row.n)]),
      ),
    };
  }

  async ping(): Promise<boolean> {
    return this.db !== undefined && this.db.isOpen;
  }

  async close(): Promise<void> {
    // Events already handed over are applied (or refused) before the connection goes.
    this.applyPending();
    const db = this.db;
    this.db = undefined;
    this.statements.clear();
    db?.close();
  }

  private connection(): DatabaseSync {
    if (!this.db) throw new StoreClosedError();
    return this.db;
  }

  private statement(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.connection().prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private run(sql: string, ...params: SQLInputValue[]) {
    return this.statement(sql).run(...params);
  }

  private get(sql: string, ...params: SQLInputValue[]): Record<string, unknown> | undefined {
    return this.statement(sql).get(...params);
  }

  private all(sql: string, ...params: SQLInputValue[]): Record<string, unknown>[] {
    return this.statement(sql).all(...params);
  }

  private transaction<T>(work: () => T): T {
    const db = this.connection();
    // IMMEDIATE takes the write lock up front, so two processes never both read then both write.
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      db.exec('COMMIT');
      return result;
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }
}
