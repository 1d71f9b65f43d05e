import { resolve } from 'node:path'
import { type DatabaseOptions, resolveDatabaseTarget } from '../connection/database-options.js'
import { SessionHolder } from '../connection/session-holder.js'
import type { DatabaseSession } from '../connection/session.js'
import type { EngineName } from '../dialects/dialect.js'
import { DatabaseError, InvalidOptionError } from '../errors.js'
import { DEFAULT_MAX_FILE_BYTES } from '../files/migration-source.js'
import { type LedgerRow, readLedger } from '../ledger/ledger.js'
import type { SkillMigrations } from '../skills.js'
import type { LintFinding, LintRuleInfo } from './finding.js'
import { type LintResult, lintTargets } from './lint-files.js'
import { ruleSetFor } from './rule-sets.js'
import { DEFAULT_STATEMENT_LOCK_TIMEOUT_MS } from '../connection/database-options.js'

export interface LintOptions extends DatabaseOptions {
  readonly skills: readonly SkillMigrations[]
  /** Only this skill. */
  readonly skill?: string | undefined
  /**
   * The SQL dialect of the files. Default: the engine of the database (`database`, a URL's
   * scheme), else SQLite. Giving one that differs from a named database's engine is an error.
   */
  readonly engine?: EngineName | undefined
  /** Findings are errors (`severity: 'error'`) instead of warnings. */
  readonly strict?: boolean | undefined
  /**
   * `all` (default): every migration file; `pending`: only files the database has not applied
   * (an applied file can no longer change: its risks are history).
   */
  readonly only?: 'all' | 'pending' | undefined
  readonly maxFileBytes?: number | undefined
}

export interface LintReport {
  readonly engine: EngineName
  readonly findings: readonly LintFinding[]
  /** Files that could not be read or split, so were not linted. */
  readonly problems: LintResult['problems']
  readonly notes: readonly string[]
  readonly skills: number
  /** Migration files linted. */
  readonly migrations: number
  /** Whether the database was read (for the rules that need it, and to tell pending files). */
  readonly databaseChecked: boolean
  /** The rules that ran. */
  readonly rules: readonly LintRuleInfo[]
  /** Rules that did not run, and why (a rule that needs the database, without one). */
  readonly skippedRules: readonly { readonly id: string; readonly reason: string }[]
}

/**
 * Lints migration files for statements that are risky to run: each finding has a rule id, the
 * file, line and statement, why it is risky and the safer way. A `-- glorious:allow <rule-id>`
 * comment on the statement (inside it, or just above it) or before the file's first statement
 * silences that rule there. Reads files and (read-only) the database; changes nothing.
 *
 * @example
 * ```ts
 * const report = await lintMigrations({ skills: [{ name: 'notes', migrationsDir }], engine: 'sqlite' })
 * for (const f of report.findings) console.log(`${f.file}:${f.line}: ${f.ruleId}: ${f.message} — ${f.hint}`)
 * ```
 *
 * @throws {InvalidOptionError} when `engine` contradicts the database's engine.
 * @throws {DatabaseError} when a database named by the options does not exist.
 */
export async function lintMigrations(options: LintOptions): Promise<LintReport> {
  const target = resolveDatabaseTarget(options)
  const named = target.kind !== 'file' || !target.isDefault
  if (options.engine !== undefined && named && target.engine !== undefined && target.engine !== options.engine) {
    throw new InvalidOptionError(
      `--engine ${options.engine} contradicts the database ${target.label} (${target.engine}): give one of them`,
    )
  }
  const engine = options.engine ?? target.engine ?? 'sqlite'
  // The default SQLite database is read only when the files are SQLite too.
  const useDatabase = named || target.engine === engine
  const sessions = new SessionHolder(options)
  try {
    const session = useDatabase ? await sessions.readable() : undefined
    if (useDatabase && !session && named) {
      throw new DatabaseError(
        target.label,
        'does not exist',
        'check --db / --url (lint reads it to tell pending files and for the rules that need it), or lint without it',
      )
    }
    const skills = options.skills.filter((skill) => options.skill === undefined || skill.name === options.skill)
    const result = await lintWith(session, {
      engine,
      skills,
      strict: options.strict ?? false,
      only: options.only ?? 'all',
      maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
      statementLockTimeoutMs: options.statementLockTimeoutMs ?? DEFAULT_STATEMENT_LOCK_TIMEOUT_MS,
    })
    return result
  } finally {
    await sessions.close()
  }
}

/** What {@link lintWith} needs besides the session. */
export interface LintWithOptions {
  readonly engine: EngineName
  readonly skills: readonly SkillMigrations[]
  readonly strict: boolean
  readonly only: 'all' | 'pending'
  readonly maxFileBytes: number
  readonly statementLockTimeoutMs: number
  /** The ledger, when the caller read it already. */
  readonly rows?: readonly LedgerRow[] | undefined
}

/** Lints with an open session (or none): what `lintMigrations` and `verifyMigrations` share. */
export async function lintWith(session: DatabaseSession | undefined, options: LintWithOptions): Promise<LintReport> {
  const ruleSet = await ruleSetFor(options.engine)
  await ruleSet.load?.()
  const sameEngine = session !== undefined && session.dialect.name === options.engine
  const rows =
    options.rows ??
    (session
      ? await readLedger(session.db, session.dialect).catch((error) => {
          throw session.dialect.describeError(error, session.label, 0) ?? error
        })
      : [])
  const database = sameEngine && ruleSet.readDatabase ? await ruleSet.readDatabase(session) : undefined
  const result = lintTargets(
    options.skills.map((skill) => ({ skill: skill.name, dir: resolve(skill.migrationsDir) })),
    {
      ruleSet,
      context: { statementLockTimeoutMs: options.statementLockTimeoutMs, database },
      strict: options.strict,
      maxFileBytes: options.maxFileBytes,
      only: options.only,
      rows,
    },
  )
  return Object.freeze({
    engine: options.engine,
    findings: result.findings,
    problems: result.problems,
    notes: result.notes,
    skills: options.skills.length,
    migrations: result.files,
    databaseChecked: session !== undefined,
    rules: result.rules,
    skippedRules: result.skippedRules,
  })
}
