import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SqliteMessageRepository } from './sqlite-message.repository';
import { describeRepositoryContract } from './testing/message-repository.contract';

const dir = mkdtempSync(join(tmpdir(), 'jeeves-sqlite-'));
const path = join(dir, 'jeeves.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeRepositoryContract('SQLite', {
  open: async () => SqliteMessageRepository.open({ path, busyTimeoutMs: 5000 }),
  appliedMigrations: async (repository) => (repository as SqliteMessageRepository).appliedMigrations(),
});

describe('SQLite store specifics', () => {
  it('opens the file in WAL mode', async () => {
    const repository = SqliteMessageRepository.open({ path, busyTimeoutMs: 5000 });
    await repository.close();
    const db = new DatabaseSync(path);
    try {
      expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    } finally {
      db.close();
    }
  });

  it('refuses migrations with gaps in their numbering', () => {
    const open = () =>
      SqliteMessageRepository.open({
        path: ':memory:',
        busyTimeoutMs: 100,
        migrations: [{ version: 2, name: 'skips one', sql: 'SELECT 1' }],
      });
    expect(open).toThrow(/expected 1/);
  });

  it('rolls a failing migration back whole, leaving it unrecorded', async () => {
    const file = join(dir, 'broken.db');
    const broken = () =>
      SqliteMessageRepository.open({
        path: file,
        busyTimeoutMs: 100,
        migrations: [{ version: 1, name: 'half good', sql: 'CREATE TABLE a (x INTEGER); CREATE TABLE nonsense (' }],
      });
    expect(broken).toThrow();
    const fixed = SqliteMessageRepository.open({
      path: file,
      busyTimeoutMs: 100,
      migrations: [{ version: 1, name: 'good', sql: 'CREATE TABLE a (x INTEGER)' }],
    });
    expect(fixed.appliedMigrations()).toEqual([1]);
    await fixed.close();
  });
});
