import { Pool, type PoolClient, type QueryResultRow } from 'pg';
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

export interface PostgresOptions {
  /** postgres://… Never logged: it may hold a password. */
  connectionString: string;
  poolSize: number;
  /** How long a query may wait for a connection or run before failing. */
  statementTimeoutMs: number;
  migrations?: readonly Migration[];
}

const UPSERT = `INSERT INTO messages (${MESSAGE_COLUMNS.join(', ')}) VALUES (${MESSAGE_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
  ON CONFLICT (id) DO UPDATE SET ${MESSAGE_COLUMNS.filter((c) => c !== 'id')
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ')}`;

/** `user_id = $1`, and `client_id = $n` when listing one client's messages; more parameters follow. */
function userFilter(user: string, clientId: string | undefined): { sql: string; params: unknown[] } {
  return clientId === undefined
    ? { sql: 'user_id = $1', params: [user] }
    : { sql: 'client_id = $1 AND user_id = $2', params: [clientId, user] };
}

/** Any fixed number: the key of the advisory lock that serializes migrations across instances. */
const MIGRATION_LOCK_KEY = 7_346_201;

/**
 * The shared store: PostgreSQL through a `pg` pool. Events for one message may be handled at once
 * by two partitions or two instances, so each transaction takes a per-message advisory lock before
 * it reads the row; a redelivered envelope waits on its `processed_events` key and then sees it.
 */
export class PostgresMessageRepository implements MessageRepository {
  readonly engine = 'postgres' as const;
  private closed = false;

  private constructor(private readonly pool: Pool) {}

  static async open(options: PostgresOptions): Promise<PostgresMessageRepository> {
    const pool = new Pool({
      connectionString: options.connectionString,
      max: options.poolSize,
      connectionTimeoutMillis: options.statementTimeoutMs,
      statement_timeout: options.statementTimeoutMs,
      idleTimeoutMillis: 30_000,
    });
    // An idle client's socket error would otherwise be an uncaught 'error' event and kill the process.
    pool.on('error', () => undefined);
    const repository = new PostgresMessageRepository(pool);
    try {
      await repository.migrate(options.migrations ?? MIGRATIONS);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return repository;
  }

  async appliedMigrations(): Promise<number[]> {
    const result = await this.pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    return result.rows.map((row) => Number(row.version));
  }

  private async migrate(migrations: readonly Migration[]): Promise<void> {
    assertOrdered(migrations);
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await client.query(CREATE_MIGRATIONS_TABLE);
    });
    for (const migration of migrations) {
      await this.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
        const applied = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
        if (applied.rowCount) return;
        await client.query(migrationSql(migration, 'postgres'));
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          Date.now(),
        ]);
      });
    }
  }

  async applyOnce(event: EventToApply): Promise<ApplyOutcome> {
    return this.transaction(async (client): Promise<ApplyOutcome> => {
      const inserted = await client.query(
        'INSERT INTO processed_events (envelope_id, event_type, message_id, processed_at) VALUES ($1, $2, $3, $4) ON CONFLICT (envelope_id) DO NOTHING',
        [event.eventKey, event.eventType, event.messageId, Date.now()],
      );
      if (inserted.rowCount === 0) {
        await client.query('UPDATE processed_events SET duplicates = duplicates + 1 WHERE envelope_id = $1', [
          event.eventKey,
        ]);
        return { duplicate: true };
      }
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [event.messageId]);
      const current = await client.query<MessageRow>('SELECT * FROM messages WHERE id = $1', [event.messageId]);
      const transition = event.reduce(current.rows[0] ? rowToRecord(current.rows[0]) : undefined);
      if (transition.changed) await client.query(UPSERT, recordToParams(transition.next));
      return { duplicate: false, transition };
    });
  }

  async findById(id: string): Promise<MessageRecord | undefined> {
    const rows = await this.query<MessageRow>('SELECT * FROM messages WHERE id = $1', [id]);
    return rows[0] ? rowToRecord(rows[0]) : undefined;
  }

  async listByUser(query: UserPageQuery): Promise<MessageRecord[]> {
    const where = userFilter(query.user, query.clientId);
    if (query.beforeMs !== undefined) {
      where.params.push(query.beforeMs);
      where.sql += ` AND accepted_at < $${where.params.length}`;
    }
    where.params.push(query.limit);
    const rows = await this.query<MessageRow>(
      `SELECT * FROM messages WHERE ${where.sql} ORDER BY accepted_at DESC, id DESC LIMIT $${where.params.length}`,
      where.params,
    );
    return rows.map(rowToRecord);
  }

  async listByUserAt(user: string, acceptedAtMs: number, clientId?: string): Promise<MessageRecord[]> {
    const where = userFilter(user, clientId);
    where.params.push(acceptedAtMs);
    const rows = await this.query<MessageRow>(
      `SELECT * FROM messages WHERE ${where.sql} AND accepted_at = $${where.params.length} ORDER BY id DESC`,
      where.params,
    );
    return rows.map(rowToRecord);
  }

  async eventsOf(messageId: string): Promise<ProcessedEvent[]> {
    const rows = await this.query(
      'SELECT envelope_id, event_type, processed_at, duplicates FROM processed_events WHERE message_id = $1 ORDER BY processed_at, envelope_id',
      [messageId],
    );
    return rows.map((row) => ({
      eventKey: String(row.envelope_id),
      eventType: String(row.event_type),
      processedAtMs: Number(row.processed_at),
      duplicates: Number(row.duplicates),
    }));
  }

  async statusCounts(): Promise<StatusCounts> {
    const counts = Object.fromEntries(MESSAGE_STATUSES.map((status) => [status, 0])) as StatusCounts;
    for (const row of await this.query('SELECT status, COUNT(*) AS n FROM messages GROUP BY status')) {
      const status = String(row.status) as keyof StatusCounts;
      if (status in counts) counts[status] = Number(row.n);
    }
    return counts;
  }

  async ledger(sinceMs: number): Promise<LedgerCounts> {
    const [counts] = await this.query(
      `SELECT COUNT(*) AS accepted,
              SUM(CASE WHEN status = 'replied' THEN 1 ELSE 0 END) AS replied,
              SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed,
              SUM(CASE WHEN status IN ('accepted', 'processing') THEN 1 ELSE 0 END) AS processing
         FROM messages WHERE accepted_at >= $1`,
      [sinceMs],
    );
    const [duplicates] = await this.query(
      'SELECT COALESCE(SUM(duplicates), 0) AS n FROM processed_events WHERE processed_at >= $1',
      [sinceMs],
    );
    const reasons = await this.query(
      "SELECT failure_reason, COUNT(*) AS n FROM messages WHERE accepted_at >= $1 AND status = 'failed' GROUP BY failure_reason",
      [sinceMs],
    );
    return {
      accepted: Number(counts?.accepted ?? 0),
      replied: Number(counts?.replied ?? 0),
      failed: Number(counts?.failed ?? 0),
      processing: Number(counts?.processing ?? 0),
      duplicatesSuppressed: Number(duplicates?.n ?? 0),
      failedByReason: Object.fromEntries(
        reasons.map((row) => [String(row.failure_reason ?? 'unknown'), Number(row.n)]),
      ),
    };
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async query<R extends QueryResultRow = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
  ): Promise<R[]> {
    if (this.closed) throw new StoreClosedError();
    return (await this.pool.query<R>(sql, params)).rows;
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreClosedError();
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        // The connection itself failed: do not hand it back to the pool.
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
