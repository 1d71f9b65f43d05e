import type { ForeignKeyViolation } from '../dialects/dialect.js'
import { ForeignKeyViolationError, GloriousMigrateError, LedgerWriteError } from '../errors.js'
import { RESERVED_TABLES, ensureLedger, insertLedgerRow } from '../ledger/ledger.js'
import {
  type OwnershipChanges,
  declaredOwnershipChanges,
  diffSchemaObjects,
  hasOwnershipChanges,
  knownObjects,
} from '../ledger/ownership.js'
import { nameKeyOf, recordOwnership } from '../ledger/ownership-rows.js'
import { type AppliedMigration, appliedMigration, ledgerRow } from './applied-migration.js'
import { runStatements } from './execute-statements.js'
import type { PreparedMigration } from './prepared-migration.js'
import { checkReservedTables, reservedTablesChanged } from './reserved-tables-check.js'
import { type RunContext, type TransactionScope, TransactionLost } from './run-context.js'

/**
 * Runs one migration inside the open transaction — in a savepoint of its own when `savepoint`
 * is given (several migrations per transaction) — together with its ledger row and its
 * ownership changes, and proves before they are kept that it broke nothing the database would
 * only notice later:
 *
 * - a migration that switched foreign keys off leaves no new violation;
 * - no deferred foreign-key violation (SQLite reports those only at COMMIT, and forgets the ones
 *   made under `defer_foreign_keys` when it is switched off again) is new after it;
 * - the toolkit's own tables are untouched, by effect (a guard, or fingerprints), whatever name
 *   the migration used.
 *
 * On failure the savepoint is rolled back (nothing of the migration stays) and the error is
 * rethrown; if even that fails, {@link TransactionLost} is thrown. Without a savepoint the caller
 * rolls the transaction back.
 *
 * @param record write the ledger row (a legacy `schema.sql` has none)
 */
export async function applyInTransaction(
  ctx: Pick<RunContext, 'conn' | 'dialect'>,
  tx: TransactionScope,
  migration: PreparedMigration,
  savepoint: string | undefined,
  record = true,
): Promise<AppliedMigration> {
  const { conn, dialect } = ctx
  const nameKey = nameKeyOf(dialect)
  const { analysis } = migration
  const declared = analysis.objectChanges
  const before = declared === undefined ? await dialect.listSchemaObjects(conn) : undefined
  if (!tx.known && declared?.some((change) => change.kind === 'create' && change.ifNotExists)) {
    tx.known = knownObjects(await dialect.listSchemaObjects(conn), RESERVED_TABLES, nameKey)
  }
  // Undefined while the toolkit's tables do not exist yet, or on a connection it cannot guard.
  tx.guard ??= await dialect.guardReservedTables(conn, RESERVED_TABLES)
  if (savepoint) await dialect.savepoint(conn, savepoint)
  try {
    // Without a guard (a connection the toolkit does not own, or no ledger yet), the toolkit's
    // tables are checked by the locks the transaction took on them where the engine tells, else
    // compared before and after: definitions always, rows when unguarded.
    const lockCheck = !tx.guard && !analysis.editsSchemaDirectly ? dialect.oneMessage : undefined
    const identity = lockCheck ? await lockCheck.readReservedTables(conn, RESERVED_TABLES) : undefined
    const compareReserved = !lockCheck && (!tx.guard || analysis.editsSchemaDirectly)
    const known = tx.reservedKnown
    tx.reservedKnown = undefined // true at the transaction's start only
    const reservedBefore = compareReserved
      ? await dialect.reservedTablesFingerprint(conn, RESERVED_TABLES, { rows: tx.guard ? 'none' : 'changes', known })
      : undefined
    const foreignKeysBaseline = analysis.foreignKeysOff ? await dialect.foreignKeyViolations(conn) : undefined
    const deferred = await deferredCheck(ctx, tx, migration)

    const started = performance.now()
    await runStatements(conn, dialect, migration, { outsideTransaction: false })
    const durationMs = Math.round(performance.now() - started)

    if (foreignKeysBaseline) {
      const added = newViolations(foreignKeysBaseline, await dialect.foreignKeyViolations(conn))
      if (added.length > 0) throw violationError(migration, added, false)
    }
    if (deferred) await deferred.verify()
    if (lockCheck && identity) await checkReservedTables(conn, lockCheck, identity, migration)
    if (reservedBefore !== undefined) {
      const after = await dialect.reservedTablesFingerprint(conn, RESERVED_TABLES, {
        rows: tx.guard ? 'none' : 'changes',
      })
      if (after !== reservedBefore) {
        throw reservedTablesChanged(migration)
      }
    }

    const applied = appliedMigration(migration, durationMs)
    const changes = await ownershipChanges(ctx, tx, migration, before)
    const owns = changes !== undefined && hasOwnershipChanges(changes)
    const guarded = <T>(fn: () => Promise<T>): Promise<T> => (tx.guard ? tx.guard.allowWrites(fn) : fn())
    try {
      if (!tx.ledgerReady && (record || owns)) {
        // Once per transaction: creates the tables, or brings an older ledger up to date.
        await guarded(() => ensureLedger(conn, dialect))
        tx.ledgerReady = true
        tx.guard = (await dialect.guardReservedTables(conn, RESERVED_TABLES)) ?? tx.guard
      }
      await guarded(async () => {
        if (record) await insertLedgerRow(conn, ledgerRow(applied))
        if (owns) await recordOwnership(conn, { skill: migration.skill, version: migration.file.version, ...changes })
      })
    } catch (error) {
      if (error instanceof GloriousMigrateError) throw error
      throw new LedgerWriteError(
        migration.skill,
        migration.file.filename,
        migration.file.path,
        dialect.errorMessage(error),
        error,
      )
    }
    if (savepoint) await dialect.releaseSavepoint(conn, savepoint)
    return applied
  } catch (error) {
    if (savepoint) {
      try {
        await dialect.rollbackToSavepoint(conn, savepoint)
      } catch {
        throw new TransactionLost('transaction lost', { cause: error })
      }
      // What the scope learnt inside the savepoint is gone with it.
      tx.known = undefined
      tx.deferred = undefined
      tx.ledgerReady = false
      tx.guard = undefined
    }
    throw error
  }
}

/**
 * The deferred foreign-key check of one migration, when the database has deferred foreign keys
 * or the migration defers them: the violations of those tables before it (known from the
 * previous migration of the transaction, else read now) and a `verify` that fails the migration
 * when it added any.
 */
async function deferredCheck(
  ctx: Pick<RunContext, 'conn' | 'dialect'>,
  tx: TransactionScope,
  migration: PreparedMigration,
): Promise<{ verify(): Promise<void> } | undefined> {
  const { conn, dialect } = ctx
  tx.deferred ??= { tables: await dialect.deferredForeignKeyTables(conn), violations: undefined }
  const tables = migration.analysis.checkDeferredForeignKeys ? 'all' : tx.deferred.tables
  // A migration that declares deferred keys, or defers them, changes what must be watched.
  const declaresDeferred = /deferr/i.test(migration.statements.map((statement) => statement.sql).join('\n'))
  if (tables !== 'all' && tables.length === 0 && !declaresDeferred) return undefined
  const read = async (): Promise<readonly ForeignKeyViolation[]> =>
    tables === 'all' || declaresDeferred
      ? dialect.foreignKeyViolations(conn)
      : dialect.foreignKeyViolations(conn, tables)
  const baseline =
    tx.deferred.violations !== undefined && tables !== 'all' && !declaresDeferred
      ? tx.deferred.violations
      : await read()
  return {
    async verify() {
      const after = await read()
      const added = newViolations(baseline, after)
      if (added.length > 0) throw violationError(migration, added, false)
      if (declaresDeferred || tables === 'all')
        tx.deferred = undefined // read the tables again next time
      else if (tx.deferred) tx.deferred.violations = after
    },
  }
}

/** Which tables and views the migration created, dropped or renamed. */
async function ownershipChanges(
  ctx: Pick<RunContext, 'conn' | 'dialect'>,
  tx: TransactionScope,
  migration: PreparedMigration,
  before: Awaited<ReturnType<RunContext['dialect']['listSchemaObjects']>> | undefined,
): Promise<OwnershipChanges | undefined> {
  const nameKey = nameKeyOf(ctx.dialect)
  if (before) {
    // Statements that could not be read: compare listings (they see renames by identity).
    const after = await ctx.dialect.listSchemaObjects(ctx.conn)
    tx.known = knownObjects(after, RESERVED_TABLES, nameKey)
    return diffSchemaObjects(before, after, RESERVED_TABLES, nameKey)
  }
  const declared = migration.analysis.objectChanges
  if (!declared || declared.length === 0) return undefined
  const { changes, known } = declaredOwnershipChanges(declared, tx.known, RESERVED_TABLES, nameKey)
  tx.known = known
  return changes
}

export function violationKey(violation: ForeignKeyViolation): string {
  return `${violation.table}\u0000${violation.parent}\u0000${violation.key}`
}

/** Violations in `after` that were not in `before`, compared by content (a multiset: duplicates count). */
export function newViolations(
  before: readonly ForeignKeyViolation[],
  after: readonly ForeignKeyViolation[],
): readonly ForeignKeyViolation[] {
  const remaining = new Map<string, number>()
  for (const violation of before)
    remaining.set(violationKey(violation), (remaining.get(violationKey(violation)) ?? 0) + 1)
  const added: ForeignKeyViolation[] = []
  for (const violation of after) {
    const count = remaining.get(violationKey(violation)) ?? 0
    if (count > 0) remaining.set(violationKey(violation), count - 1)
    else added.push(violation)
  }
  return added
}

export function violationError(
  migration: PreparedMigration,
  violations: readonly ForeignKeyViolation[],
  partial: boolean,
): ForeignKeyViolationError {
  return new ForeignKeyViolationError(
    migration.skill,
    migration.file.filename,
    migration.file.path,
    violations,
    partial,
  )
}
