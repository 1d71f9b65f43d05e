import type { Kysely } from 'kysely'
import { withProcessLock } from '../connection/process-lock.js'
import type { SessionSource } from '../connection/session-holder.js'
import type { DatabaseSession } from '../connection/session.js'
import type { DialectCapabilities } from '../dialects/dialect.js'
import { GloriousMigrateError, UnexpectedError } from '../errors.js'
import { saveCaches } from '../files/save-caches.js'
import { recordSchemaFingerprints } from '../drift/record-fingerprints.js'
import { type RunContext, describeError } from './run-context.js'
import type { RunOptions } from './run-options.js'
import { type RunReport, RunState, type RunTarget } from './run-state.js'
import { runPerMigrationTransactions } from './strategies/per-migration-transaction.js'
import { runStatementProgress } from './strategies/statement-progress.js'
import { runTransactionalBatches } from './strategies/transactional-batch.js'

export type { AppliedMigration } from './applied-migration.js'
export type { RunReport, RunTarget, SkillRunResult } from './run-state.js'

/** The strategy for each engine capability: the runner never asks which engine it talks to. */
const STRATEGIES: Readonly<Record<DialectCapabilities['runStrategy'], (ctx: RunContext) => Promise<void>>> = {
  'transactional-batch': runTransactionalBatches,
  'per-migration-transaction': runPerMigrationTransactions,
  'statement-progress': runStatementProgress,
}

/**
 * Applies the pending migrations of several skills to one database, safely:
 *
 * - the state is read without a lock first, so a run with nothing to do takes no lock and
 *   writes nothing;
 * - otherwise runs on this database in this process queue up (without blocking the event loop),
 *   one connection is pinned for the run, the migration lock is taken (the strategy's locked
 *   transaction, or the dialect's session lock) and the ledger read again under it, so
 *   concurrent migrators serialise and each migration runs exactly once;
 * - the dialect's capabilities choose the strategy: one transaction for consecutive migrations
 *   with a savepoint each (SQLite), a transaction per migration (PostgreSQL), statement by
 *   statement with recorded progress (MySQL);
 * - a skill with a problem (checksum mismatch, bad file, failure) stops; other skills go on.
 *
 * Never throws for migration problems: they are in the report.
 */
export async function runMigrations(
  sessions: SessionSource,
  targets: readonly RunTarget[],
  options: RunOptions,
): Promise<RunReport> {
  const state = new RunState(targets, options)
  let session: DatabaseSession | undefined
  const describe = (error: unknown): GloriousMigrateError =>
    error instanceof GloriousMigrateError
      ? error
      : session
        ? describeError({ dialect: session.dialect, session, options }, error)
        : UnexpectedError.from(error)
  try {
    // First look without creating the database or taking any lock: nothing pending means nothing
    // is written (a database that does not exist yet has an empty ledger).
    session = await sessions.existing()
    await state.replan(session?.db, session?.dialect)
  } catch (error) {
    return state.finish(describe(error))
  }
  if (!state.next()) return state.finish(undefined)

  let fatal: GloriousMigrateError | undefined
  try {
    const writable = await sessions.writable()
    session = writable
    await withProcessLock(writable.lockKey, () =>
      writable.pinned((conn) => applyPending({ session: writable, conn, dialect: writable.dialect, state, options })),
    )
  } catch (error) {
    fatal = describe(error)
  }
  if (state.done > 0 && !state.fingerprintsRecorded && session !== undefined) {
    // Best effort: without a fingerprint, status cannot tell drift, and nothing else is lost.
    await recordSchemaFingerprints(session, options.lockTimeoutMs).catch(() => undefined)
  }
  saveCaches() // only a run that wrote saves the caches: looking writes nothing
  return state.finish(fatal)
}

async function applyPending(ctx: RunContext): Promise<void> {
  const { conn, dialect, session, state, options } = ctx
  const restore = await dialect.prepareConnection(conn, options)
  try {
    await dialect.checkIntegrity?.(conn, session.label)
    const strategy = STRATEGIES[dialect.capabilities.runStrategy]
    if (dialect.capabilities.lockScope === 'session') {
      const release = await dialect.acquireLock(conn, options.lockTimeoutMs)
      try {
        await state.replan(conn, dialect)
        await strategy(ctx)
      } finally {
        await release().catch(() => undefined)
      }
    } else {
      await strategy(ctx)
    }
  } finally {
    await restore().catch(() => undefined)
  }
}

/** Runs `fn` on the session's pinned connection, queued behind other runs on the database in this process. */
export function withPinnedConnection<T>(session: DatabaseSession, fn: (conn: Kysely<any>) => Promise<T>): Promise<T> {
  return withProcessLock(session.lockKey, () => session.pinned(fn))
}
