import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../dialects/dialect.js'
import { GloriousMigrateError, UnexpectedError } from '../errors.js'
import { cachedChecksum } from '../files/checksum-cache.js'
import type { MigrationFileRef, MigrationFolder } from '../files/migration-folder.js'
import type { LedgerRow } from '../ledger/ledger.js'
import { type PlanLedgerRow, readPlanRows } from '../ledger/plan-rows.js'
import type { AppliedMigration } from './applied-migration.js'
import { type SkillPlan, planSkill } from './plan.js'
import { type PreparedMigration, prepareMigration } from './prepared-migration.js'
import type { RunOptions } from './run-options.js'

/** One skill's migrations to run. */
export interface RunTarget {
  readonly skill: string
  /** The skill's migrations folder. */
  readonly dir: string
  readonly folder: MigrationFolder
  /** Apply nothing above this version. */
  readonly toVersion?: number | undefined
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
  plan: SkillPlan<PlanLedgerRow> | undefined
  cursor: number
  readonly applied: AppliedMigration[]
  readonly warnings: string[]
  problems: readonly GloriousMigrateError[]
  error: GloriousMigrateError | undefined
  failed: MigrationFileRef | undefined
  done: boolean
  typesPending: boolean
}

/** The next migration to run: a skill's pending file. */
export interface Step {
  readonly skill: string
  readonly file: MigrationFileRef
}

/**
 * The progress of a run over several skills: each skill's plan (its files compared with the
 * ledger), where it stands in it, what was applied, and why it stopped. Strategies ask it for the
 * next migration and tell it what happened; a skill with a problem stops, the others go on.
 */
export class RunState {
  readonly options: RunOptions
  readonly #states: SkillState[]
  readonly #bySkill = new Map<string, SkillState>()
  readonly #prepared = new Map<string, PreparedMigration>()
  #done = 0
  /**
   * The schema fingerprints were written in the run's last transaction, which committed: nothing
   * is left to record after the run (see `lib/drift/record-fingerprints.ts`).
   */
  fingerprintsRecorded = false

  constructor(targets: readonly RunTarget[], options: RunOptions) {
    this.options = options
    this.#states = targets.map((target) => ({
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
    for (const state of this.#states) this.#bySkill.set(state.target.skill, state)
  }

  /**
   * Reads the ledger (through `conn`, which may hold the migration lock) and plans every skill
   * still running again. Without a connection (no database yet) the ledger is empty.
   */
  async replan(conn: Kysely<any> | undefined, dialect: MigrationDialect | undefined): Promise<void> {
    const active = this.#states.filter((state) => !state.done)
    const rows =
      conn && dialect
        ? await readPlanRows(
            conn,
            dialect,
            active.map((state) => state.target.skill),
          )
        : []
    const bySkill = new Map<string, PlanLedgerRow[]>()
    for (const row of rows) {
      const skillRows = bySkill.get(row.skill)
      if (skillRows) skillRows.push(row)
      else bySkill.set(row.skill, [row])
    }
    for (const state of active) {
      const { target } = state
      const skillRows = bySkill.get(target.skill) ?? []
      state.typesPending = skillRows.some((row) => row.typesPending)
      state.plan = planSkill({
        skill: target.skill,
        dir: target.dir,
        files: target.folder.files,
        folderProblems: target.folder.problems,
        rows: skillRows,
        checksumOf: (file) => cachedChecksum(file.path, this.options.maxFileBytes, target.skill),
        allowMissing: this.options.allowMissing,
        allowOutOfOrder: this.options.allowOutOfOrder,
        toVersion: target.toVersion,
      })
      state.cursor = 0
      state.problems = state.plan.problems
      if (state.plan.problems.length > 0) this.#stop(state, state.plan.problems[0] as GloriousMigrateError, undefined)
    }
  }

  /** The next pending migration, skills in the order given. */
  next(): Step | undefined {
    for (const state of this.#states) {
      const file = state.done ? undefined : state.plan?.pending[state.cursor]
      if (file) return { skill: state.target.skill, file }
    }
    return undefined
  }

  /**
   * The next `count` steps if each succeeds, `next()` first: what a run may send together or
   * read ahead while it waits.
   */
  upcoming(count: number): Step[] {
    const steps: Step[] = []
    for (const state of this.#states) {
      if (state.done) continue
      const pending = state.plan?.pending ?? []
      for (let i = state.cursor; i < pending.length && steps.length < count; i++) {
        steps.push({ skill: state.target.skill, file: pending[i]! })
      }
      if (steps.length === count) break
    }
    return steps
  }

  /** The ledger row of a step that started in an earlier run and did not finish (MySQL), if any. */
  unfinished(step: Step): LedgerRow | undefined {
    const row = this.#bySkill.get(step.skill)?.plan?.unfinished.get(step.file.version)
    return row?.status === 'applied' ? undefined : row
  }

  /** How many migrations are still to run. */
  pendingCount(): number {
    return this.#states.reduce(
      (sum, state) => sum + (state.done ? 0 : (state.plan?.pending.length ?? 0) - state.cursor),
      0,
    )
  }

  /** Migrations applied (or tentatively applied in an open transaction) so far in this run. */
  get done(): number {
    return this.#done
  }

  /**
   * Reads and prepares a step's file (once; kept until it has run), or stops its skill with the
   * reason and returns `undefined`.
   */
  prepare(dialect: MigrationDialect, step: Step): PreparedMigration | undefined {
    const cached = this.#prepared.get(step.file.path)
    if (cached) return cached
    try {
      const migration = prepareMigration(dialect, step.skill, step.file, this.options.maxFileBytes)
      this.#prepared.set(step.file.path, migration)
      return migration
    } catch (error) {
      this.fail(step, error instanceof GloriousMigrateError ? error : UnexpectedError.from(error))
      return undefined
    }
  }

  /**
   * Prepares a step ahead of its turn (while the database works on the one before), keeping it
   * for {@link prepare}. A file that cannot be prepared is left alone (`undefined`): its turn
   * reports why.
   */
  prepareAhead(dialect: MigrationDialect, step: Step): PreparedMigration | undefined {
    const cached = this.#prepared.get(step.file.path)
    if (cached) return cached
    try {
      const migration = prepareMigration(dialect, step.skill, step.file, this.options.maxFileBytes)
      this.#prepared.set(step.file.path, migration)
      return migration
    } catch {
      return undefined // reported when the step's turn comes
    }
  }

  /** The step ran (its transaction may still be open): the skill moves on. */
  advance(step: Step, applied: AppliedMigration): void {
    const state = this.#state(step)
    state.cursor++
    this.#done++
    this.#prepared.delete(step.file.path)
    this.options.onProgress?.({ done: this.#done, total: this.#done + this.pendingCount(), migration: applied })
  }

  /** The transaction holding these steps was rolled back: their skills go back to them. */
  undo(steps: readonly Step[]): void {
    for (const step of steps) {
      this.#state(step).cursor--
      this.#done--
    }
  }

  /** The steps' transaction committed: they are applied. */
  commit(applied: readonly AppliedMigration[]): void {
    for (const migration of applied) this.#bySkill.get(migration.skill)?.applied.push(migration)
  }

  /** Notes for the user from a migration that ran. */
  warn(step: Step, warnings: readonly string[]): void {
    this.#state(step).warnings.push(...warnings)
  }

  /** The step failed: its skill stops with this error. */
  fail(step: Step, error: GloriousMigrateError): void {
    // Its file, and any of its later files read ahead: the skill runs nothing more.
    for (const [path, migration] of this.#prepared) if (migration.skill === step.skill) this.#prepared.delete(path)
    this.#stop(this.#state(step), error, step.file)
  }

  /** The report of the run; `fatal` is an error that stopped the whole run. */
  finish(fatal: GloriousMigrateError | undefined): RunReport {
    const skills = this.#states.map((state): SkillRunResult => {
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

  #state(step: Step): SkillState {
    const state = this.#bySkill.get(step.skill)
    if (!state) throw new Error(`internal: no skill ${step.skill} in this run`)
    return state
  }

  #stop(state: SkillState, error: GloriousMigrateError, failed: MigrationFileRef | undefined): void {
    state.error ??= error
    if (!state.problems.includes(error)) state.problems = [...state.problems, error]
    state.failed ??= failed
    state.done = true
  }
}
