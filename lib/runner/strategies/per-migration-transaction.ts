import { setTimeout as sleep } from 'node:timers/promises'
import { MigrationFailedError } from '../../errors.js'
import { rememberChecksum } from '../../files/checksum-cache.js'
import { rewriteLedgerRow } from '../../ledger/ledger.js'
import { type OneMessageScope, applyInOneMessage, canApplyInOneMessage } from '../apply-in-one-message.js'
import { applyInTransaction } from '../apply-migration.js'
import { failure } from '../execute-statements.js'
import type { AppliedMigration } from '../applied-migration.js'
import type { PreparedMigration } from '../prepared-migration.js'
import { type RunContext, type TransactionScope, describeError, newTransactionScope } from '../run-context.js'
import type { Step } from '../run-state.js'
import { applyOutsideTransaction } from './outside-transaction.js'

/**
 * The strategy for server databases with transactional DDL (PostgreSQL): each migration commits
 * in a transaction of its own with its ledger row, so a live server never holds one migration's
 * locks while later ones run. The run already holds the dialect's session lock and has read the
 * ledger under it.
 *
 * Where the engine takes whole transactions in one message, consecutive migrations go to the
 * server together, each still in its own transaction (see apply-in-one-message.ts): round trips
 * stop counting, and the client reads the next files while the server works. The others, and
 * any whose failure needs explaining, go statement by statement.
 *
 * A one-message migration followed by another commits without waiting for the disk: the run
 * ends with a synchronous commit (the last migration's own, else a rewrite of the last ledger
 * row), which makes all of them durable before the run reports — the durability of a commit per
 * migration at one disk flush per run, each migration still atomic and its locks released at
 * its own commit.
 *
 * A migration that failed because it waited too long for a table lock, or deadlocked with the
 * application, is rolled back and tried again after a jittered pause, a bounded number of
 * times, each retry reported.
 */
export async function runPerMigrationTransactions(ctx: RunContext): Promise<void> {
  const oneMessage: OneMessageScope = { identity: undefined, owed: undefined }
  try {
    await applyEach(ctx, oneMessage)
  } catch (error) {
    await settleDurability(ctx, oneMessage).catch(() => undefined)
    throw error
  }
  await settleDurability(ctx, oneMessage)
}

/** Makes the deferred commits durable: a synchronous commit flushes the log up to itself. */
async function settleDurability(ctx: RunContext, oneMessage: OneMessageScope): Promise<void> {
  const owed = oneMessage.owed
  if (!owed) return
  await rewriteLedgerRow(ctx.conn, owed.skill, owed.version)
  oneMessage.owed = undefined
}

/**
 * At most this many migrations, and about this much SQL, go in one message: enough that round
 * trips no longer count, little enough that a run holds only a few files in memory.
 */
const MESSAGE_MIGRATIONS = 16
const MESSAGE_BYTES = 256 * 1024

async function applyEach(ctx: RunContext, oneMessage: OneMessageScope): Promise<void> {
  const { dialect, state, options } = ctx
  let ledgerReady = false
  for (;;) {
    const step = state.next()
    if (!step) return
    const migration = state.prepare(dialect, step)
    if (!migration) continue
    if (migration.analysis.transaction === 'outside') {
      state.warn(step, migration.warnings)
      oneMessage.identity = undefined
      try {
        keep(ctx, step, migration, await applyOutsideTransaction(ctx, migration))
        oneMessage.owed = undefined // its ledger row committed synchronously
        ledgerReady = true
      } catch (error) {
        state.fail(step, describeError(ctx, error))
      }
      continue
    }
    // With no retries left, the first attempt is the last: it goes statement by statement.
    if (options.lockRetries >= 1 && canApplyInOneMessage(ctx, migration, ledgerReady)) {
      await applyTogether(ctx, oneMessage, step, migration)
      continue
    }
    state.warn(step, migration.warnings)
    if (await applyWithRetries(ctx, step, migration, ledgerReady, oneMessage)) ledgerReady = true
  }
}

/**
 * Applies `first` and the one-message migrations that follow it in one message, each in its own
 * transaction; the one that stops it (if any) goes on alone: retried after a lock wait, run step
 * by step to explain an error without a position, or failed.
 */
async function applyTogether(
  ctx: RunContext,
  oneMessage: OneMessageScope,
  first: Step,
  firstMigration: PreparedMigration,
): Promise<void> {
  const { dialect, state } = ctx
  const steps = [first]
  const migrations = [firstMigration]
  let bytes = sizeOf(firstMigration)
  for (const step of state.upcoming(MESSAGE_MIGRATIONS).slice(1)) {
    const migration = state.prepareAhead(dialect, step)
    if (!migration || !canApplyInOneMessage(ctx, migration, true)) break
    bytes += sizeOf(migration)
    if (bytes > MESSAGE_BYTES) break
    steps.push(step)
    migrations.push(migration)
  }
  const after = state.upcoming(steps.length + MESSAGE_MIGRATIONS).slice(steps.length)
  const outcome = await applyInOneMessage(ctx, oneMessage, migrations, {
    deferDurable: after.length > 0,
    whileWaiting: after.length > 0 ? () => readAhead(ctx, after) : undefined,
  })
  outcome.applied.forEach((done, i) => {
    state.warn(steps[i]!, migrations[i]!.warnings)
    keep(ctx, steps[i]!, migrations[i]!, done)
  })
  const { stopped } = outcome
  if (!stopped) return
  const step = steps[outcome.applied.length]!
  const migration = migrations[outcome.applied.length]!
  state.warn(step, migration.warnings)
  if (stopped === 'unexplained') {
    await applyWithRetries(ctx, step, migration, true, oneMessage, { stepByStep: true })
    return
  }
  const reason = dialect.retryableReason?.(stopped.error)
  if (reason === undefined) {
    state.fail(step, describeError(ctx, stopped.error))
    return
  }
  await pauseBeforeRetry(ctx, step, 1, reason)
  await applyWithRetries(ctx, step, migration, true, oneMessage, { firstAttempt: 2 })
}

/** Reads the files of `steps` while the server works, up to about one message's worth. */
function readAhead(ctx: RunContext, steps: readonly Step[]): void {
  let bytes = 0
  for (const step of steps) {
    if (bytes > MESSAGE_BYTES) return
    const migration = ctx.state.prepareAhead(ctx.dialect, step)
    bytes += migration ? sizeOf(migration) : 0
  }
}

function sizeOf(migration: PreparedMigration): number {
  return migration.statements.reduce((sum, statement) => sum + statement.sql.length, 0)
}

/**
 * Applies one migration in a transaction of its own, retrying lock timeouts and deadlocks; `false` when it failed.
 *
 * @param from.firstAttempt attempts already made (in a message with others) plus one.
 * @param from.stepByStep go statement by statement from the first attempt (to explain a
 *   failure the one-message path could not).
 * @param from.reservedKnown the toolkit's tables as the previous migration's guard left them
 *   (MySQL): this one's guard starts from them instead of reading them again.
 */
export async function applyWithRetries(
  ctx: RunContext,
  step: Step,
  migration: PreparedMigration,
  ledgerReady: boolean,
  oneMessage?: OneMessageScope,
  from: {
    readonly firstAttempt?: number
    readonly stepByStep?: boolean
    readonly reservedKnown?: TransactionScope['reservedKnown']
  } = {},
): Promise<boolean> {
  const { conn, dialect, state, options } = ctx
  for (let attempt = from.firstAttempt ?? 1; ; attempt++) {
    let foreignKeysWereOn = false
    try {
      const upcoming = state.upcoming(2)[1]
      const outcome =
        // The last attempt goes statement by statement: a lock timeout then names its statement
        // without waiting for the lock a second time.
        oneMessage &&
        !from.stepByStep &&
        attempt <= options.lockRetries &&
        canApplyInOneMessage(ctx, migration, ledgerReady)
          ? await applyInOneMessage(ctx, oneMessage, [migration], {
              deferDurable: upcoming !== undefined,
              whileWaiting: upcoming && (() => state.prepareAhead(dialect, upcoming)),
            })
          : undefined
      const fast = outcome?.applied[0]
      if (fast) {
        keep(ctx, step, migration, fast)
        return true
      }
      if (outcome?.stopped && outcome.stopped !== 'unexplained') throw outcome.stopped.error
      // The step-by-step path may create or upgrade the toolkit's tables: read them again after.
      if (oneMessage) oneMessage.identity = undefined
      if (migration.analysis.foreignKeysOff) {
        foreignKeysWereOn = await dialect.foreignKeysEnabled(conn)
        if (foreignKeysWereOn) await dialect.setForeignKeys(conn, false)
      }
      await dialect.beginTransaction(conn, { locked: false })
      const tx = newTransactionScope()
      tx.ledgerReady = ledgerReady
      tx.reservedKnown = from.reservedKnown
      let done
      try {
        done = await applyInTransaction(ctx, tx, migration, undefined)
        await commitMigration(ctx, migration)
        if (oneMessage) oneMessage.owed = undefined // a synchronous commit
      } catch (error) {
        await dialect.rollback(conn).catch(() => undefined)
        throw error
      }
      keep(ctx, step, migration, done)
      return true
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause ?? error
      const reason = dialect.retryableReason?.(cause)
      if (reason !== undefined && attempt <= options.lockRetries) {
        await pauseBeforeRetry(ctx, step, attempt, reason)
        continue
      }
      const failure = describeError(ctx, error)
      state.fail(
        step,
        reason !== undefined && failure instanceof MigrationFailedError ? failure.afterLockWaits(attempt) : failure,
      )
      return false
    } finally {
      if (foreignKeysWereOn) await dialect.setForeignKeys(conn, true).catch(() => undefined)
    }
  }
}

/**
 * Commits one migration's transaction. A COMMIT refused by a constraint checked there (a
 * `DEFERRABLE INITIALLY DEFERRED` foreign key, `SET CONSTRAINTS … DEFERRED`) is that migration's
 * failure, named by its file: the server rolled it back whole.
 */
async function commitMigration(ctx: RunContext, migration: PreparedMigration): Promise<void> {
  const { conn, dialect } = ctx
  try {
    await dialect.commit(conn)
  } catch (error) {
    const last = migration.statements.at(-1)
    if (last === undefined || dialect.errorFacts?.(error).sqlState?.startsWith('23') !== true) throw error
    throw failure(dialect, migration, last, error, {
      appliedStatements: 0,
      outsideTransaction: false,
      cleanup:
        "The constraint is deferred: the database checked it at the migration's COMMIT, after its last statement, so any of its statements may have broken it.",
    })
  }
}

/** Reports a retry after a lock wait or deadlock, then waits before it. */
async function pauseBeforeRetry(ctx: RunContext, step: Step, attempt: number, reason: string): Promise<void> {
  const { options, state } = ctx
  options.onRetry?.({ migration: `${step.skill} ${step.file.filename}`, attempt, reason })
  state.warn(step, [retryWarning(step.file.filename, attempt, options.lockRetries, reason)])
  // Exponential backoff with full jitter: 0.1 s, 0.2 s, 0.4 s … at most 5 s, randomised so that
  // several migrators do not retry in step.
  await sleep(Math.random() * Math.min(5000, 100 * 2 ** (attempt - 1)))
}

/** Records a committed migration in the run's state (and its file's checksum for the next run). */
function keep(ctx: RunContext, step: Step, migration: PreparedMigration, done: AppliedMigration): void {
  ctx.state.advance(step, done)
  ctx.state.commit([done])
  if (migration.signature) rememberChecksum(done.path, done.checksum, migration.signature)
}

/** What a run reports for each retry, so a slow run behind a busy table explains itself. */
export function retryWarning(filename: string, attempt: number, retries: number, reason: string): string {
  return `${filename}: rolled back after ${reason}, retry ${attempt} of ${retries}`
}
