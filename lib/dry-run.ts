import { resolve } from 'node:path'
import type { DatabaseOptions } from './connection/database-options.js'
import type { TransactionMode } from './dialects/dialect.js'
import { connectorOf } from './connection/open-database.js'
import type { GloriousMigrateError } from './errors.js'
import { assertSkillName } from './files/skill-name.js'
import { SessionHolder } from './connection/session-holder.js'
import { type LedgerRow, readLedger } from './ledger/ledger.js'
import { planSkillFolder } from './runner/plan-folder.js'
import { prepareMigration } from './runner/prepared-migration.js'
import { type ApplyOptions, runOptions } from './runner/run-options.js'

/** A migration a run would apply. */
export interface DryRunMigration {
  readonly skill: string
  readonly version: number
  readonly filename: string
  readonly path: string
  readonly statements: number
  readonly mode: TransactionMode
  readonly checksum: string
  readonly warnings: readonly string[]
}

export interface DryRunPlan {
  /** What would run, in order. */
  readonly migrations: readonly DryRunMigration[]
  /** What would stop skills (checksum mismatches, bad files, …). */
  readonly problems: readonly GloriousMigrateError[]
}

/**
 * What `run` would do, without changing anything: the pending migrations in order with their
 * statement counts and transaction modes, and the problems that would stop a skill. Never
 * creates the database.
 */
export async function planDryRun(
  skills: readonly { readonly name: string; readonly migrationsDir: string; readonly toVersion?: number | undefined }[],
  options: DatabaseOptions & ApplyOptions = {},
): Promise<DryRunPlan> {
  const sessions = new SessionHolder(options)
  try {
    const settings = runOptions(options)
    const session = await sessions.readable()
    const dialect = session?.dialect ?? (await connectorOf(options)).dialect
    const rows: readonly LedgerRow[] = session ? await readLedger(session.db, session.dialect) : []
    const migrations: DryRunMigration[] = []
    const problems: GloriousMigrateError[] = []
    for (const skill of skills) {
      const name = assertSkillName(skill.name)
      const dir = resolve(skill.migrationsDir)
      const plan = planSkillFolder({
        skill: name,
        dir,
        rows: rows.filter((row) => row.skill === name),
        maxFileBytes: settings.maxFileBytes,
        allowMissing: settings.allowMissing,
        allowOutOfOrder: settings.allowOutOfOrder,
        toVersion: skill.toVersion,
      })
      problems.push(...plan.problems)
      for (const file of plan.pending) {
        try {
          const migration = prepareMigration(dialect, name, file, settings.maxFileBytes)
          migrations.push(
            Object.freeze({
              skill: name,
              version: file.version,
              filename: file.filename,
              path: file.path,
              statements: migration.statements.length,
              mode: migration.analysis.mode,
              checksum: migration.checksum,
              warnings: migration.warnings,
            }),
          )
        } catch (error) {
          problems.push(error as GloriousMigrateError)
          break // a real run stops the skill at its first failure
        }
      }
    }
    return Object.freeze({ migrations: Object.freeze(migrations), problems: Object.freeze(problems) })
  } finally {
    await sessions.close()
  }
}
