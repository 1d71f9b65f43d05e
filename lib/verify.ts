import { type DatabaseOptions, resolveDatabaseTarget } from './connection/database-options.js'
import { DatabaseError, type GloriousMigrateError } from './errors.js'
import { DEFAULT_MAX_FILE_BYTES } from './files/migration-source.js'
import { connectorOf } from './connection/open-database.js'
import { SessionHolder } from './connection/session-holder.js'
import { type LedgerRow, readLedger } from './ledger/ledger.js'
import { recordedSkillFolders } from './ledger/recorded-folders.js'
import { planSkillFolder } from './runner/plan-folder.js'
import { prepareMigration } from './runner/prepared-migration.js'
import type { SkillMigrations } from './skills.js'
import { type LintReport, lintWith } from './lint/lint-migrations.js'
import { LintParserMissingError } from './lint/lint-errors.js'
import { DEFAULT_STATEMENT_LOCK_TIMEOUT_MS } from './connection/database-options.js'

export interface VerifyOptions extends DatabaseOptions {
  /** Skills found on disk. Skills of the ledger migrated from a folder that still exists are checked too. */
  readonly skills: readonly SkillMigrations[]
  /** Only this skill. */
  readonly skill?: string | undefined
  readonly maxFileBytes?: number | undefined
  readonly allowMissing?: boolean | undefined
  readonly allowOutOfOrder?: boolean | undefined
  /** Lint the pending files too (default `true`); see `lintMigrations`. */
  readonly lint?: boolean | undefined
  /** Lint findings are errors (`severity: 'error'`): CI should fail on them. */
  readonly strict?: boolean | undefined
}

export interface VerifyReport {
  /** Every problem found, in skill order. Empty means all good. */
  readonly problems: readonly GloriousMigrateError[]
  readonly skills: number
  readonly migrations: number
  /** Whether a database was compared; without one only the files are checked. */
  readonly databaseChecked: boolean
  readonly warnings: readonly string[]
  /**
   * What lint found in the pending files (the applied ones can no longer change), or `undefined`
   * when it was not asked for or could not run (a warning says why). Findings are not problems:
   * with `strict` they carry `severity: 'error'` and a CI should fail on them.
   */
  readonly lint: LintReport | undefined
}

/**
 * Checks migration files against the ledger without applying anything: names, duplicate
 * versions, checksums of applied files, missing files, out-of-order files, and that every pending
 * file is readable, splits into statements and uses nothing the runner would refuse. Made for CI.
 * Read-only. When the default database does not exist yet, only the files are checked (and a
 * warning says so); a database named by `database` or `GLORIOUS_DB` must exist.
 *
 * @throws {DatabaseError} when a named database does not exist or cannot be read.
 */
export async function verifyMigrations(options: VerifyOptions): Promise<VerifyReport> {
  const sessions = new SessionHolder(options)
  try {
    const session = await sessions.readable()
    const target = resolveDatabaseTarget(options)
    if (!session && !(target.kind === 'file' && target.isDefault)) {
      // A database the user named must be there: checking only the files would be a false pass.
      throw new DatabaseError(
        target.label,
        'does not exist',
        `check ${target.kind === 'url' ? '--url / GLORIOUS_DATABASE_URL' : '--db / GLORIOUS_DB'} (verify compares the files with it)`,
      )
    }
    const rows: readonly LedgerRow[] = session
      ? await readLedger(session.db, session.dialect).catch((error) => {
          throw session.dialect.describeError(error, session.label, 0) ?? error
        })
      : []
    const dialect = session?.dialect ?? (await connectorOf(options)).dialect
    const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES
    const problems: GloriousMigrateError[] = []
    let migrations = 0
    const skills = [...options.skills, ...recordedSkillFolders(rows, options.skills)].filter(
      (skill) => options.skill === undefined || skill.name === options.skill,
    )
    for (const skill of skills) {
      const plan = planSkillFolder({
        skill: skill.name,
        dir: skill.migrationsDir,
        rows: rows.filter((row) => row.skill === skill.name),
        maxFileBytes,
        allowMissing: options.allowMissing,
        allowOutOfOrder: options.allowOutOfOrder,
      })
      const { folder } = plan
      migrations += plan.migrations.length
      problems.push(...plan.problems)
      for (const migration of plan.migrations) {
        if (migration.status !== 'pending' && migration.status !== 'out-of-order') continue
        const file = folder.files.find((candidate) => candidate.version === migration.version)
        if (!file) continue
        try {
          prepareMigration(dialect, skill.name, file, maxFileBytes)
        } catch (error) {
          problems.push(error as GloriousMigrateError)
        }
      }
    }
    const warnings = session
      ? []
      : [`database ${resolveDatabaseTarget(options).label} does not exist: only the files were checked`]
    let lint: LintReport | undefined
    if (options.lint ?? true) {
      try {
        const linted = await lintWith(session, {
          engine: dialect.name,
          skills,
          strict: options.strict ?? false,
          only: 'pending',
          maxFileBytes,
          statementLockTimeoutMs: options.statementLockTimeoutMs ?? DEFAULT_STATEMENT_LOCK_TIMEOUT_MS,
          rows,
        })
        // A file verify already reports (refused, unreadable) is not reported twice.
        const reported = new Set(problems.map((problem) => problem.file))
        lint = { ...linted, findings: linted.findings.filter((finding) => !reported.has(finding.file)) }
      } catch (error) {
        if (!(error instanceof LintParserMissingError)) throw error
        warnings.push(`lint skipped: ${error.message}`)
      }
    }
    return Object.freeze({
      problems,
      skills: skills.length,
      migrations,
      databaseChecked: session !== undefined,
      warnings,
      lint,
    })
  } finally {
    await sessions.close()
  }
}
