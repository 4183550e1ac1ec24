/**
 * Numbered schema migrations, applied in order at boot, each in its own transaction with its row in
 * `schema_migrations`. The SQL is written to mean the same on SQLite and PostgreSQL: times are epoch
 * milliseconds in BIGINT, flags are SMALLINT 0/1 (node:sqlite binds no booleans), no engine types.
 * A migration that must differ per engine gets `sqlite`/`postgres` variants.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string | { sqlite: string; postgres: string };
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'messages and processed events',
    sql: `
      CREATE TABLE messages (
        id VARCHAR(64) PRIMARY KEY,
        user_id VARCHAR(64) NOT NULL,
        text TEXT NOT NULL,
        status VARCHAR(16) NOT NULL,
        intent VARCHAR(16),
        reply TEXT,
        degraded SMALLINT NOT NULL DEFAULT 0,
        failure_reason TEXT,
        trace_id VARCHAR(32),
        accepted_at BIGINT NOT NULL,
        accepted_seen SMALLINT NOT NULL DEFAULT 0,
        updated_at BIGINT NOT NULL,
        completed_at BIGINT
      );
      CREATE INDEX messages_user_accepted ON messages (user_id, accepted_at, id);
      CREATE INDEX messages_accepted_at ON messages (accepted_at);
      CREATE INDEX messages_status ON messages (status);
      CREATE TABLE processed_events (
        envelope_id VARCHAR(300) PRIMARY KEY,
        event_type VARCHAR(64) NOT NULL,
        message_id VARCHAR(64),
        processed_at BIGINT NOT NULL,
        duplicates INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX processed_events_message ON processed_events (message_id);
      CREATE INDEX processed_events_processed_at ON processed_events (processed_at);
    `,
  },
  {
    version: 2,
    name: 'the client that created each message',
    // NULL until message.accepted (which names the client) arrives, and for rows written before.
    sql: `
      ALTER TABLE messages ADD COLUMN client_id VARCHAR(128);
      CREATE INDEX messages_client_user_accepted ON messages (client_id, user_id, accepted_at, id);
    `,
  },
];

export const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    applied_at BIGINT NOT NULL
  )`;

export function migrationSql(migration: Migration, engine: 'sqlite' | 'postgres'): string {
  return typeof migration.sql === 'string' ? migration.sql : migration.sql[engine];
}

/** Refuses a migration list with gaps or repeats: the order is the contract. */
export function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migration ${migration.name} has version ${migration.version}; expected ${index + 1} (versions run 1, 2, 3… without gaps)`,
      );
    }
  });
}
