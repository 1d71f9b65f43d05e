import { resolve } from 'node:path'
import type { DatabaseOptions } from './connection/database-options.js'
import { GloriousMigrateError, InvalidOptionError, UnexpectedError } from './errors.js'
import { listMigrationFolder } from './files/migration-folder.js'
import { skillAt } from './files/skill.js'
import { assertSkillName } from './files/skill-name.js'
import { SessionHolder } from './connection/session-holder.js'
import { readLedger } from './ledger/ledger.js'
import type { MigrationInfo } from './runner/plan.js'
import { planSkillFolder } from './runner/plan-folder.js'
import { type RollbackOptions, type RollbackResult, rollbackSkill } from './runner/rollback.js'
import { type ApplyOptions, runOptions } from './runner/run-options.js'
import { type AppliedMigration, type RunReport, runMigrations } from './runner/run-migrations.js'
import { type AfterRunOptions, type AfterRunResult, type GeneratedTypesFile, afterRun } from './after-run.js'

const NOTHING_AFTER: AfterRunResult = Object.freeze({ types: [], warnings: [] })

export interface MigratorOptions extends DatabaseOptions, ApplyOptions, AfterRunOptions {
  /** The skill's name: its key in the ledger. */
  readonly skill: string
  /** The skill's `migrations/` folder. */
  readonly migrationsDir: string
}

/** One migration's outcome, shaped like Kysely's `MigrationResult`. */
export interface MigrationResult {
  /** The file name without `.sql` (as the {@link SqlFileMigrationProvider} names it). */
  readonly migrationName: string
  readonly direction: 'Up'
  readonly status: 'Success' | 'Error' | 'NotExecuted'
  readonly skill: string
  readonly version: number
  readonly filename: string
  readonly durationMs: number | undefined
}

/**
 * What a migration run did, shaped like Kysely's `MigrationResultSet` (`{ error, results }`),
 * plus the applied migrations in detail and warnings worth showing.
 */
export interface MigrationResultSet {
  readonly error: GloriousMigrateError | undefined
  readonly results: readonly MigrationResult[]
  readonly applied: readonly AppliedMigration[]
  readonly warnings: readonly string[]
  /** The `db-types.ts` files generated after the run (empty when nothing was applied). */
  readonly types: readonly GeneratedTypesFile[]
  /**
   * Why the types could not be generated (e.g. `db-types.ts` is not writable), also shown among
   * `warnings`. The migrations stay applied; the CLI's `run --strict` makes this an error.
   */
  readonly typesError: GloriousMigrateError | undefined
}

export interface Migrator {
  /** Applies every pending migration. Never throws: problems are in `error`. */
  migrateToLatest(): Promise<MigrationResultSet>
  /** Applies pending migrations up to and including `version`. Never throws. */
  migrateTo(version: number): Promise<MigrationResultSet>
  /** Every migration of the skill with its status, from the files and the ledger. */
  getMigrations(): Promise<readonly MigrationInfo[]>
  /** Removes ledger rows (never schema): `{ to: 3 }` keeps 1-3, `{ steps: 1 }` removes the newest. */
  rollback(options?: RollbackOptions): Promise<RollbackResult>
  /** Closes the database if the migrator opened it. */
  destroy(): Promise<void>
}

/**
 * Creates a migrator for one skill's migrations folder.
 *
 * @example
 * ```ts
 * const migrator = createMigrator({ database: '/path/agent.db', skill: 'notes', migrationsDir: '/path/src/notes/migrations' })
 * const { error, results } = await migrator.migrateToLatest()
 * if (error) console.error(error.message)
 * await migrator.destroy()
 * ```
 */
export function createMigrator(options: MigratorOptions): Migrator {
  const skill = assertSkillName(options.skill)
  const dir = resolve(options.migrationsDir)
  const sessions = new SessionHolder(options)

  const migrate = async (toVersion: number | undefined): Promise<MigrationResultSet> => {
    try {
      // The folder was named explicitly: a mistyped path is an error, never "nothing to do".
      skillAt(skill, dir, 'migrationsDir')
      const folder = listMigrationFolder(dir, skill)
      if (toVersion !== undefined)
        checkTarget(
          toVersion,
          folder.files.map((file) => file.version),
        )
      const report = await runMigrations(sessions, [{ skill, dir, folder, toVersion }], runOptions(options))
      const after = await afterRun(sessions, report, [{ skill, dir }], options)
      return resultSet(report, after)
    } catch (error) {
      return resultSet(failedReport(skill, error))
    }
  }

  return Object.freeze({
    migrateToLatest: () => migrate(undefined),
    migrateTo: (version: number) => migrate(version),
    async getMigrations() {
      skillAt(skill, dir, 'migrationsDir')
      const session = await sessions.readable()
      const rows = session ? await readLedger(session.db, session.dialect, [skill]) : []
      const { maxFileBytes, allowMissing, allowOutOfOrder } = runOptions(options)
      return planSkillFolder({ skill, dir, rows, maxFileBytes, allowMissing, allowOutOfOrder, checksumPending: true })
        .migrations
    },
    async rollback(rollbackOptions: RollbackOptions = {}) {
      return rollbackSkill(await sessions.writable(), skill, rollbackOptions, options.lockTimeoutMs)
    },
    destroy: () => sessions.close(),
  })
}

function checkTarget(version: number, versions: readonly number[]): void {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new InvalidOptionError(`migrateTo needs a version number ≥ 1, got ${version}`)
  }
  if (!versions.includes(version)) {
    throw new InvalidOptionError(
      `there is no migration with version ${version}: pick one of ${versions.join(', ') || '(none)'}`,
    )
  }
}

/** Turns a run report into Kysely-shaped results. */
export function resultSet(report: RunReport, after: AfterRunResult = NOTHING_AFTER): MigrationResultSet {
  const results: MigrationResult[] = []
  const applied: AppliedMigration[] = []
  const warnings: string[] = []
  for (const skill of report.skills) {
    for (const migration of skill.applied) {
      applied.push(migration)
      results.push(result(skill.skill, migration.version, migration.filename, 'Success', migration.durationMs))
    }
    if (skill.failed) results.push(result(skill.skill, skill.failed.version, skill.failed.filename, 'Error', undefined))
    for (const file of skill.notExecuted)
      results.push(result(skill.skill, file.version, file.filename, 'NotExecuted', undefined))
    warnings.push(...skill.warnings)
  }
  warnings.push(...after.warnings)
  return Object.freeze({
    error: report.error,
    results: Object.freeze(results),
    applied: Object.freeze(applied),
    warnings: Object.freeze(warnings),
    types: after.types,
    typesError: after.typesError,
  })
}

function result(
  skill: string,
  version: number,
  filename: string,
  status: MigrationResult['status'],
  durationMs: number | undefined,
): MigrationResult {
  return Object.freeze({
    migrationName: filename.replace(/\.sql$/i, ''),
    direction: 'Up',
    status,
    skill,
    version,
    filename,
    durationMs,
  })
}

/** A report for a run that could not start (bad option, database that cannot be opened). */
export function failedReport(skill: string, error: unknown): RunReport {
  const problem = asMigrateError(error)
  return {
    error: problem,
    skills: [
      {
        skill,
        applied: [],
        failed: undefined,
        notExecuted: [],
        error: problem,
        problems: [problem],
        warnings: [],
        typesPending: false,
      },
    ],
  }
}

export function asMigrateError(error: unknown): GloriousMigrateError {
  return error instanceof GloriousMigrateError ? error : UnexpectedError.from(error)
}
