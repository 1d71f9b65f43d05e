import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ReservedTablesDefinitions, SchemaObjectChange, SqlStatement } from '../../dialects/dialect.js'
import {
  GloriousMigrateError,
  InterruptedMigrationError,
  LedgerWriteError,
  ReservedTableError,
  ResumeRefusedError,
} from '../../errors.js'
import { rememberChecksum } from '../../files/checksum-cache.js'
import {
  type LedgerRow,
  OWNERSHIP_TABLE,
  RESERVED_TABLES,
  type StatementProgress,
  ensureLedger,
  insertLedgerRow,
  updateLedgerRow,
} from '../../ledger/ledger.js'
import {
  type NameKey,
  type OwnershipChanges,
  declaredOwnershipChanges,
  diffSchemaObjects,
  hasOwnershipChanges,
} from '../../ledger/ownership.js'
import { nameKeyOf, recordOwnership } from '../../ledger/ownership-rows.js'
import { type AppliedMigration, appliedMigration, ledgerRow } from '../applied-migration.js'
import { failure, saveConnectionSettings } from '../execute-statements.js'
import type { PreparedMigration } from '../prepared-migration.js'
import { type RunContext, describeError } from '../run-context.js'
import { applyWithRetries, retryWarning } from './per-migration-transaction.js'
import { reservedTablesChanged } from '../reserved-tables-check.js'

/**
 * The strategy for engines that commit DDL implicitly (MySQL, MariaDB), where a migration with
 * DDL cannot be atomic. Rather than pretend, it records progress:
 *
 * - a migration with only DML runs atomically in one transaction with its ledger row;
 * - any other runs statement by statement; its ledger row records, after each statement, how many
 *   statements are applied and a checksum of each; a statement with no implicit commit runs in a
 *   transaction together with that record, so the two cannot disagree;
 * - before a statement that commits implicitly, the row records that it is under way, with a
 *   fingerprint of the objects it acts on; a run interrupted there (`kill -9`) tells from the
 *   objects whether the statement took effect, and resumes after or at it;
 * - a failure leaves the row `failed` at statement k with the server's message; once the file is
 *   fixed, the next run resumes at statement k — if statements 1…k−1 are unchanged (their
 *   checksums match), and refuses with an explanation if they changed.
 *
 * The run holds the dialect's session lock and has read the ledger under it.
 */
export async function runStatementProgress(ctx: RunContext): Promise<void> {
  const { dialect, state } = ctx
  const run: RunMemo = { ledgerReady: false, definitions: undefined, rows: undefined }
  for (;;) {
    const step = state.next()
    if (!step) return
    const migration = state.prepare(dialect, step)
    if (!migration) continue
    state.warn(step, migration.warnings)
    const unfinished = state.unfinished(step)
    if (migration.analysis.transaction === 'inside' && unfinished === undefined) {
      // Its own guard compares the toolkit's tables, definitions included, around its statements
      // in its transaction; with the ledger ready, the toolkit writes only rows besides: the
      // definitions read after the last migration still hold once it succeeded.
      const ready = run.ledgerReady
      // What the last migration's guard read, carried past the toolkit's writes since: its own
      // guard starts from it rather than reading the tables again.
      const known =
        ready && run.definitions !== undefined && run.rows !== undefined
          ? { definitions: run.definitions, rows: run.rows }
          : undefined
      const applied = await applyWithRetries(ctx, step, migration, ready, undefined, { reservedKnown: known })
      if (!applied || !ready) run.definitions = undefined
      run.rows = undefined // it wrote its ledger row
      run.ledgerReady = applied
      continue
    }
    try {
      const done = await applyWithProgress(ctx, migration, unfinished, (warning) => state.warn(step, [warning]), run)
      state.advance(step, done)
      state.commit([done])
      if (migration.signature) rememberChecksum(done.path, done.checksum, migration.signature)
    } catch (error) {
      run.ledgerReady = false
      run.definitions = undefined
      run.rows = undefined
      state.fail(step, describeError(ctx, error))
    }
  }
}

/**
 * What the run knows between its migrations, valid only while nothing but the toolkit's own row
 * writes ran since a migration succeeded (a failure forgets it):
 *
 * - `ledgerReady`: the toolkit's tables exist with every column (a migration that dropped or
 *   altered one would have failed the guard);
 * - `definitions`: the toolkit's tables' definitions as the guard read them after the last
 *   migration, which the next one's guard starts from instead of reading them again. Only rows
 *   change between migrations (the toolkit's own ledger and ownership writes); those are read
 *   before every migration;
 * - `rows`: the rows of the toolkit's tables as the guard read them after the last migration,
 *   carried past the toolkit's own writes since (its ledger row and ownership rows, read again
 *   alone), which the next migration's guard starts from instead of reading every row again.
 */
interface RunMemo {
  ledgerReady: boolean
  definitions: ReservedTablesDefinitions | undefined
  rows: string | undefined
}

/** A short checksum of a statement's text: what a resumed file must still have. */
export function statementChecksum(statement: SqlStatement): string {
  return createHash('sha256').update(statement.sql).digest('hex').slice(0, 16)
}

interface Probe {
  readonly statement: number
  readonly checksum: string
  readonly before: string | null
}

async function applyWithProgress(
  ctx: RunContext,
  migration: PreparedMigration,
  unfinished: LedgerRow | undefined,
  warn: (warning: string) => void,
  run: RunMemo,
): Promise<AppliedMigration> {
  const { conn, dialect } = ctx
  const statements = migration.statements
  const checksums = statements.map(statementChecksum)
  const commits = migration.analysis.implicitCommits ?? statements.map(() => true)
  const started = performance.now()
  let applied = unfinished ? await resumePoint(ctx, migration, unfinished, checksums) : 0
  const resumedAt = applied
  const base = ledgerRow(appliedMigration(migration, 0))
  const rowAt = (status: LedgerRow['status'], progress: Partial<StatementProgress>): LedgerRow => ({
    ...base,
    status,
    progress: {
      applied,
      total: statements.length,
      checksums: checksums.slice(0, applied),
      error: null,
      probe: null,
      ...progress,
    },
  })
  // The row is written with the migration's first record (no row: none of its statements took
  // effect), then updated.
  let rowWritten = unfinished !== undefined
  const record = async (row: LedgerRow): Promise<void> => {
    try {
      if (!rowWritten) {
        await insertLedgerRow(conn, row)
        rowWritten = true
      } else if (!(await updateLedgerRow(conn, row))) {
        throw new ReservedTableError(
          migration.skill,
          migration.file.filename,
          migration.file.path,
          'deleted its own ledger row',
          true,
        )
      }
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
  }

  if (!run.ledgerReady) {
    await ensureLedger(conn, dialect)
    run.ledgerReady = true
    run.definitions = undefined
    run.rows = undefined
  }
  const key = { skill: migration.skill, version: migration.file.version }
  // The toolkit's tables before and after: their definitions, and every row but this
  // migration's own (which the toolkit updates as it goes).
  const reserved = async (
    known: ReservedTablesDefinitions | undefined,
    since: readonly SqlStatement[] | undefined,
    rows: { readonly knownRows?: string | undefined; readonly writes?: readonly string[] },
  ): Promise<ReservedState> =>
    dialect.reservedTablesState
      ? dialect.reservedTablesState(conn, RESERVED_TABLES, {
          except: key,
          known,
          since,
          knownRows: rows.knownRows,
          writes: rows.writes && { table: OWNERSHIP_TABLE, column: 'object_name', keys: rows.writes },
        })
      : {
          definitions: undefined,
          rows: await dialect.reservedTablesFingerprint(conn, RESERVED_TABLES, { rows: 'content', except: key }),
        }
  // A resumed migration's row exists already (it is left out): its rows are read.
  const reservedBefore = await reserved(run.definitions, undefined, {
    knownRows: unfinished === undefined ? run.rows : undefined,
  })
  run.definitions = undefined
  run.rows = undefined
  // The catalog before and after the remaining statements, compared: when the dialect can read
  // from them every table and view they create, drop or rename, only those names are listed
  // (their lookup costs the same however many tables the database has), else all.
  const nameKey = nameKeyOf(dialect)
  const touched = touchedNames(
    resumedAt === 0
      ? migration.analysis.objectChanges
      : dialect.analyze(statements.slice(resumedAt), { noTransaction: false, reservedTables: RESERVED_TABLES })
          .objectChanges,
  )
  const before = await dialect.listSchemaObjects(conn, touched)

  // The session settings it changes are put back after it (before the guard reads the toolkit's
  // tables: under ANSI_QUOTES, SHOW CREATE TABLE would print them otherwise), even when it fails,
  // so that nothing leaks into the next migration or the toolkit's own statements. Resumed, the
  // statements before the resume point that only set the session run again first.
  const restoreSettings = await saveConnectionSettings(conn, dialect, migration.analysis.connectionSettings)
  let finished: { done: AppliedMigration; after: ReservedState } | undefined
  try {
    await replaySession(ctx, migration, resumedAt)
    await runRemaining()
  } catch (error) {
    await restoreSettings()
    throw error
  }
  if (finished === undefined) {
    await restoreSettings()
    finished = await finish(false)
  }
  run.definitions = finished.after.definitions
  run.rows = await finished.after.afterWrites?.()
  return finished.done

  async function runRemaining(): Promise<void> {
    for (; applied < statements.length; applied++) {
      const statement = statements[applied] as SqlStatement
      if (commits[applied]) {
        const probe: Probe = {
          statement: applied + 1,
          checksum: checksums[applied] as string,
          before: (await dialect.probeStatement?.(conn, statement)) ?? null,
        }
        await record(rowAt('running', { probe: JSON.stringify(probe) }))
        await executeWithRetries(ctx, migration, statement, applied, async () => {})
      } else if (applied === statements.length - 1) {
        // The last statement, with no implicit commit, commits with the migration's final record
        // and ownership: a run killed before that commit finds it not run, and runs it again.
        await executeWithRetries(ctx, migration, statement, applied, async () => {
          await restoreSettings()
          finished = await finish(true)
        })
      } else {
        // No implicit commit: the statement and its progress commit together.
        await executeWithRetries(ctx, migration, statement, applied, async () => {
          await record(rowAt('running', { applied: applied + 1, checksums: checksums.slice(0, applied + 1) }))
        })
      }
    }
  }

  /**
   * What follows the statements: the ownership changes, the guard's comparison, and the final
   * record — in the transaction of the last statement when `inTransaction`, else in one of its own.
   */
  async function finish(inTransaction: boolean): Promise<{ done: AppliedMigration; after: ReservedState }> {
    let changes =
      touched?.length === 0
        ? NO_CHANGES
        : diffSchemaObjects(before, await dialect.listSchemaObjects(conn, touched), RESERVED_TABLES, nameKey)
    if (resumedAt > 0) {
      // Resumed: the listing before was taken after statements 1…resumedAt had run (in an earlier
      // run), so what they created is read from the statements themselves.
      const early = dialect.analyze(statements.slice(0, resumedAt), {
        noTransaction: false,
        reservedTables: RESERVED_TABLES,
      }).objectChanges
      if (early) {
        changes = mergeResumed(
          declaredOwnershipChanges(early, undefined, RESERVED_TABLES, nameKey).changes,
          changes,
          nameKey,
        )
      }
    }
    // Definitions read again as far as the statements that ran could have changed them.
    // The ownership rows the toolkit writes next are read with them, to carry the rows forward.
    const owned = [...changes.dropped, ...changes.created.map((object) => object.name)]
    for (const rename of changes.renamed) owned.push(rename.from, rename.to)
    const ran = statements.slice(resumedAt)
    // Statements that cannot reach the toolkit's tables (by what they are, whatever their names)
    // left them as they were: not read again (their rows are read before the next migration).
    const untouched =
      reservedBefore.definitions !== undefined &&
      ran.every((statement) => dialect.cannotReachReservedTables?.(statement, RESERVED_TABLES) === true)
    const reservedAfter: ReservedState = untouched
      ? { definitions: reservedBefore.definitions, rows: reservedBefore.rows }
      : await reserved(reservedBefore.definitions, ran, { writes: hasOwnershipChanges(changes) ? owned : [] })
    if (
      reservedAfter.rows !== reservedBefore.rows ||
      reservedAfter.definitions?.fingerprint !== reservedBefore.definitions?.fingerprint
    ) {
      throw reservedTablesChanged(migration, true)
    }
    const done = { ...appliedMigration(migration, Math.round(performance.now() - started)) }
    const final: LedgerRow = {
      ...ledgerRow(done),
      status: 'applied',
      progress: rowAt('applied', { applied: statements.length, checksums: [...checksums] }).progress,
    }
    // The ownership and the final record commit together: a run killed between them would leave
    // the migration applied without its tables' owner (and so without their types).
    const owns = hasOwnershipChanges(changes)
    const write = async () => {
      if (owns) await recordOwnership(conn, { skill: migration.skill, version: migration.file.version, ...changes })
      await record(final)
    }
    if (inTransaction || !owns) {
      await write() // the caller's transaction, or one statement
    } else {
      await dialect.beginTransaction(conn, { locked: false })
      try {
        await write()
        await dialect.commit(conn)
      } catch (error) {
        await dialect.rollback(conn).catch(() => undefined)
        throw error
      }
    }
    return { done, after: reservedAfter }
  }

  /** Runs one statement (retrying lock waits), and on failure records where the migration stopped. */
  async function executeWithRetries(
    context: RunContext,
    prepared: PreparedMigration,
    statement: SqlStatement,
    index: number,
    inTransaction: () => Promise<void>,
  ): Promise<void> {
    const atomic = !commits[index]
    for (let attempt = 1; ; attempt++) {
      const written = rowWritten
      try {
        if (atomic) await dialect.beginTransaction(conn, { locked: false })
        await dialect.executeStatement(conn, statement.sql)
        await inTransaction()
        if (atomic) await dialect.commit(conn)
        return
      } catch (error) {
        if (atomic) {
          await dialect.rollback(conn).catch(() => undefined)
          rowWritten = written // a row first written in the transaction is gone with it
        }
        if (error instanceof GloriousMigrateError) throw error
        const reason = dialect.retryableReason?.(error)
        if (reason !== undefined && attempt <= context.options.lockRetries) {
          context.options.onRetry?.({ migration: `${prepared.skill} ${prepared.file.filename}`, attempt, reason })
          warn(retryWarning(prepared.file.filename, attempt, context.options.lockRetries, reason))
          await sleep(Math.random() * Math.min(5000, 100 * 2 ** (attempt - 1)))
          continue
        }
        const message = dialect.errorMessage(error)
        await record(rowAt('failed', { error: message })).catch(() => undefined)
        throw failure(dialect, prepared, statement, error, {
          appliedStatements: index,
          outsideTransaction: true,
          resumable: true,
          ...(reason === undefined ? {} : { lockWaitAttempts: attempt }),
        })
      }
    }
  }
}

/**
 * Runs again, on a resumed migration, the statements before the resume point that only set the
 * session (`SET foreign_key_checks = 0`, `SET @x = …`): the statements after them were written to
 * run under them, and the session that ran them is gone.
 */
async function replaySession(ctx: RunContext, migration: PreparedMigration, resumedAt: number): Promise<void> {
  const sessionOnly = migration.analysis.sessionOnly
  if (resumedAt === 0 || sessionOnly === undefined) return
  for (let i = 0; i < resumedAt; i++) {
    if (!sessionOnly[i]) continue
    const statement = migration.statements[i] as SqlStatement
    try {
      await ctx.dialect.executeStatement(ctx.conn, statement.sql)
    } catch (error) {
      throw failure(ctx.dialect, migration, statement, error, {
        appliedStatements: resumedAt,
        outsideTransaction: true,
        resumable: true,
      })
    }
  }
}

interface ReservedState {
  readonly definitions: ReservedTablesDefinitions | undefined
  readonly rows: string
  readonly afterWrites?: (() => Promise<string>) | undefined
}

const NO_CHANGES: OwnershipChanges = Object.freeze({ created: [], dropped: [], renamed: [] })

/** The names that declared changes act on, or `undefined` when the changes are unknown. */
function touchedNames(declared: readonly SchemaObjectChange[] | undefined): string[] | undefined {
  if (declared === undefined) return undefined
  return [
    ...new Set(declared.flatMap((change) => (change.kind === 'rename' ? [change.from, change.to] : [change.name]))),
  ]
}

/** The ownership changes of a resumed migration: those of its earlier statements, then the later ones'. */
function mergeResumed(early: OwnershipChanges, later: OwnershipChanges, key: NameKey): OwnershipChanges {
  const created = new Map(early.created.map((object) => [key(object.name), object]))
  const dropped = [...early.dropped]
  const renamed = [...early.renamed]
  for (const name of later.dropped) if (!created.delete(key(name))) dropped.push(name)
  for (const rename of later.renamed) {
    const fresh = created.get(key(rename.from))
    if (!fresh) renamed.push(rename)
    else {
      created.delete(key(rename.from))
      created.set(key(rename.to), { name: rename.to, type: fresh.type })
    }
  }
  for (const object of later.created) created.set(key(object.name), object)
  return Object.freeze({ created: [...created.values()], dropped, renamed })
}

/**
 * Where an unfinished migration resumes: after its applied statements, if the file still has
 * them unchanged; after a statement that was under way when the run stopped if the objects it
 * acts on changed (it took effect), at it if they did not.
 *
 * @throws {ResumeRefusedError | InterruptedMigrationError}
 */
async function resumePoint(
  ctx: RunContext,
  migration: PreparedMigration,
  row: LedgerRow,
  checksums: readonly string[],
): Promise<number> {
  const progress = row.progress
  const total = migration.statements.length
  const refuse = (reason: string): ResumeRefusedError =>
    new ResumeRefusedError(
      migration.skill,
      migration.file.version,
      migration.file.filename,
      migration.file.path,
      progress?.applied ?? 0,
      total,
      reason,
    )
  if (!progress) throw refuse('its ledger row records no progress')
  if (progress.applied > total) throw refuse(`the file now has only ${total} statements`)
  const changed = progress.checksums.findIndex((checksum, i) => checksums[i] !== checksum)
  if (changed >= 0) throw refuse(`statement ${changed + 1} has changed since it ran`)
  if (row.status !== 'running' || !progress.probe) return progress.applied
  // The run stopped while a statement that commits implicitly was under way.
  const probe = JSON.parse(progress.probe) as Probe
  const statement = migration.statements[probe.statement - 1]
  if (!statement || checksums[probe.statement - 1] !== probe.checksum) {
    throw refuse(`statement ${probe.statement}, which was under way when the run stopped, has changed since`)
  }
  const now = probe.before === null ? undefined : await ctx.dialect.probeStatement?.(ctx.conn, statement, probe.before)
  if (now === undefined) {
    throw new InterruptedMigrationError(
      migration.skill,
      migration.file.version,
      migration.file.filename,
      migration.file.path,
      probe.statement,
      statement.line,
    )
  }
  return now === probe.before ? probe.statement - 1 : probe.statement
}
