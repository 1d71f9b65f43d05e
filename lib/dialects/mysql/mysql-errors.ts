import { scrubSecrets } from '../../connection/redact-url.js'
import { DatabaseError, type GloriousMigrateError } from '../../errors.js'
import type { ErrorFacts } from '../dialect.js'

interface MysqlDriverError {
  readonly code?: unknown
  readonly errno?: unknown
  readonly sqlState?: unknown
  readonly sqlMessage?: unknown
  readonly message?: unknown
}

/** The server's error number (`1050`, …), or undefined for an error that is not the server's. */
export function mysqlErrno(error: unknown): number | undefined {
  const errno = (error as MysqlDriverError | null)?.errno
  return typeof errno === 'number' ? errno : undefined
}

/** mysql2's error code (`ER_TABLE_EXISTS_ERROR`, `ECONNREFUSED`, …). */
export function mysqlCode(error: unknown): string | undefined {
  const code = (error as MysqlDriverError | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** The server's own message, without the driver's decoration. */
export function mysqlMessage(error: unknown): string {
  const e = error as MysqlDriverError | null
  if (typeof e?.sqlMessage === 'string') return e.sqlMessage
  return error instanceof Error ? error.message : String(error)
}

export function mysqlErrorFacts(error: unknown): ErrorFacts {
  const e = error as MysqlDriverError | null
  const errno = mysqlErrno(error)
  return {
    sqlState:
      typeof e?.sqlState === 'string' ? `${e.sqlState}${errno === undefined ? '' : `, error ${errno}`}` : undefined,
  }
}

/** "Unknown database": the URL's database does not exist. */
export const ER_BAD_DB_ERROR = 1049
/** "Table doesn't exist" (`SHOW CREATE TABLE` of an absent table). */
export const ER_NO_SUCH_TABLE = 1146
/** "Unknown column". */
export const ER_BAD_FIELD_ERROR = 1054

/** A query named a table or a column that does not exist. */
export function isUndefinedTableOrColumn(error: unknown): boolean {
  const errno = mysqlErrno(error)
  return errno === ER_NO_SUCH_TABLE || errno === ER_BAD_FIELD_ERROR
}

/** A lock wait timeout or a deadlock: the statement did nothing and may be tried again. */
export function mysqlRetryableReason(error: unknown): string | undefined {
  switch (mysqlErrno(error)) {
    case 1205:
      return 'lock wait timeout (1205: another transaction held a lock the statement needs)'
    case 1213:
      return 'deadlock (1213) with another transaction'
    default:
      return undefined
  }
}

const KNOWN: Readonly<Record<string, readonly [reason: string, hint: string]>> = {
  ECONNREFUSED: ['refuses connections', 'check that the server is running and the host and port in the URL'],
  ENOTFOUND: ['cannot be found (unknown host)', 'check the host name in the URL'],
  ETIMEDOUT: ['does not answer', 'check the host, the port and any firewall'],
  ECONNRESET: ['dropped the connection', 'check the server, then run again'],
  PROTOCOL_CONNECTION_LOST: ['closed the connection', 'check the server, then run again'],
  ER_ACCESS_DENIED_ERROR: ['refused the login', 'check the user and password in the URL'],
  // The same refusal when the URL gives no password.
  ER_ACCESS_DENIED_NO_PASSWORD_ERROR: ['refused the login', 'check the user and password in the URL'],
  ER_DBACCESS_DENIED_ERROR: ['refuses this user', 'grant the user access to the database'],
  ER_BAD_DB_ERROR: ['does not exist', 'create it, or check the database name in the URL'],
  ER_CON_COUNT_ERROR: ['has too many connections', 'close some connections, then run again'],
  ER_OPTION_PREVENTS_STATEMENT: ['is read-only here', 'connect to the primary server, or lift read_only'],
  ER_RECORD_FILE_FULL: ['cannot grow: a table is full', 'free some space and run again'],
  ER_DISK_FULL: ['cannot grow: the disk is full', 'free some space and run again'],
  ER_SERVER_SHUTDOWN: ['was shut down while in use', 'run again once the server is back'],
}

/**
 * Turns MySQL/MariaDB errors about the database or the connection (rather than about a
 * statement) into clear errors. The URL's password never appears in what it returns.
 */
export function describeMysqlError(
  error: unknown,
  database: string,
  _lockTimeoutMs: number,
  url?: string,
): GloriousMigrateError | undefined {
  const code = mysqlCode(error)
  const known = code === undefined ? undefined : KNOWN[code]
  if (known) return new DatabaseError(database, known[0], known[1], error)
  const message = error instanceof Error ? error.message : String(error)
  if (/connect ECONN|getaddrinfo|Connection lost|closed state/i.test(message)) {
    return new DatabaseError(
      database,
      `cannot be reached (${url === undefined ? message : scrubSecrets(message, url)})`,
      'check the URL and the server',
      error,
    )
  }
  return undefined
}
