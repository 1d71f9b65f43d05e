import { CommitFailedError, GloriousMigrateError } from '../../errors.js'
import { rememberChecksum } from '../../files/checksum-cache.js'
import type { AppliedMigration } from '../applied-migration.js'
import { applyInTransaction } from '../apply-migration.js'
import type { PreparedMigration } from '../prepared-migration.js'
import { writeSchemaFingerprints } from '../../drift/record-fingerprints.js'
import {
  type RunContext,
  TransactionLost,
  type TransactionScope,
  describeError,
  newTransactionScope,
} from '../run-context.js'
import type { Step } from '../run-state.js'
import { applyOutsideTransaction } from './outside-transaction.js'

/** How a migration shares a transaction: with its neighbours, alone, or not at all. */
type Grouping = 'shared' | 'alone' | 'outside'

function groupingOf(migration: PreparedMigration): Grouping {
  if (migration.analysis.transaction === 'outside') return 'outside'
  return migration.analysis.foreignKeysOff ? 'alone' : 'shared'
}

/**
 * The strategy for engines where a commit is expensive and DDL is transactional (SQLite):
 * consecutive migrations share one locked transaction, each inside its own savepoint together
 * with its ledger row, so the run pays one commit while each migration stays atomic on its own.
 *
 * - Taking the transaction takes the migration lock (`BEGIN IMMEDIATE`), and the ledger is read
 *   again under it, so concurrent migrators serialise and each migration runs exactly once.
 * - A migration that switches foreign keys off gets a transaction of its own, with foreign keys
 *   switched off before it begins.
 * - A migration outside any transaction runs alone, under the dialect's lock.
 * - A failed COMMIT rolls the transaction back, so the connection is never left inside one; none
 *   of its migrations counts as applied.
 */
export async function runTransactionalBatches(ctx: RunContext): Promise<void> {
  const { conn, dialect, state } = ctx
  let lastHead: string | undefined
  for (;;) {
    const head = state.next()
    if (!head) return
    const first = state.prepare(dialect, head)
    if (!first) continue
    const grouping = groupingOf(first)
    // Guard against spinning when the locked re-read keeps disagreeing with the optimistic one.
    const headKey = `${grouping}:${head.file.path}`
    if (headKey === lastHead) throw new Error(`internal: no progress on ${head.file.path}`)
    lastHead = headKey

    let foreignKeysWereOn = false
    let releaseLock: (() => Promise<void>) | undefined
    let inTransaction = false
    const steps: Step[] = []
    const applied: AppliedMigration[] = []
    const signatures: PreparedMigration['signature'][] = []
    try {
      if (grouping === 'alone') {
        foreignKeysWereOn = await dialect.foreignKeysEnabled(conn)
        if (foreignKeysWereOn) await dialect.setForeignKeys(conn, false)
      }
      if (grouping === 'outside') releaseLock = await dialect.acquireLock(conn, ctx.options.lockTimeoutMs)
      await dialect.beginTransaction(conn, { locked: true })
      inTransaction = true
      await state.replan(conn, dialect)
      const tx = newTransactionScope()
      let savepoints = 0
      for (;;) {
        const step = state.next()
        if (!step) break
        const migration = state.prepare(dialect, step)
        if (!migration) continue
        if (groupingOf(migration) !== grouping) break
        state.warn(step, migration.warnings)

        if (grouping === 'outside') {
          // Nothing was written in this transaction: it only re-read the ledger under the lock.
          await dialect.rollback(conn)
          inTransaction = false
          try {
            const done = await applyOutsideTransaction(ctx, migration)
            state.advance(step, done)
            state.commit([done])
            if (migration.signature) rememberChecksum(done.path, done.checksum, migration.signature)
          } catch (error) {
            state.fail(step, describeError(ctx, error))
          }
          break
        }

        try {
          const done = await applyInTransaction(ctx, tx, migration, `glorious_migration_${++savepoints}`)
          state.advance(step, done)
          steps.push(step)
          applied.push(done)
          signatures.push(migration.signature)
        } catch (error) {
          if (error instanceof TransactionLost) throw describeError(ctx, error.cause)
          state.fail(step, describeError(ctx, error))
        }
        if (grouping === 'alone') break
      }
      if (inTransaction) {
        // The run's last transaction also records the schema fingerprints: still one commit.
        const fingerprinted = steps.length > 0 && state.next() === undefined && (await fingerprintHere(ctx, tx))
        if (steps.length > 0) await commit(ctx, applied)
        else await dialect.rollback(conn)
        inTransaction = false
        if (fingerprinted) state.fingerprintsRecorded = true
      }
      state.commit(applied)
      applied.forEach((done, i) => {
        const signature = signatures[i]
        if (signature) rememberChecksum(done.path, done.checksum, signature)
      })
      if (steps.length > 0) lastHead = undefined
    } catch (error) {
      if (inTransaction) await dialect.rollback(conn).catch(() => undefined)
      // Migrations of an abandoned transaction did not happen: their skills go back to them.
      state.undo(steps)
      throw error
    } finally {
      if (foreignKeysWereOn) await dialect.setForeignKeys(conn, true).catch(() => undefined)
      if (releaseLock) await releaseLock().catch(() => undefined)
    }
  }
}

/**
 * Writes the schema fingerprints in the open transaction, inside a savepoint: best effort, a
 * failure leaves the transaction as it was (the run then records them after it commits).
 */
async function fingerprintHere(ctx: RunContext, tx: TransactionScope): Promise<boolean> {
  const { conn, dialect } = ctx
  try {
    await dialect.savepoint(conn, 'glorious_fingerprints')
  } catch {
    return false
  }
  try {
    await writeSchemaFingerprints(conn, dialect, (fn) => (tx.guard ? tx.guard.allowWrites(fn) : fn()))
    await dialect.releaseSavepoint(conn, 'glorious_fingerprints')
    return true
  } catch {
    await dialect.rollbackToSavepoint(conn, 'glorious_fingerprints').catch(() => undefined)
    await dialect.releaseSavepoint(conn, 'glorious_fingerprints').catch(() => undefined)
    return false
  }
}

/** Commits; a failed COMMIT (SQLITE_BUSY, a deferred constraint) is rolled back and reported. */
async function commit(ctx: RunContext, applied: readonly AppliedMigration[]): Promise<void> {
  try {
    await ctx.dialect.commit(ctx.conn)
  } catch (error) {
    await ctx.dialect.rollback(ctx.conn).catch(() => undefined)
    const described = describeError(ctx, error)
    throw new CommitFailedError(
      ctx.session.label,
      applied.map((migration) => `${migration.skill} ${migration.filename}`),
      described instanceof GloriousMigrateError && described.code !== 'unexpected'
        ? described.message
        : ctx.dialect.errorMessage(error),
      error,
    )
  }
}
