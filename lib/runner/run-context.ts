import type { Kysely } from 'kysely'
import type { DatabaseSession } from '../connection/session.js'
import type {
  ForeignKeyViolation,
  MigrationDialect,
  ReservedTablesDefinitions,
  ReservedTablesGuard,
} from '../dialects/dialect.js'
import { GloriousMigrateError, UnexpectedError } from '../errors.js'
import type { KnownObjects } from '../ledger/ownership.js'
import type { RunOptions } from './run-options.js'
import type { RunState } from './run-state.js'

/** Everything a strategy needs: the run's pinned connection, its dialect, its state and options. */
export interface RunContext {
  readonly session: DatabaseSession
  /** The one connection of the run (see `DatabaseSession.pinned`). */
  readonly conn: Kysely<any>
  readonly dialect: MigrationDialect
  readonly state: RunState
  readonly options: RunOptions
}

/** An error about the database itself (lock timeout, disk full, …) described clearly, or as unexpected. */
export function describeError(
  ctx: Pick<RunContext, 'dialect' | 'session' | 'options'>,
  error: unknown,
): GloriousMigrateError {
  if (error instanceof GloriousMigrateError) return error
  return ctx.dialect.describeError(error, ctx.session.label, ctx.options.lockTimeoutMs) ?? UnexpectedError.from(error)
}

/** What one open transaction knows, so each migration in it does not ask the database again. */
export interface TransactionScope {
  /** The ledger tables exist in this transaction. */
  ledgerReady: boolean
  /** The guard on the toolkit's tables, once installed in this transaction. */
  guard: ReservedTablesGuard | undefined
  /** Tables and views, read once when first needed. */
  known: KnownObjects | undefined
  /** Child tables with deferred foreign keys (read once), and their violations after the last migration. */
  deferred:
    { readonly tables: readonly string[] | 'all'; violations: readonly ForeignKeyViolation[] | undefined } | undefined
  /**
   * What the toolkit's tables are known to be at the transaction's start (see
   * `reservedTablesFingerprint`'s `known`), so the first migration's guard need not read them.
   */
  reservedKnown: { readonly definitions: ReservedTablesDefinitions; readonly rows: string } | undefined
}

export function newTransactionScope(): TransactionScope {
  return { ledgerReady: false, guard: undefined, known: undefined, deferred: undefined, reservedKnown: undefined }
}

/** The database abandoned the whole transaction (I/O error, disk full): nothing of it survives. */
export class TransactionLost extends Error {}
