import { DatabaseSync } from 'node:sqlite';
import { ChaosInjectedError } from '#libs/chaos';
import { StoreClosedError } from './message.repository';
import { isTransientStoreError } from './store-errors';

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

function sqliteError(sql: string, db = new DatabaseSync(':memory:')): unknown {
  try {
    db.exec(sql);
  } catch (error) {
    return error;
  }
  throw new Error(`${sql} did not fail`);
}

describe('isTransientStoreError', () => {
  it('waits out the store as a dependency: busy, I/O, lost connections, timeouts, shutdown, injected faults', () => {
    expect(
      isTransientStoreError(Object.assign(new Error('database is locked'), { code: 'ERR_SQLITE_ERROR', errcode: 5 })),
    ).toBe(true);
    expect(
      isTransientStoreError(
        Object.assign(new Error('disk I/O error'), { code: 'ERR_SQLITE_ERROR', errcode: 10 | (3 << 8) }),
      ),
    ).toBe(true);
    expect(isTransientStoreError(coded('57014', 'canceling statement due to statement timeout'))).toBe(true);
    expect(isTransientStoreError(coded('08006'))).toBe(true);
    expect(isTransientStoreError(coded('40P01'))).toBe(true);
    expect(isTransientStoreError(coded('ECONNREFUSED'))).toBe(true);
    expect(isTransientStoreError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientStoreError(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isTransientStoreError(new ChaosInjectedError('f1', 503, 'call to store'))).toBe(true);
    expect(isTransientStoreError(new StoreClosedError())).toBe(true);
  });

  it('does not retry a bug or what the engine refuses on every attempt (issue 10, case 1)', () => {
    let bug: unknown;
    try {
      (null as unknown as Buffer).toString('utf8');
    } catch (error) {
      bug = error;
    }
    expect(isTransientStoreError(bug)).toBe(false);
    expect(isTransientStoreError(new RangeError('Invalid time value'))).toBe(false);
    expect(isTransientStoreError(sqliteError('SELECT * FROM no_such_table'))).toBe(false);
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE t (id TEXT PRIMARY KEY)');
    db.exec("INSERT INTO t VALUES ('a')");
    expect(isTransientStoreError(sqliteError("INSERT INTO t VALUES ('a')", db))).toBe(false);
    expect(isTransientStoreError(coded('23505', 'duplicate key value'))).toBe(false);
    expect(isTransientStoreError(coded('42P01', 'relation does not exist'))).toBe(false);
    expect(isTransientStoreError(new Error('something unexpected'))).toBe(false);
    expect(isTransientStoreError('text')).toBe(false);
    expect(isTransientStoreError(null)).toBe(false);
  });
});
