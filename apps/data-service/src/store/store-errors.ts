/**
 * Which store failures are worth waiting out: the one place data-service decides it. Only failures of
 * the store as a dependency qualify (busy or locked, I/O, a lost connection, a timeout, a shutdown,
 * an injected `dependency:store` fault); anything else — a TypeError from our code, a constraint
 * violation, SQL the engine rejects — fails the same way on every attempt and must not hold a
 * partition: the caller dead-letters it at once.
 */

/** SQLite primary result codes that say "not now": BUSY, LOCKED, NOMEM, IOERR, FULL, CANTOPEN, PROTOCOL. */
const SQLITE_TRANSIENT = new Set([5, 6, 7, 10, 13, 14, 15]);

/**
 * PostgreSQL SQLSTATE classes and codes that say "not now" (PostgreSQL docs, Appendix A): 08
 * connection exception, 53 insufficient resources, 57 operator intervention (57014: statement
 * timeout), 58 system error; 40001 serialization failure, 40P01 deadlock, 55P03 lock not available.
 */
const PG_TRANSIENT_CLASSES = new Set(['08', '53', '57', '58']);
const PG_TRANSIENT_CODES = new Set(['40001', '40P01', '55P03']);

/** Socket-level failures Node reports in `code` (a database that is down or unreachable). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Our own and the lab's: an injected fault, a timeout or open breaker (libs/resilience), a closed store. */
const OUR_TRANSIENT_CODES = new Set(['ECHAOS', 'ETIMEDOUT', 'EOPENBREAKER', 'ESTORECLOSED']);

/** pg and pg-pool report a lost or unavailable connection with these messages and no code. */
const PG_CONNECTION_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/** True when `error` is a store failure another attempt may get past (see the file comment). */
export function isTransientStoreError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errcode, message } = error as { code?: unknown; errcode?: unknown; message?: unknown };
  if (code === 'ERR_SQLITE_ERROR') return typeof errcode === 'number' && SQLITE_TRANSIENT.has(errcode & 0xff);
  if (typeof code === 'string') {
    if (OUR_TRANSIENT_CODES.has(code) || NETWORK_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return PG_TRANSIENT_CODES.has(code) || PG_TRANSIENT_CLASSES.has(code.slice(0, 2));
  }
  return typeof message === 'string' && PG_CONNECTION_MESSAGE.test(message);
}
