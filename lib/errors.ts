/**
 * Every problem glorious-migrate reports is one of these classes. Each carries the facts as
 * fields (skill, file, line, …) and a one-line message that says what happened, where, and what
 * to do next. All wording lives in this file; the CLI only decides how to print it.
 *
 * @example
 * ```ts
 * const { error } = await migrator.migrateToLatest()
 * if (error instanceof ChecksumMismatchError) console.error(error.file, error.recorded, error.current)
 * ```
 */
export abstract class GloriousMigrateError extends Error {
  /** A stable, machine-readable identifier (used in `--json` output). */
  abstract readonly code: string
  /** The skill concerned, when there is one. */
  readonly skill: string | undefined
  /** The file concerned (absolute path), when there is one. */
  readonly file: string | undefined

  constructor(message: string, facts: { skill?: string | undefined; file?: string | undefined; cause?: unknown } = {}) {
    super(message, facts.cause === undefined ? undefined : { cause: facts.cause })
    this.name = new.target.name
    this.skill = facts.skill
    this.file = facts.file
  }
}

const MIGRATION_NAME_PATTERN =
  '{version}_{description}.sql (version: digits, not 0; description: letters, digits, _ and -)'

/** A `.sql` file in a migrations folder whose name does not follow the convention. */
export class InvalidMigrationNameError extends GloriousMigrateError {
  readonly code = 'invalid-migration-name'
  readonly expected = MIGRATION_NAME_PATTERN
  constructor(
    readonly filename: string,
    file: string,
    readonly reason: string,
    skill?: string,
  ) {
    super(
      `${where(skill)}migration file name "${filename}" is invalid (${reason}): rename it to ${MIGRATION_NAME_PATTERN}`,
      { skill, file },
    )
  }
}

/** Two files of one skill carry the same version number (`001_a.sql` and `1_b.sql` count as the same). */
export class DuplicateVersionError extends GloriousMigrateError {
  readonly code = 'duplicate-version'
  constructor(
    readonly version: number,
    readonly filenames: readonly [string, string],
    file: string,
    skill?: string,
  ) {
    super(
      `${where(skill)}migration files "${filenames[0]}" and "${filenames[1]}" both have version ${version}: renumber one of them`,
      { skill, file },
    )
  }
}

/** A migration file that cannot be read as SQL text: unreadable, binary, not UTF-8, or too large. */
export class MigrationFileError extends GloriousMigrateError {
  readonly code = 'unreadable-migration-file'
  constructor(
    readonly filename: string,
    file: string,
    readonly reason: string,
    readonly hint: string,
    skill?: string,
    cause?: unknown,
  ) {
    super(`${where(skill)}migration file "${filename}" ${reason}: ${hint}`, { skill, file, cause })
  }
}

/** The SQL text of a migration cannot be split into complete statements. */
export class SqlSyntaxError extends GloriousMigrateError {
  readonly code = 'sql-syntax'
  constructor(
    readonly filename: string,
    file: string,
    readonly line: number,
    readonly reason: string,
    skill?: string,
  ) {
    super(`${where(skill)}migration "${filename}" line ${line}: ${reason}: fix the file`, { skill, file })
  }
}

/** A migration contains a statement that the toolkit refuses to run where it stands. */
export class ForbiddenStatementError extends GloriousMigrateError {
  readonly code = 'forbidden-statement'
  constructor(
    readonly filename: string,
    file: string,
    readonly statementIndex: number,
    readonly line: number,
    readonly reason: string,
    readonly hint: string,
    skill?: string,
  ) {
    super(`${where(skill)}migration "${filename}" statement ${statementIndex} (line ${line}) ${reason}: ${hint}`, {
      skill,
      file,
    })
  }
}

/** An applied migration file was edited after it ran. The wording of the first sentence is part of the contract. */
export class ChecksumMismatchError extends GloriousMigrateError {
  readonly code = 'checksum-mismatch'
  constructor(
    skill: string,
    readonly filename: string,
    file: string,
    readonly recorded: string,
    readonly current: string,
  ) {
    super(
      `Migration checksum mismatch! Do not modify applied migrations. ` +
        `Skill "${skill}", file "${filename}": recorded ${recorded}, file now ${current}. ` +
        `Revert the file to its applied content, or put the change in a new migration; ` +
        `if the edit is deliberate (a comment, a fix of a migration that already did its work), ` +
        `record it with "glorious migrate accept ${skill} ${versionOf(filename)}".`,
      { skill, file },
    )
  }
}

/** The version a migration file name starts with, as the CLI takes it (`007_x.sql` → 7). */
function versionOf(filename: string): string {
  const digits = /^\d+/.exec(filename)?.[0]
  return digits === undefined ? filename : String(BigInt(digits))
}

/** The ledger records a migration whose file is gone. */
export class MissingMigrationFileError extends GloriousMigrateError {
  readonly code = 'missing-file'
  constructor(
    skill: string,
    readonly version: number,
    readonly filename: string,
    file: string,
  ) {
    super(
      `${where(skill)}applied migration "${filename}" (version ${version}) is missing from ${dirOf(file)}: ` +
        `restore the file, or pass allowMissing (--allow-missing) to proceed without it`,
      { skill, file },
    )
  }
}

/** A pending migration has a lower version than one already applied (typical after merging branches). */
export class OutOfOrderMigrationError extends GloriousMigrateError {
  readonly code = 'out-of-order'
  constructor(
    skill: string,
    readonly filename: string,
    file: string,
    readonly version: number,
    readonly highestApplied: number,
  ) {
    super(
      `${where(skill)}migration "${filename}" (version ${version}) is pending but version ${highestApplied} is already applied: ` +
        `renumber it above ${highestApplied}, or pass allowOutOfOrder (--allow-out-of-order) to apply it anyway`,
      { skill, file },
    )
  }
}

/** Where a statement of a migration file failed, and what the database said about it. */
export interface StatementFailure {
  readonly skill: string
  readonly filename: string
  /** Absolute path of the file. */
  readonly file: string
  /** 1-based position of the failing statement in the file. */
  readonly statementIndex: number
  /** 1-based line (and column, when known) in the file where the error points. */
  readonly line: number
  readonly column?: number | undefined
  /** The database's own message. */
  readonly databaseMessage: string
  /** Extra facts from the database (PostgreSQL's DETAIL and HINT, SQLSTATE). */
  readonly detail?: string | undefined
  readonly databaseHint?: string | undefined
  readonly sqlState?: string | undefined
  /**
   * Statements of the file that stayed applied: 0 inside a transaction (it was rolled back);
   * outside one, the statements before the failing one.
   */
  readonly appliedStatements: number
  /** Ran outside a transaction, so `appliedStatements` stayed applied. */
  readonly outsideTransaction: boolean
  /** Something the user must clean up by hand before a retry (an INVALID index, …). */
  readonly cleanup?: string | undefined
  /** The file's statement count, shown as "statement k of n" where progress is recorded (MySQL). */
  readonly totalStatements?: number | undefined
  /**
   * Its progress is recorded (MySQL, statement by statement): the next run resumes at the failed
   * statement once the file is fixed.
   */
  readonly resumable?: boolean | undefined
  /**
   * Server databases: the migration was rolled back because it waited too long for another
   * session's lock (or was chosen as a deadlock victim), on every one of this many attempts.
   */
  readonly lockWaitAttempts?: number | undefined
}

/** A statement of a migration failed. Inside a transaction nothing of the migration was kept. */
export class MigrationFailedError extends GloriousMigrateError {
  readonly code = 'migration-failed'
  readonly filename: string
  readonly statementIndex: number
  readonly line: number
  readonly column: number | undefined
  readonly databaseMessage: string
  readonly detail: string | undefined
  readonly databaseHint: string | undefined
  readonly sqlState: string | undefined
  readonly appliedStatements: number
  readonly outsideTransaction: boolean
  readonly cleanup: string | undefined
  /** Statements before the failure stayed applied (outside a transaction). */
  readonly partial: boolean
  /** What the constructor was given, so the runner can add facts it learns later (lock waits). */
  readonly failure: StatementFailure

  constructor(failure: StatementFailure, cause?: unknown) {
    const of = failure.totalStatements === undefined ? '' : ` of ${failure.totalStatements}`
    const at = `statement ${failure.statementIndex}${of} (line ${failure.line}${failure.column === undefined ? '' : `, column ${failure.column}`})`
    const facts = [
      failure.sqlState === undefined ? '' : ` [${failure.sqlState}]`,
      failure.detail ? ` Detail: ${sentence(failure.detail)}` : '',
      failure.databaseHint ? ` Hint: ${sentence(failure.databaseHint)}` : '',
    ].join('')
    const waits = failure.lockWaitAttempts
    const kept =
      waits !== undefined && !failure.outsideTransaction
        ? `It waited for other sessions' locks and was rolled back on each of ${waits} ${waits === 1 ? 'attempt' : 'attempts'}, so nothing of it was applied. ` +
          'The file needs no fix: run again when the tables are less busy, or allow longer waits (--statement-lock-timeout, --lock-retries).'
        : !failure.outsideTransaction
          ? 'Nothing of this migration was applied: fix the file and run again.'
          : failure.resumable && waits !== undefined
            ? `It waited for other sessions' locks on each of ${waits} attempts at statement ${failure.statementIndex}; the statements before it stay applied and recorded. ` +
              `The file needs no fix: run again when the tables are less busy (or allow longer waits: --statement-lock-timeout, --lock-retries); it resumes at statement ${failure.statementIndex}.`
            : failure.resumable
              ? `It runs statement by statement (its statements commit implicitly), and the ledger records that ${failure.appliedStatements === 0 ? 'no statement' : failure.appliedStatements === 1 ? 'statement 1' : `statements 1-${failure.appliedStatements}`} of it ${failure.appliedStatements > 1 ? 'are' : 'is'} applied: ` +
                `fix statement ${failure.statementIndex} (statements before it must stay as they are) and run again; it resumes at statement ${failure.statementIndex}.`
              : failure.appliedStatements === 0
                ? 'It ran outside a transaction; no statement of it was applied: fix the file and run again.'
                : `It ran outside a transaction, so ${failure.appliedStatements === 1 ? 'statement 1 stays' : `statements 1-${failure.appliedStatements} stay`} applied: ` +
                  'undo them by hand (or make the file safe to re-run), then fix the file and run again.'
    super(
      `${where(failure.skill)}migration "${failure.filename}" failed at ${at}: ${sentence(failure.databaseMessage)}${facts} ` +
        `${failure.cleanup ? `${sentence(failure.cleanup)} ` : ''}${kept}`,
      { skill: failure.skill, file: failure.file, cause },
    )
    this.filename = failure.filename
    this.statementIndex = failure.statementIndex
    this.line = failure.line
    this.column = failure.column
    this.databaseMessage = failure.databaseMessage
    this.detail = failure.detail
    this.databaseHint = failure.databaseHint
    this.sqlState = failure.sqlState
    this.appliedStatements = failure.appliedStatements
    this.outsideTransaction = failure.outsideTransaction
    this.cleanup = failure.cleanup
    this.partial = failure.outsideTransaction && failure.appliedStatements > 0
    this.failure = Object.freeze({ ...failure })
  }

  /** The same failure, saying that it came from lock waits on every attempt rather than from the file. */
  afterLockWaits(attempts: number): MigrationFailedError {
    return new MigrationFailedError({ ...this.failure, lockWaitAttempts: attempts }, this.cause)
  }
}

/** A migration stopped part way (MySQL) cannot resume: a statement that already ran changed in its file. */
export class ResumeRefusedError extends GloriousMigrateError {
  readonly code = 'resume-refused'
  constructor(
    skill: string,
    readonly version: number,
    readonly filename: string,
    file: string,
    readonly appliedStatements: number,
    readonly totalStatements: number,
    readonly reason: string,
  ) {
    super(
      `${where(skill)}migration "${filename}" stopped after statement ${appliedStatements} of ${totalStatements}, and ${reason}: ` +
        `statements 1-${appliedStatements} already ran and cannot run again, so put them back as they were (only later statements may change), ` +
        `or repair the database by hand and record what it holds: "glorious migrate accept ${skill} ${version} --as applied" (finished by hand) or "--as pending" (undone)`,
      { skill, file },
    )
  }
}

/** A run was interrupted while a statement ran outside a transaction, and whether it took effect cannot be told. */
export class InterruptedMigrationError extends GloriousMigrateError {
  readonly code = 'interrupted'
  constructor(
    skill: string,
    readonly version: number,
    readonly filename: string,
    file: string,
    readonly statementIndex: number,
    readonly line: number,
  ) {
    super(
      `${where(skill)}migration "${filename}" was interrupted while statement ${statementIndex} (line ${line}) ran, and whether it took effect cannot be told from the database: ` +
        `check it, then record what it holds: "glorious migrate accept ${skill} ${version} --through ${statementIndex}" if it took effect, ` +
        `"--through ${statementIndex - 1}" if not, and run again`,
      { skill, file },
    )
  }
}

/** A migration left rows that violate foreign keys (checks switched off, or deferred to COMMIT). */
export class ForeignKeyViolationError extends GloriousMigrateError {
  readonly code = 'foreign-key-violation'
  constructor(
    skill: string,
    readonly filename: string,
    file: string,
    readonly violations: readonly { table: string; rowid: number | null; parent: string; key?: string }[],
    /** Statements stayed applied (it ran outside a transaction). */
    readonly partial = false,
  ) {
    const first = violations[0]
    super(
      `${where(skill)}migration "${filename}" leaves ${violations.length} foreign key violation(s)` +
        (first
          ? ` (first: table "${first.table}" ${first.rowid === null ? `key (${(first.key ?? '?').replace(/^fk\d+:/, '')})` : `row ${first.rowid}`} → "${first.parent}")`
          : '') +
        (partial
          ? ': it ran outside a transaction, so its statements stay applied: fix the data by hand, then run again'
          : ': nothing was applied; fix the data or the migration and run again'),
      { skill, file },
    )
  }
}

/** A migration changed the toolkit's own tables (the ledger), by whatever name. */
export class ReservedTableError extends GloriousMigrateError {
  readonly code = 'forbidden-statement'
  constructor(
    skill: string,
    readonly filename: string,
    file: string,
    readonly what: string,
    readonly partial = false,
  ) {
    super(
      `${where(skill)}migration "${filename}" ${what}: migrations must not touch the toolkit's own tables (_migrations, _migration_objects, _migration_events, _migration_fingerprints); ` +
        (partial
          ? 'it ran outside a transaction, so repair the ledger from a backup, then fix the file'
          : 'nothing of it was applied: fix the file and run again'),
      { skill, file },
    )
  }
}

/** A migration ran, but the toolkit could not record it (its ledger or ownership row): nothing of it was kept. */
export class LedgerWriteError extends GloriousMigrateError {
  readonly code = 'ledger-write'
  constructor(
    skill: string,
    readonly filename: string,
    file: string,
    readonly databaseMessage: string,
    cause?: unknown,
  ) {
    super(
      `${where(skill)}migration "${filename}" ran, but recording it in the ledger failed: ${sentence(databaseMessage)} ` +
        'Nothing of it was applied: check the database (permissions, space), then run again.',
      { skill, file, cause },
    )
  }
}

/** The COMMIT of a run's transaction failed: none of the migrations it held was applied. */
export class CommitFailedError extends GloriousMigrateError {
  readonly code = 'commit-failed'
  constructor(
    readonly database: string,
    readonly migrations: readonly string[],
    readonly databaseMessage: string,
    cause?: unknown,
  ) {
    const listed =
      migrations.length <= 3
        ? migrations.join(', ')
        : `${migrations.slice(0, 3).join(', ')} and ${migrations.length - 3} more`
    super(
      `database ${database}: the transaction of ${migrations.length} migration(s) (${listed}) could not commit: ` +
        `${sentence(databaseMessage)} It was rolled back, so none of them was applied: run again (another process may have been reading the database).`,
      { cause },
    )
  }
}

/** The ledger rows a rollback was asked to remove are no longer the ones it would remove. */
export class LedgerChangedError extends GloriousMigrateError {
  readonly code = 'ledger-changed'
  constructor(
    skill: string,
    readonly expected: readonly { readonly version: number; readonly filename: string }[],
    readonly found: readonly { readonly version: number; readonly filename: string }[],
  ) {
    const list = (rows: readonly { readonly filename: string }[]): string =>
      rows.length === 0 ? '(none)' : rows.map((row) => row.filename).join(', ')
    super(
      `${where(skill)}the ledger changed since the rollback was shown (it would now remove ${list(found)} instead of ${list(expected)}): ` +
        'nothing was removed; look at "glorious migrate history" and run the rollback again',
      { skill },
    )
  }
}

/** Another process held the database's write lock for longer than the lock timeout. */
export class LockTimeoutError extends GloriousMigrateError {
  readonly code = 'lock-timeout'
  constructor(
    readonly database: string,
    readonly timeoutMs: number,
    cause?: unknown,
    /** Who holds the lock, when the database can tell (PostgreSQL: pid, application, client, since when). */
    readonly holder?: string | undefined,
  ) {
    super(
      `database ${database} stayed locked by another ${holder === undefined ? 'process' : `migrator (${holder})`} for ${timeoutMs} ms: ` +
        `wait for it to finish and run again, or raise the lock timeout (lockTimeoutMs / --lock-timeout)`,
      { cause },
    )
  }
}

/** The database cannot be opened or used: missing folder, read-only, not a database, corrupt. */
export class DatabaseError extends GloriousMigrateError {
  readonly code = 'database'
  constructor(
    readonly database: string,
    readonly reason: string,
    readonly hint: string,
    cause?: unknown,
  ) {
    super(`database ${database} ${reason}: ${hint}`, { cause })
  }
}

/** A skill folder, skill name or skill.json is not usable. */
export class SkillError extends GloriousMigrateError {
  readonly code = 'skill'
  constructor(message: string, facts: { skill?: string | undefined; file?: string | undefined } = {}) {
    super(message, facts)
  }
}

/** No skill of that name in the skills folders. */
export class SkillNotFoundError extends SkillError {
  constructor(
    name: string,
    readonly roots: readonly string[],
    options: { readonly suggestDir: boolean; readonly problems: readonly SkillError[] },
  ) {
    const others = options.problems.length
    super(
      `skill "${name}" was not found in ${roots.length ? roots.join(', ') : 'any skills folder'}` +
        (others > 0
          ? ` (${others === 1 ? '1 skill folder' : `${others} skill folders`} could not be read; the first: ${options.problems[0]?.message})`
          : '') +
        `: check the name, pass --skills <folder>` +
        (options.suggestDir ? ', or give its migrations folder with --dir' : ''),
      { skill: name },
    )
  }
}

/** No skills at all in the skills folders searched. */
export class NoSkillsFoundError extends SkillError {
  constructor(readonly roots: readonly string[]) {
    super(
      `no skills found in ${roots.join(', ')}: a skill is a folder with a skill.json ({"name": "<skill name>"}); ` +
        `pass --skills <folder> or set GLORIOUS_SKILLS`,
    )
  }
}

/** An option or argument given to the library is not valid. */
export class InvalidOptionError extends GloriousMigrateError {
  readonly code = 'invalid-option'
}

/** Anything else that went wrong (a bug, or an error the toolkit does not know); `cause` has the original. */
export class UnexpectedError extends GloriousMigrateError {
  readonly code = 'unexpected'
  static from(error: unknown): UnexpectedError {
    const message = error instanceof Error ? error.message : String(error)
    return new UnexpectedError(`unexpected error: ${message} (run with --verbose for details)`, { cause: error })
  }
}

function sentence(text: string): string {
  const trimmed = text.trim()
  return /[.?!]$/.test(trimmed) ? trimmed : `${trimmed}.`
}

function where(skill: string | undefined): string {
  return skill === undefined ? '' : `skill "${skill}": `
}

function dirOf(file: string): string {
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'))
  return slash < 0 ? '.' : file.slice(0, slash)
}

/** A skill's tables or views no longer match the fingerprint recorded after its last run: changed by hand. */
export class SchemaDriftError extends GloriousMigrateError {
  readonly code = 'schema-drift'
  constructor(
    skill: string,
    /** The objects whose description changed (or that are gone). */
    readonly objects: readonly string[],
    /** When the fingerprint was recorded (ISO-8601 UTC). */
    readonly recordedAt: string,
  ) {
    super(
      `skill "${skill}": its tables or views changed outside its migrations since ${recordedAt}${objects.length === 0 ? '' : ` (${objects.join(', ')})`}: ` +
        `run "glorious migrate drift ${skill}" to see the difference, then revert it or put it in a new migration`,
      { skill },
    )
  }
}

/** Drift detection could not rebuild a skill's schema from its migrations in a scratch database. */
export class ReplayFailedError extends GloriousMigrateError {
  readonly code = 'replay-failed'
  constructor(
    skill: string,
    readonly filename: string,
    file: string | undefined,
    readonly reason: string,
    readonly hint: string,
  ) {
    super(`${where(skill)}cannot replay "${filename}" into a scratch database: ${reason}: ${hint}`, { skill, file })
  }
}
