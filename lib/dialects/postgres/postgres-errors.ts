import { PERCENT_ENCODE_HINT, scrubSecrets } from '../../connection/redact-url.js'
import { DatabaseError, type GloriousMigrateError } from '../../errors.js'
import type { ErrorFacts } from '../dialect.js'

/** The SQLSTATE of a PostgreSQL error (`42P01`, …), or the Node error code of a connection failure. */
export function postgresCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** PostgreSQL's own facts about a failed statement. */
export function postgresErrorFacts(error: unknown): ErrorFacts {
  const e = error as { position?: unknown; detail?: unknown; hint?: unknown; code?: unknown } | null
  const position = Number(e?.position)
  return {
    position: Number.isFinite(position) && position > 0 ? position : undefined,
    detail: typeof e?.detail === 'string' ? e.detail : undefined,
    hint: typeof e?.hint === 'string' ? e.hint : undefined,
    sqlState: typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined,
  }
}

/** Why a failed migration may be retried: it waited too long for a lock, or deadlocked. */
export function postgresRetryableReason(error: unknown): string | undefined {
  switch (postgresCode(error)) {
    case '55P03':
      return 'lock timeout (55P03: another transaction held a lock on a table it needs)'
    case '40P01':
      return 'deadlock (40P01) with another transaction'
    case '40001':
      return 'serialization failure (40001)'
    default:
      return undefined
  }
}

const CONNECTION_CODES: Readonly<Record<string, readonly [reason: string, hint: string]>> = {
  ECONNREFUSED: ['refuses connections', 'check that the server is running and the host and port in the URL'],
  ENOTFOUND: ['cannot be found (unknown host)', 'check the host name in the URL'],
  EAI_AGAIN: ['cannot be found (name lookup failed)', 'check the host name in the URL and the network'],
  ETIMEDOUT: ['does not answer', 'check the host, the port and any firewall'],
  ECONNRESET: ['dropped the connection', 'check the server, then run again'],
  '28P01': ['refused the password', 'check the user and password in the URL'],
  '28000': ['refused the login', 'check the user in the URL and the server’s pg_hba.conf'],
  '3D000': ['does not exist', 'create it, or check the database name in the URL'],
  '57P01': ['was shut down while in use', 'run again once the server is back'],
  '57P03': ['is starting up or shutting down', 'run again in a moment'],
  '53100': ['cannot grow: the disk is full', 'free some space and run again'],
  '53300': ['has too many connections', 'close some connections or raise max_connections, then run again'],
  '25006': ['is read-only here (a standby, or a read-only transaction)', 'connect to the primary server'],
  '42501': ['does not allow this role to do that', 'use a role with the needed privileges'],
  // The URL itself (pg parses it with `new URL` when it makes a client).
  ERR_INVALID_URL: ['is not a valid URL', PERCENT_ENCODE_HINT],
}

/**
 * Turns PostgreSQL errors about the database or the connection (rather than about a statement)
 * into clear errors. The URL's password never appears in what it returns.
 */
export function describePostgresError(
  error: unknown,
  database: string,
  _lockTimeoutMs: number,
  url?: string,
): GloriousMigrateError | undefined {
  const code = postgresCode(error)
  const known = code === undefined ? undefined : CONNECTION_CODES[code]
  const message = error instanceof Error ? error.message : String(error)
  if (known) return new DatabaseError(database, known[0], known[1], error)
  if (code?.startsWith('08')) {
    return new DatabaseError(
      database,
      `lost the connection (${clean(message, url)})`,
      'check the server, then run again',
      error,
    )
  }
  if (/server does not support SSL/i.test(message)) {
    return new DatabaseError(
      database,
      'does not accept SSL connections, and the URL asks for SSL (sslmode, ssl)',
      'enable SSL on the server, or connect without it (sslmode=disable)',
      error,
    )
  }
  if (/Connection terminated|connect ECONN|getaddrinfo/i.test(message)) {
    return new DatabaseError(
      database,
      `cannot be reached (${clean(message, url)})`,
      'check the URL and the server',
      error,
    )
  }
  return undefined
}

function clean(message: string, url: string | undefined): string {
  return url === undefined ? message : scrubSecrets(message, url)
}
