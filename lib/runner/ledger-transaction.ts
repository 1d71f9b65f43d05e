import type { Kysely } from 'kysely'
import { DEFAULT_STATEMENT_LOCK_TIMEOUT_MS } from '../connection/database-options.js'
import { withProcessLock } from '../connection/process-lock.js'
import type { DatabaseSession } from '../connection/session.js'
import { RESERVED_TABLES } from '../ledger/ledger.js'

/** What a ledger edit gets: the locked connection, and the switch for writing the toolkit's tables. */
export interface LedgerWriter {
  readonly conn: Kysely<any>
  /** Runs the toolkit's own writes (the guard on its tables lifted where there is one). */
  write<T>(fn: () => Promise<T>): Promise<T>
}

/**
 * Runs an edit of the ledger (rollback, baseline, accept) the way a migration run writes it:
 * queued behind other runs on the database in this process, on one pinned connection, under the
 * migration lock, in one transaction that commits or rolls back whole.
 *
 * @throws whatever `fn` throws, or the database's own errors described (lock timeout, …).
 */
export async function withLedgerTransaction<T>(
  session: DatabaseSession,
  lockTimeoutMs: number,
  fn: (writer: LedgerWriter) => Promise<T>,
): Promise<T> {
  const { dialect } = session
  const describe = (error: unknown): unknown => dialect.describeError(error, session.label, lockTimeoutMs) ?? error
  return withProcessLock(session.lockKey, () =>
    session.pinned(async (conn) => {
      const restore = await dialect.prepareConnection(conn, {
        lockTimeoutMs,
        statementLockTimeoutMs: DEFAULT_STATEMENT_LOCK_TIMEOUT_MS,
      })
      let release: (() => Promise<void>) | undefined
      try {
        try {
          if (dialect.capabilities.lockScope === 'session') release = await dialect.acquireLock(conn, lockTimeoutMs)
          await dialect.beginTransaction(conn, { locked: dialect.capabilities.lockScope === 'transaction' })
        } catch (error) {
          throw describe(error)
        }
        try {
          const guard = await dialect.guardReservedTables(conn, RESERVED_TABLES)
          const result = await fn({ conn, write: (write) => (guard ? guard.allowWrites(write) : write()) })
          await dialect.commit(conn)
          return result
        } catch (error) {
          await dialect.rollback(conn).catch(() => undefined)
          throw describe(error)
        }
      } finally {
        await release?.().catch(() => undefined)
        await restore().catch(() => undefined)
      }
    }),
  )
}
