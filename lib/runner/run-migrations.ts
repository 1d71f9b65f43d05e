import { performance } from 'node:perf_hooks'
import type { MigrationDialect, TransactionMode } from '../dialects/dialect.js'
import { GloriousMigrateError, UnexpectedError } from '../errors.js'
import { checkForeignKeys, runStatements } from './execute-statements.js'
import { cachedChecksum, flushChecksumCache, rememberChecksum } from '../files/checksum-cache.js'
import type { MigrationFileRef, MigrationFolder } from '../files/migration-folder.js'
import type { DatabaseSession } from '../database.js'
import type { SessionSource } from '../session-holder.js'
import {
  type LedgerRow,
  RESERVED_TABLES,
  ensureLedger,
  insertLedgerRow,
  readLedger,
  recordOwnership,
} from './ledger.js'
import {
  type KnownObjects,
  type OwnershipChanges,
  declaredOwnershipChanges,
  diffSchemaObjects,
  hasOwnershipChanges,
  knownObjects,
} from './ownership.js'
import { type SkillPlan, planSkill } from './plan.js'
import { type PreparedMigration, prepareMigration } from './prepared-migration.js'

/** One skill's migrations to run. */
export interface RunTarget {
  readonly skill: string
  /** The skill's migrations folder. */
  readonly dir: string
  readonly folder: MigrationFolder
  /** Apply nothing above this version. */
  readonly toVersion?: number | undefined
}

export interface RunOptions {
  readonly allowMissing: boolean
  readonly allowOutOfOrder: boolean
  readonly lockTimeoutMs: number
  readonly maxFileBytes: number
  /** Called as each migration finishes inside its transaction (before the commit), for progress display. */
  readonly onProgress?:
    | ((event: { readonly done: number; readonly total: number; readonly migration: AppliedMigration }) => void)
    | undefined
}

/** A migration that ran and was committed. */
export interface AppliedMigration {
  readonly skill: string
  readonly version: number
  readonly filename: string
  readonly path: string
  readonly checksum: string
  readonly appliedAt: string
  readonly durationMs: number
  readonly statements: number
  readonly mode: TransactionMode
}

/** What a run did for one skill. */
export interface SkillRunResult {
  readonly skill: string
  readonly applied: readonly AppliedMigration[]
  /** The migration that failed, if one did. */
  readonly failed: MigrationFileRef | undefined
  /** Pending migrations that were not attempted because of the failure or problem. */
  readonly notExecuted: readonly MigrationFileRef[]
  /** Why the skill stopped (the first problem), if it did. */
  readonly error: GloriousMigrateError | undefined
  /** Every problem found for the skill (checksum mismatches, missing files, …). */
  readonly problems: readonly GloriousMigrateError[]
  readonly warnings: readonly string[]
  /** Applied migrations whose generated types are not written yet (a run ended before it wrote them). */
  readonly typesPending: boolean
}

export interface RunReport {
  readonly skills: readonly SkillRunResult[]
  /** The first error of the run, if any. */
  readonly error: GloriousMigrateError | undefined
}

interface SkillState {
  readonly target: RunTarget
  plan: SkillPlan | undefined
  cursor: number
  readonly applied: AppliedMigration[]
  readonly warnings: string[]
  problems: readonly GloriousMigrateError[]
  error: GloriousMigrateError | undefined
  failed: MigrationFileRef | undefined
  done: boolean
  typesPending: boolean
}

interface Step {
  readonly state: SkillState
  readonly file: MigrationFileRef
}

/**
 * Applies the pending migrations of several skills to one database, safely:
 *
 * - the state is read without a lock first, so a run with nothing to do takes no lock and
 *   writes nothing;
 * - otherwise the database's migration lock is taken (SQLite: `BEGIN IMMEDIATE`, waited for up
 *   to `lockTimeoutMs`) and the ledger read again under it, so concurrent migrators serialise and
 *   each migration runs exactly once;
 * - consecutive migrations share one transaction, each inside its own savepoint together with
 *   its ledger row: a failing migration is rolled back alone, the ones before it commit;
 * - migrations that switch foreign keys off run in their own transaction with foreign keys off
 *   and are checked for violations before they commit; `no-transaction` ones run alone,
 *   serialised by the dialect's session lock;
 * - a skill with a problem (checksum mismatch, bad file, failure) stops; other skills go on.
 *
 * Never throws for migration problems: they are in the report.
 */
export async function runMigrations(
  sessions: SessionSource,
  targets: readonly RunTarget[],
  options: RunOptions,
): Promise<RunReport> {
  const states: SkillState[] = targets.map((target) => ({
    target,
    plan: undefined,
    cursor: 0,
    applied: [],
    warnings: [],
    problems: [],
    error: undefined,
    failed: undefined,
    done: false,
    typesPending: false,
  }))
  let session: DatabaseSession | undefined
  const describe = (error: unknown): GloriousMigrateError =>
    error instanceof GloriousMigrateError
      ? error
      : (session?.dialect.describeError(error, session.label, options.lockTimeoutMs) ?? UnexpectedError.from(error))

  const replan = async (): Promise<void> => {
    const active = states.filter((state) => !state.done)
    const rows = session
      ? await readLedger(
          session.db,
          session.dialect,
          active.map((state) => state.target.skill),
        )
      : []
    const bySkill = groupBySkill(rows)
    for (const state of active) {
      const { target } = state
      state.typesPending = (bySkill.get(target.skill) ?? []).some((row) => row.typesPending)
      state.plan = planSkill({
        skill: target.skill,
        dir: target.dir,
        files: target.folder.files,
        folderProblems: target.folder.problems,
        rows: bySkill.get(target.skill) ?? [],
        checksumOf: (file) => cachedChecksum(file.path, options.maxFileBytes, target.skill),
        allowMissing: options.allowMissing,
        allowOutOfOrder: options.allowOutOfOrder,
        toVersion: target.toVersion,
      })
      state.cursor = 0
      state.problems = state.plan.problems
      if (state.plan.problems.length > 0) stop(state, state.plan.problems[0] as GloriousMigrateError, undefined)
    }
  }
  const firstPending = (): Step | undefined => {
    for (const state of states) {
      const file = state.done ? undefined : state.plan?.pending[state.cursor]
      if (file) return { state, file }
    }
    return undefined
  }
  const totalPending = (): number =>
    states.reduce((sum, state) => sum + (state.done ? 0 : (state.plan?.pending.length ?? 0) - state.cursor), 0)

  const prepared = new Map<string, PreparedMigration>()
  const prepare = (dialect: MigrationDialect, step: Step): PreparedMigration | undefined => {
    const cached = prepared.get(step.file.path)
    if (cached) return cached
    try {
      const migration = prepareMigration(dialect, step.state.target.skill, step.file, options.maxFileBytes)
      prepared.set(step.file.path, migration)
      return migration
    } catch (error) {
      stop(step.state, describe(error), step.file)
      return undefined
    }
  }

  try {
    // First look without creating the database or taking any lock: nothing pending means nothing
    // is written (a database that does not exist yet has an empty ledger).
    session = await sessions.existing()
    await replan()
  } catch (error) {
    return finish(states, describe(error))
  }
  if (!firstPending()) return finish(states, undefined)

  let restoreConnection: (() => Promise<void>) | undefined
  let fatal: GloriousMigrateError | undefined
  try {
    session = await sessions.writable()
    const { db, dialect } = session
    restoreConnection = await dialect.prepareConnection(db, options.lockTimeoutMs)
    await dialect.checkIntegrity?.(db, session.label)
    let done = 0
    let total = totalPending()
    let lastHead: string | undefined
    for (;;) {
      const head = firstPending()
      if (!head) break
      const first = prepare(dialect, head)
      if (!first) continue
      const mode = first.analysis.mode
      // Guard against spinning when the locked re-read keeps disagreeing with the optimistic one.
      const headKey = `${mode}:${head.file.path}`
      if (headKey === lastHead) throw new Error(`internal: no progress on ${head.file.path}`)
      lastHead = headKey

      let foreignKeysWereOn = false
      let releaseSessionLock: (() => Promise<void>) | undefined
      let inTransaction = false
      const batch: Step[] = []
      const batchApplied: AppliedMigration[] = []
      try {
        if (mode === 'foreign-keys-off') {
          foreignKeysWereOn = await dialect.foreignKeysEnabled(db)
          if (foreignKeysWereOn) await dialect.setForeignKeys(db, false)
        }
        if (mode === 'no-transaction') releaseSessionLock = await dialect.acquireSessionLock(db, options.lockTimeoutMs)
        await dialect.beginLockedTransaction(db)
        inTransaction = true
        await replan()
        total = done + totalPending()

        let ledgerReady = false
        let known: KnownObjects | undefined // tables and views, read once per transaction when needed
        let savepoints = 0
        for (;;) {
          const step = firstPending()
          if (!step) break
          const migration = prepare(dialect, step)
          if (!migration) continue
          if (migration.analysis.mode !== mode) break
          step.state.warnings.push(...migration.warnings)

          if (mode === 'no-transaction') {
            // Nothing was written in this transaction: it only re-read the ledger under the lock.
            await dialect.rollback(db)
            inTransaction = false
            const applied = await runOutsideTransaction(session, migration, options, describe)
            prepared.delete(step.file.path)
            if (applied instanceof GloriousMigrateError) {
              stop(step.state, applied, step.file)
            } else {
              step.state.cursor++
              batch.push(step)
              batchApplied.push(applied)
            }
            break
          }

          try {
            const result = await applyInSavepoint(session, migration, {
              savepoint: `glorious_migration_${++savepoints}`,
              known,
              ledgerReady,
              lockTimeoutMs: options.lockTimeoutMs,
            })
            known = result.known
            ledgerReady = true
            step.state.cursor++
            batch.push(step)
            batchApplied.push(result.applied)
            options.onProgress?.({ done: ++done, total, migration: result.applied })
          } catch (error) {
            if (error instanceof TransactionLost) {
              inTransaction = false
              throw describe(error.cause)
            }
            stop(step.state, describe(error), step.file)
          } finally {
            prepared.delete(step.file.path)
          }
          if (mode === 'foreign-keys-off') break
        }
        if (inTransaction) {
          inTransaction = false
          if (batch.length > 0) await dialect.commit(db)
          else await dialect.rollback(db)
        }
        batch.forEach((step, index) => {
          const applied = batchApplied[index] as AppliedMigration
          step.state.applied.push(applied)
          rememberChecksum(applied.path, applied.checksum)
        })
        if (batch.length > 0) lastHead = undefined
      } catch (error) {
        if (inTransaction) await dialect.rollback(db).catch(() => undefined)
        // Migrations of an abandoned batch did not happen: give their skills the cursor back.
        for (const step of batch) step.state.cursor--
        throw error
      } finally {
        if (foreignKeysWereOn) await dialect.setForeignKeys(db, true).catch(() => undefined)
        if (releaseSessionLock) await releaseSessionLock().catch(() => undefined)
      }
    }
  } catch (error) {
    fatal = describe(error)
  } finally {
    await restoreConnection?.().catch(() => undefined)
  }
  flushChecksumCache() // only a run that wrote saves the cache: looking writes nothing
  return finish(states, fatal)
}

/** The database abandoned the whole transaction (I/O error, disk full): nothing of the batch survives. */
class TransactionLost extends Error {}

/**
 * Runs one migration inside a savepoint of the open transaction, together with its ledger row and
 * its ownership changes. On failure the savepoint is rolled back (nothing of the migration stays)
 * and the error is rethrown; if even that fails, {@link TransactionLost} is thrown.
 */
async function applyInSavepoint(
  session: DatabaseSession,
  migration: PreparedMigration,
  context: {
    readonly savepoint: string
    /** Tables and views known in this transaction (read once, when first needed). */
    readonly known: KnownObjects | undefined
    /** Whether the ledger tables are known to exist in this transaction. */
    readonly ledgerReady: boolean
    readonly lockTimeoutMs: number
  },
): Promise<{ readonly applied: AppliedMigration; readonly known: KnownObjects | undefined }> {
  const { db, dialect } = session
  const { mode, objectChanges: declared } = migration.analysis
  const before = declared === undefined ? await dialect.listSchemaObjects(db) : undefined
  let known = context.known
  if (!known && declared?.some((change) => change.kind === 'create' && change.ifNotExists)) {
    known = knownObjects(await dialect.listSchemaObjects(db), RESERVED_TABLES)
  }
  await dialect.savepoint(db, context.savepoint)
  try {
    const baseline = mode === 'foreign-keys-off' ? await dialect.foreignKeyViolations(db) : []
    const started = performance.now()
    await runStatements(session, migration, context.lockTimeoutMs, false)
    if (mode === 'foreign-keys-off') await checkForeignKeys(session, migration, baseline)
    const applied = appliedMigration(migration, Math.round(performance.now() - started))
    if (!context.ledgerReady) await ensureLedger(db, dialect)
    await insertLedgerRow(db, ledgerRow(applied))
    // Ownership: which tables and views this migration created, dropped or renamed, read from its
    // statements (no catalog scan), or from listings before and after when they are unreadable.
    let changes: OwnershipChanges | undefined
    if (before) {
      const after = await dialect.listSchemaObjects(db)
      changes = diffSchemaObjects(before, after, RESERVED_TABLES)
      known = knownObjects(after, RESERVED_TABLES)
    } else if (declared && declared.length > 0) {
      ;({ changes, known } = declaredOwnershipChanges(declared, known, RESERVED_TABLES))
    }
    if (changes && hasOwnershipChanges(changes)) {
      await recordOwnership(db, { skill: migration.skill, version: migration.file.version, ...changes })
    }
    await dialect.releaseSavepoint(db, context.savepoint)
    return { applied, known }
  } catch (error) {
    try {
      await dialect.rollbackToSavepoint(db, context.savepoint)
    } catch {
      throw new TransactionLost('transaction lost', { cause: error })
    }
    throw error
  }
}

async function runOutsideTransaction(
  session: DatabaseSession,
  migration: PreparedMigration,
  options: RunOptions,
  describe: (error: unknown) => GloriousMigrateError,
): Promise<AppliedMigration | GloriousMigrateError> {
  const { db, dialect } = session
  try {
    const before = await dialect.listSchemaObjects(db)
    const started = performance.now()
    await runStatements(session, migration, options.lockTimeoutMs, true)
    const durationMs = Math.round(performance.now() - started)
    const after = await dialect.listSchemaObjects(db)
    const applied = appliedMigration(migration, durationMs)
    await dialect.beginLockedTransaction(db)
    try {
      await ensureLedger(db, dialect)
      await insertLedgerRow(db, ledgerRow(applied))
      const changes = diffSchemaObjects(before, after, RESERVED_TABLES)
      if (hasOwnershipChanges(changes)) {
        await recordOwnership(db, { skill: migration.skill, version: migration.file.version, ...changes })
      }
      await dialect.commit(db)
    } catch (error) {
      await dialect.rollback(db).catch(() => undefined)
      throw error
    }
    return applied
  } catch (error) {
    return describe(error)
  }
}

function appliedMigration(migration: PreparedMigration, durationMs: number): AppliedMigration {
  return Object.freeze({
    skill: migration.skill,
    version: migration.file.version,
    filename: migration.file.filename,
    path: migration.file.path,
    checksum: migration.checksum,
    appliedAt: appliedAtNow(),
    durationMs,
    statements: migration.statements.length,
    mode: migration.analysis.mode,
  })
}

let lastAppliedAt = 0

/**
 * The current UTC time as ISO-8601 with microseconds, strictly increasing within the process, so
 * migrations applied in one batch keep their order in `history`.
 */
function appliedAtNow(): string {
  const micros = Math.max(Math.floor((performance.timeOrigin + performance.now()) * 1000), lastAppliedAt + 1)
  lastAppliedAt = micros
  const millis = Math.floor(micros / 1000)
  return `${new Date(millis).toISOString().slice(0, -1)}${String(micros % 1000).padStart(3, '0')}Z`
}

function ledgerRow(applied: AppliedMigration): LedgerRow {
  return {
    skill: applied.skill,
    version: applied.version,
    filename: applied.filename,
    checksum: applied.checksum,
    appliedAt: applied.appliedAt,
    durationMs: applied.durationMs,
    typesPending: true,
  }
}

function stop(state: SkillState, error: GloriousMigrateError, failed: MigrationFileRef | undefined): void {
  state.error ??= error
  if (!state.problems.includes(error)) state.problems = [...state.problems, error]
  state.failed ??= failed
  state.done = true
}

function groupBySkill(rows: readonly LedgerRow[]): Map<string, LedgerRow[]> {
  const bySkill = new Map<string, LedgerRow[]>()
  for (const row of rows) {
    const list = bySkill.get(row.skill)
    if (list) list.push(row)
    else bySkill.set(row.skill, [row])
  }
  return bySkill
}

function finish(states: readonly SkillState[], fatal: GloriousMigrateError | undefined): RunReport {
  const skills = states.map((state): SkillRunResult => {
    const pending = state.plan?.pending ?? []
    const remaining = pending.slice(state.cursor).filter((file) => file !== state.failed)
    const error = state.error ?? (remaining.length > 0 ? fatal : undefined)
    return Object.freeze({
      skill: state.target.skill,
      applied: Object.freeze([...state.applied]),
      failed: state.failed,
      notExecuted: Object.freeze(remaining),
      error,
      problems: Object.freeze(state.problems.length > 0 ? [...state.problems] : error ? [error] : []),
      warnings: Object.freeze([...state.warnings]),
      typesPending: state.typesPending || state.applied.length > 0,
    })
  })
  const error = fatal ?? skills.find((skill) => skill.error)?.error
  return Object.freeze({ skills: Object.freeze(skills), error })
}
