import { resolve } from 'node:path'
import type { DatabaseOptions } from './connection/database-options.js'
import type {
  DialectCapabilities,
  MigrationDialect,
  PlannedLock,
  SqlStatement,
  TransactionMode,
} from './dialects/dialect.js'
import { connectorOf } from './connection/open-database.js'
import type { GloriousMigrateError } from './errors.js'
import { assertSkillName } from './files/skill-name.js'
import { SessionHolder } from './connection/session-holder.js'
import { type LedgerRow, readLedger } from './ledger/ledger.js'
import { planSkillFolder } from './runner/plan-folder.js'
import { type PreparedMigration, prepareMigration } from './runner/prepared-migration.js'
import { type ApplyOptions, runOptions } from './runner/run-options.js'
import { describeStrategy } from './runner/strategy-description.js'

export type { PlannedLock } from './dialects/dialect.js'

/** One statement of a migration a run would apply. */
export interface PlannedStatement {
  /** 1-based position in its file. */
  readonly index: number
  /** 1-based line of its first token. */
  readonly line: number
  /** Its first line, spacing collapsed, shortened to {@link SUMMARY_LENGTH} characters. */
  readonly summary: string
  /** The locks it takes and what they block (empty when it takes none worth showing, or they are not known). */
  readonly locks: readonly PlannedLock[]
  /** What the locks leave out, or why they are unknown. */
  readonly lockNote: string | undefined
  /** It commits implicitly (MySQL DDL), when the engine does that at all. */
  readonly commitsImplicitly: boolean | undefined
}

/** Longest statement summary in a plan. */
export const SUMMARY_LENGTH = 60

/** A migration a run would apply. */
export interface DryRunMigration {
  readonly skill: string
  readonly version: number
  readonly filename: string
  readonly path: string
  readonly statements: number
  readonly mode: TransactionMode
  /** The runner's strategy for the engine (`transactional-batch`, `per-migration-transaction`, `statement-progress`). */
  readonly strategy: DialectCapabilities['runStrategy']
  /** How it runs, in words: atomic or not, in which transaction, how long its locks are held. */
  readonly transaction: string
  /** Its statements, with the locks each takes. */
  readonly steps: readonly PlannedStatement[]
  readonly checksum: string
  readonly warnings: readonly string[]
}

export interface DryRunOptions {
  /** Describe the locks each statement takes (default); `false` skips it (and any parser it loads). */
  readonly locks?: boolean
}

export interface DryRunPlan {
  /** What would run, in order. */
  readonly migrations: readonly DryRunMigration[]
  /** What would stop skills (checksum mismatches, bad files, …). */
  readonly problems: readonly GloriousMigrateError[]
  /** Locks held for the whole run whatever the statements (SQLite: the database write lock); empty when nothing would run. */
  readonly runLocks: readonly PlannedLock[]
  /** Notes about the locks (how waiting works, a parser that is not installed, …), each once. */
  readonly lockNotes: readonly string[]
}

/**
 * What `run` would do, without changing anything: the pending migrations in order with their
 * statement counts and transaction modes, and the problems that would stop a skill. Never
 * creates the database.
 */
export async function planDryRun(
  skills: readonly { readonly name: string; readonly migrationsDir: string; readonly toVersion?: number | undefined }[],
  options: DatabaseOptions & ApplyOptions & DryRunOptions = {},
): Promise<DryRunPlan> {
  const sessions = new SessionHolder(options)
  try {
    const settings = runOptions(options)
    const session = await sessions.readable()
    const dialect = session?.dialect ?? (await connectorOf(options)).dialect
    const rows: readonly LedgerRow[] = session ? await readLedger(session.db, session.dialect) : []
    const migrations: DryRunMigration[] = []
    const problems: GloriousMigrateError[] = []
    const runLocks = new Map<string, PlannedLock>()
    const lockNotes = new Set<string>()
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
          const locks = options.locks === false ? undefined : await lockPlan(dialect, migration.statements)
          for (const lock of locks?.run ?? []) runLocks.set(`${lock.mode}\0${lock.on ?? ''}`, lock)
          for (const note of locks?.notes ?? []) lockNotes.add(note)
          const how = describeStrategy(dialect.capabilities, migration.analysis, migration.noTransaction)
          migrations.push(
            Object.freeze({
              skill: name,
              version: file.version,
              filename: file.filename,
              path: file.path,
              statements: migration.statements.length,
              mode: migration.analysis.mode,
              strategy: how.strategy,
              transaction: how.description,
              steps: plannedStatements(migration, locks),
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
    return Object.freeze({
      migrations: Object.freeze(migrations),
      problems: Object.freeze(problems),
      runLocks: Object.freeze([...runLocks.values()]),
      lockNotes: Object.freeze([...lockNotes]),
    })
  } finally {
    await sessions.close()
  }
}

type Locks = Awaited<ReturnType<NonNullable<MigrationDialect['describeLocks']>>>

async function lockPlan(dialect: MigrationDialect, statements: readonly SqlStatement[]): Promise<Locks | undefined> {
  return dialect.describeLocks ? await dialect.describeLocks(statements) : undefined
}

function plannedStatements(migration: PreparedMigration, locks: Locks | undefined): readonly PlannedStatement[] {
  return Object.freeze(
    migration.statements.map((statement, i) =>
      Object.freeze({
        index: statement.index,
        line: statement.line,
        summary: summarize(statement.sql),
        locks: locks?.statements[i] ?? [],
        lockNote: locks?.statementNotes[i],
        commitsImplicitly: migration.analysis.implicitCommits?.[i],
      }),
    ),
  )
}

/** A statement's first line, spacing collapsed, at most {@link SUMMARY_LENGTH} characters. */
export function summarize(sql: string): string {
  const first = (sql.split(/\r?\n/, 1)[0] ?? '').replace(/\s+/g, ' ').trim()
  return first.length <= SUMMARY_LENGTH ? first : `${first.slice(0, SUMMARY_LENGTH - 1)}…`
}
