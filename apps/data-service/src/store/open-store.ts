import { join } from 'node:path';
import type { Logger } from '#libs/observability';
import type { MessageRepository } from './message.repository';
import { PostgresMessageRepository } from './postgres-message.repository';
import { SqliteMessageRepository } from './sqlite-message.repository';

export interface StoreSettings {
  dataDir: string;
  /** Empty for SQLite; a postgres:// URL for PostgreSQL. */
  databaseUrl: string;
  sqliteBusyTimeoutMs: number;
  pgPoolSize: number;
  pgStatementTimeoutMs: number;
}

/** Raised at boot for a DATABASE_URL that is not a PostgreSQL URL. Its message never repeats the URL. */
export class StoreConfigError extends Error {
  readonly code = 'ESTORECONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'StoreConfigError';
  }
}

/** Where the store is, for logs: host, port and database, never the credentials. */
function describeDatabaseUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `postgres ${url.hostname}:${url.port || '5432'}${url.pathname}`;
}

/** Opens the store the environment asks for and brings its schema up to date. */
export async function openStore(settings: StoreSettings, logger: Logger): Promise<MessageRepository> {
  if (settings.databaseUrl) {
    let valid = false;
    try {
      valid = ['postgres:', 'postgresql:'].includes(new URL(settings.databaseUrl).protocol);
    } catch {
      valid = false;
    }
    if (!valid)
      throw new StoreConfigError(
        'DATABASE_URL must be a postgres:// or postgresql:// URL (or unset for the embedded SQLite store)',
      );
    const repository = await PostgresMessageRepository.open({
      connectionString: settings.databaseUrl,
      poolSize: settings.pgPoolSize,
      statementTimeoutMs: settings.pgStatementTimeoutMs,
    });
    logger.info(
      { store: describeDatabaseUrl(settings.databaseUrl), migrations: await repository.appliedMigrations() },
      'message store open',
    );
    return repository;
  }
  const path = join(settings.dataDir, 'jeeves.db');
  const repository = SqliteMessageRepository.open({ path, busyTimeoutMs: settings.sqliteBusyTimeoutMs });
  logger.info({ store: `sqlite ${path}`, migrations: repository.appliedMigrations() }, 'message store open');
  return repository;
}
