import type { DatabaseOptions } from './connection/database-options.js'
import { missingDatabase } from './connection/open-database.js'
import { InvalidOptionError } from './errors.js'
import { SessionHolder } from './connection/session-holder.js'
import { type LedgerEvent, readEvents } from './ledger/events.js'
import { type LedgerRow, readHistory } from './ledger/ledger.js'

export interface HistoryOptions extends DatabaseOptions {
  /** Only this skill. */
  readonly skill?: string | undefined
  /** At most this many rows. */
  readonly limit?: number | undefined
}

/**
 * Applied migrations, newest first. Read-only: never creates or writes the database.
 *
 * @throws {DatabaseError} when the database does not exist or cannot be read.
 */
export async function getHistory(options: HistoryOptions = {}): Promise<readonly LedgerRow[]> {
  if (options.limit !== undefined && (!Number.isSafeInteger(options.limit) || options.limit < 1)) {
    throw new InvalidOptionError(`limit must be a whole number ≥ 1, got ${options.limit}`)
  }
  const sessions = new SessionHolder(options)
  try {
    const session = await sessions.readable()
    if (!session) throw missingDatabase(options)
    return await readHistory(session.db, session.dialect, options).catch((error) => {
      throw session.dialect.describeError(error, session.label, 0) ?? error
    })
  } finally {
    await sessions.close()
  }
}

/**
 * The audit records of the ledger, newest first: baselines, accepted edits and resolved
 * migrations (who, when, old and new checksum). Read-only.
 *
 * @throws {DatabaseError} when the database does not exist or cannot be read.
 */
export async function getEvents(
  options: Omit<HistoryOptions, 'limit'> & { readonly limit?: number | undefined } = {},
): Promise<readonly LedgerEvent[]> {
  const sessions = new SessionHolder(options)
  try {
    const session = await sessions.readable()
    if (!session) throw missingDatabase(options)
    const events = await readEvents(session.db, session.dialect, { skill: options.skill }).catch((error) => {
      throw session.dialect.describeError(error, session.label, 0) ?? error
    })
    return options.limit === undefined ? events : events.slice(0, options.limit)
  } finally {
    await sessions.close()
  }
}
