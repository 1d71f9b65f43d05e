import { DEFAULT_LOCK_TIMEOUT_MS } from '../connection/database-options.js'
import type { DatabaseSession } from '../connection/session.js'
import { InvalidOptionError, LedgerChangedError } from '../errors.js'
import { type LedgerRow, deleteLedgerRows, readLedger } from '../ledger/ledger.js'
import { withLedgerTransaction } from './ledger-transaction.js'

export interface RollbackOptions {
  /** Keep versions up to and including this one; remove the rows above it (0 removes all). */
  readonly to?: number | undefined
  /** Remove the newest N rows. Default when neither is given: 1. */
  readonly steps?: number | undefined
  /**
   * The rows the caller showed and had confirmed (from `previewRollback`): the rollback removes
   * exactly these, and refuses with {@link LedgerChangedError} if the ledger changed since.
   */
  readonly expected?: readonly LedgerRow[] | undefined
}

export interface RollbackResult {
  readonly skill: string
  /** The ledger rows removed, newest first. */
  readonly removed: readonly LedgerRow[]
  /** Always present: what rollback does not do. */
  readonly warning: string
}

/** The guide's warning, shown with every rollback. */
export const ROLLBACK_WARNING =
  'Rollback only removes migration records; it does NOT undo SQL changes. ' +
  'To revert schema changes, write a new migration. The removed migrations will run again on the next load.'

/**
 * Removes a skill's ledger rows, under the migration lock. The schema and data are never
 * touched: the removed migrations become pending and run again on the next load.
 *
 * @throws {InvalidOptionError | LockTimeoutError | DatabaseError}
 */
/** The rows a rollback would remove (newest first), read without a lock, for confirmation. */
export function rowsToRemove(rows: readonly LedgerRow[], options: RollbackOptions): readonly LedgerRow[] {
  const keepUpTo = checkRollbackOptions(options)
  const newestFirst = [...rows].sort((a, b) => b.version - a.version)
  return keepUpTo !== undefined
    ? newestFirst.filter((row) => row.version > keepUpTo)
    : newestFirst.slice(0, options.steps ?? 1)
}

function checkRollbackOptions(options: RollbackOptions): number | undefined {
  if (options.to !== undefined && options.steps !== undefined) {
    throw new InvalidOptionError('rollback takes "to" or "steps", not both')
  }
  if (options.to !== undefined && (!Number.isSafeInteger(options.to) || options.to < 0)) {
    throw new InvalidOptionError(`rollback "to" must be a version ≥ 0, got ${options.to}`)
  }
  if (options.steps !== undefined && (!Number.isSafeInteger(options.steps) || options.steps < 1)) {
    throw new InvalidOptionError(`rollback "steps" must be a whole number ≥ 1, got ${options.steps}`)
  }
  return options.to
}

export async function rollbackSkill(
  session: DatabaseSession,
  skill: string,
  options: RollbackOptions,
  lockTimeoutMs = DEFAULT_LOCK_TIMEOUT_MS,
): Promise<RollbackResult> {
  checkRollbackOptions(options)
  return withLedgerTransaction(session, lockTimeoutMs, async ({ conn, write }) => {
    const removed = rowsToRemove(await readLedger(conn, session.dialect, [skill]), options)
    if (options.expected !== undefined && !sameRows(removed, options.expected)) {
      throw new LedgerChangedError(skill, options.expected, removed)
    }
    await write(() => deleteLedgerRows(conn, skill, removed))
    return Object.freeze({ skill, removed: Object.freeze(removed), warning: ROLLBACK_WARNING })
  })
}

/** The same ledger rows: versions, files, checksums and times all equal, in the same order. */
function sameRows(a: readonly LedgerRow[], b: readonly LedgerRow[]): boolean {
  return (
    a.length === b.length &&
    a.every((row, i) => {
      const other = b[i] as LedgerRow
      return (
        row.version === other.version &&
        row.filename === other.filename &&
        row.checksum === other.checksum &&
        row.appliedAt === other.appliedAt
      )
    })
  )
}
