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
        `Revert the file to its applied content, or put the change in a new migration.`,
      { skill, file },
    )
  }
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

/** A statement of a migration failed; nothing of that migration was kept. */
export class MigrationFailedError extends GloriousMigrateError {
  readonly code = 'migration-failed'
  constructor(
    skill: string,
    readonly filename: string,
    file: string,
    readonly statementIndex: number,
    readonly line: number,
    readonly databaseMessage: string,
    readonly partial: boolean,
    cause?: unknown,
  ) {
    super(
      `${where(skill)}migration "${filename}" failed at statement ${statementIndex} (line ${line}): ${sentence(databaseMessage)} ` +
        (partial
          ? 'It ran outside a transaction, so the statements before it stay applied: repair the database by hand, then fix the file and run again.'
          : 'Nothing of this migration was applied: fix the file and run again.'),
      { skill, file, cause },
    )
  }
}

/** A migration that switched foreign keys off left rows that violate them. */
export class ForeignKeyViolationError extends GloriousMigrateError {
  readonly code = 'foreign-key-violation'
  constructor(
    skill: string,
    readonly filename: string,
    file: string,
    readonly violations: readonly { table: string; rowid: number | null; parent: string }[],
  ) {
    const first = violations[0]
    super(
      `${where(skill)}migration "${filename}" leaves ${violations.length} foreign key violation(s)` +
        (first ? ` (first: table "${first.table}" row ${first.rowid ?? '?'} → "${first.parent}")` : '') +
        `: nothing was applied; fix the data or the migration and run again`,
      { skill, file },
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
  ) {
    super(
      `database ${database} stayed locked by another process for ${timeoutMs} ms: ` +
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
