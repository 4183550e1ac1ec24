import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { applyEvent } from '../lifecycle/lifecycle';
import type { EventToApply } from './message.repository';
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

  describe('group commit', () => {
    const T0 = Date.parse('2026-11-30T10:00:00.000Z');
    /** An `accepted` event for a new message; `fail` makes its reduce throw (a bug in one handler). */
    const accepted = (messageId = randomUUID(), fail = false, text = 'hi'): EventToApply => ({
      eventKey: randomUUID(),
      eventType: 'accepted',
      messageId,
      reduce: (current) => {
        if (fail) throw new TypeError('reduce failed');
        return applyEvent(
          current,
          {
            kind: 'accepted',
            messageId,
            user: 'alice',
            text,
            clientId: 'c',
            occurredAtMs: T0,
            traceId: 'c'.repeat(32),
          },
          T0,
        );
      },
    });
    let repository: SqliteMessageRepository;
    beforeEach(() => {
      repository = SqliteMessageRepository.open({ path: ':memory:', busyTimeoutMs: 100 });
    });
    afterEach(async () => {
      jest.restoreAllMocks();
      await repository.close();
    });
    /** Every statement the connection executes (BEGIN, SAVEPOINT, COMMIT…), recorded. */
    const statements = () => jest.spyOn(DatabaseSync.prototype, 'exec');

    it('applies the events handed over in one turn of the event loop in one transaction', async () => {
      const exec = statements();
      const events = [accepted(), accepted(), accepted()];
      const outcomes = await Promise.all(events.map((event) => repository.applyOnce(event)));
      expect(outcomes.map((o) => o.duplicate)).toEqual([false, false, false]);
      expect(exec.mock.calls.filter(([sql]) => sql === 'BEGIN IMMEDIATE')).toHaveLength(1);
      expect(exec.mock.calls.filter(([sql]) => sql === 'COMMIT')).toHaveLength(1);
      for (const event of events) expect((await repository.findById(event.messageId))?.status).toBe('accepted');
    });

    it('rolls back only the failing event: the others commit, and its key stays unrecorded for the retry', async () => {
      const [first, failing, last] = [accepted(), accepted(undefined, true), accepted()];
      const results = await Promise.allSettled([first, failing, last].map((event) => repository.applyOnce(event)));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);
      expect(await repository.findById(failing.messageId)).toBeUndefined();
      expect(await repository.eventsOf(failing.messageId)).toEqual([]);
      expect(await repository.findById(first.messageId)).toBeDefined();
      expect(await repository.findById(last.messageId)).toBeDefined();
    });

    it("fails the whole group with SQLite's own error when SQLite rolls the transaction back (disk full)", async () => {
      const file = join(dir, `full-${randomUUID()}.db`);
      const small = SqliteMessageRepository.open({ path: file, busyTimeoutMs: 100 });
      try {
        // A few pages of room left: the big text fills the file and SQLite rolls back everything.
        const raw = new DatabaseSync(file);
        const { page_count: pages } = raw.prepare('PRAGMA page_count').get() as { page_count: number };
        raw.close();
        // max_page_count is per connection: set on the store's own (private) one.
        (small as unknown as { connection(): DatabaseSync }).connection().exec(`PRAGMA max_page_count = ${pages + 6}`);
        const events = [accepted(), accepted(undefined, false, 'x'.repeat(200_000)), accepted()];
        const results = await Promise.allSettled(events.map((event) => small.applyOnce(event)));
        expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
        for (const result of results) expect((result as PromiseRejectedResult).reason).toMatchObject({ errcode: 13 }); // SQLITE_FULL
        for (const event of events) expect(await small.findById(event.messageId)).toBeUndefined();
        // The retry of what fits goes through.
        await expect(small.applyOnce(events[0]!)).resolves.toMatchObject({ duplicate: false });
      } finally {
        await small.close();
      }
    });

    it('refuses every event of the group when the commit fails, and keeps none of them', async () => {
      const original = DatabaseSync.prototype.exec;
      const exec = statements().mockImplementation(function (this: DatabaseSync, sql: string) {
        if (sql === 'COMMIT') throw new Error('disk I/O error');
        return original.call(this, sql);
      });
      const events = [accepted(), accepted()];
      const results = await Promise.allSettled(events.map((event) => repository.applyOnce(event)));
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      exec.mockRestore();
      for (const event of events) expect(await repository.findById(event.messageId)).toBeUndefined();
    });

    it('applies what was handed over before close, and refuses what comes after', async () => {
      const before = repository.applyOnce(accepted());
      await repository.close();
      await expect(before).resolves.toMatchObject({ duplicate: false });
      await expect(repository.applyOnce(accepted())).rejects.toThrow();
      repository = SqliteMessageRepository.open({ path: ':memory:', busyTimeoutMs: 100 });
    });
  });
});
