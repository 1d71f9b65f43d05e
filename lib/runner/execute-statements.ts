import type { Kysely } from 'kysely'
import type { MigrationDialect, SqlStatement } from '../dialects/dialect.js'
import { MigrationFailedError } from '../errors.js'
import type { PreparedMigration } from './prepared-migration.js'

/** The savepoint a batch starts with, so a failure without a position can be located afterwards. */
const BATCH_SAVEPOINT = 'glorious_statements'

/**
 * Runs a prepared migration's statements, so that a failure names its statement, line and
 * column. An error raised by a statement is always the migration's failure (naming skill, file,
 * statement and line, with the database's own message, DETAIL, HINT and SQLSTATE), even when the
 * database describes it as a problem of a database (an `ATTACH` of a file that is not one).
 * Connection settings the migration changes are put back afterwards.
 *
 * Inside a transaction, where the engine allows it, all statements go in one round trip; the
 * error's position tells which one failed, and without a position the statements are run again
 * one by one (the batch is rolled back first) to find it.
 *
 * @throws {MigrationFailedError}
 */
export async function runStatements(
  conn: Kysely<any>,
  dialect: MigrationDialect,
  migration: PreparedMigration,
  options: { readonly outsideTransaction: boolean },
): Promise<void> {
  const settings = migration.analysis.connectionSettings.filter(
    // In a transaction the runner switches foreign keys itself, before BEGIN and after COMMIT.
    (name) => options.outsideTransaction || name !== 'foreign_keys',
  )
  const restoreSettings = await saveConnectionSettings(conn, dialect, settings)
  try {
    if (!options.outsideTransaction && dialect.capabilities.batchStatements && migration.statements.length > 1) {
      await runBatch(conn, dialect, migration)
    } else {
      await runOneByOne(conn, dialect, migration, options.outsideTransaction)
    }
  } finally {
    await restoreSettings()
  }
}

/**
 * Reads the connection settings a migration changes, and returns what puts back those it changed
 * (only those: on MySQL, writing `autocommit = 1` again would commit an open transaction).
 */
export async function saveConnectionSettings(
  conn: Kysely<any>,
  dialect: MigrationDialect,
  names: readonly string[],
): Promise<() => Promise<void>> {
  const saved = new Map<string, string>()
  for (const name of names) {
    const value = await dialect.readSetting(conn, name)
    if (value !== undefined) saved.set(name, value)
  }
  return async () => {
    for (const [name, value] of saved) {
      const now = await dialect.readSetting(conn, name).catch(() => undefined)
      if (now !== value) await dialect.writeSetting(conn, name, value).catch(() => undefined)
    }
  }
}

async function runOneByOne(
  conn: Kysely<any>,
  dialect: MigrationDialect,
  migration: PreparedMigration,
  outsideTransaction: boolean,
): Promise<void> {
  let ran = 0
  for (const statement of migration.statements) {
    try {
      await dialect.executeStatement(conn, statement.sql)
      ran++
    } catch (error) {
      const cleanup = outsideTransaction
        ? await dialect.cleanupAfterFailure?.(conn, statement).catch(() => undefined)
        : undefined
      throw failure(dialect, migration, statement, error, {
        appliedStatements: outsideTransaction ? ran : 0,
        outsideTransaction,
        cleanup,
      })
    }
  }
}

async function runBatch(conn: Kysely<any>, dialect: MigrationDialect, migration: PreparedMigration): Promise<void> {
  let text = `SAVEPOINT ${BATCH_SAVEPOINT};\n`
  const starts: number[] = []
  for (const statement of migration.statements) {
    starts.push(text.length)
    text += statement.sql.trimEnd().endsWith(';') ? `${statement.sql}\n` : `${statement.sql};\n`
  }
  try {
    await dialect.executeStatement(conn, text)
  } catch (error) {
    const position = dialect.errorFacts?.(error).position
    if (position !== undefined) {
      const offset = codeUnitOffset(text, position - 1)
      let index = starts.length - 1
      while (index > 0 && (starts[index] as number) > offset) index--
      const statement = migration.statements[index] as SqlStatement
      throw failure(dialect, migration, statement, error, {
        appliedStatements: 0,
        outsideTransaction: false,
        offsetInStatement: offset - (starts[index] as number),
      })
    }
    // No position (an error while executing, not while parsing): find the statement by running
    // them one at a time, from before the batch.
    try {
      await dialect.rollbackToSavepoint(conn, BATCH_SAVEPOINT)
    } catch {
      throw failure(dialect, migration, migration.statements[0] as SqlStatement, error, {
        appliedStatements: 0,
        outsideTransaction: false,
      })
    }
    await runOneByOne(conn, dialect, migration, false)
    // It passed one by one (the failure depended on timing): the batch's error stands.
    throw failure(dialect, migration, migration.statements[0] as SqlStatement, error, {
      appliedStatements: 0,
      outsideTransaction: false,
    })
  }
}

export function failure(
  dialect: MigrationDialect,
  migration: PreparedMigration,
  statement: SqlStatement,
  error: unknown,
  context: {
    readonly appliedStatements: number
    readonly outsideTransaction: boolean
    readonly cleanup?: string | undefined
    readonly resumable?: boolean | undefined
    /** The statement waited for other sessions' locks on this many attempts (retries exhausted). */
    readonly lockWaitAttempts?: number | undefined
    /** Where the error points inside the statement text (from the batch), in UTF-16 code units. */
    readonly offsetInStatement?: number | undefined
  },
): MigrationFailedError {
  const facts = dialect.errorFacts?.(error) ?? {}
  const offset =
    context.offsetInStatement ??
    (facts.position === undefined ? undefined : codeUnitOffset(statement.sql, facts.position - 1))
  const at = offset === undefined ? { line: statement.line, column: undefined } : locate(statement, offset)
  return new MigrationFailedError(
    {
      skill: migration.skill,
      filename: migration.file.filename,
      file: migration.file.path,
      statementIndex: statement.index,
      line: at.line,
      column: at.column,
      databaseMessage: dialect.errorMessage(error),
      detail: facts.detail,
      databaseHint: facts.hint,
      sqlState: facts.sqlState,
      appliedStatements: context.appliedStatements,
      outsideTransaction: context.outsideTransaction,
      cleanup: context.cleanup,
      resumable: context.resumable,
      totalStatements: context.resumable ? migration.statements.length : undefined,
      lockWaitAttempts: context.lockWaitAttempts,
    },
    error,
  )
}

/** The file line and column of an offset inside a statement's text. */
function locate(statement: SqlStatement, offset: number): { line: number; column: number | undefined } {
  const before = statement.sql.slice(0, Math.max(0, offset))
  const newlines = before.split('\n').length - 1
  if (newlines === 0) {
    return {
      line: statement.line,
      column: statement.column === undefined ? undefined : statement.column + before.length,
    }
  }
  return { line: statement.line + newlines, column: before.length - before.lastIndexOf('\n') }
}

/** The UTF-16 offset of the `characters`-th code point of `text` (servers count characters). */
export function codeUnitOffset(text: string, characters: number): number {
  let offset = 0
  for (let seen = 0; seen < characters && offset < text.length; seen++) {
    const code = text.charCodeAt(offset)
    offset += code >= 0xd800 && code <= 0xdbff ? 2 : 1
  }
  return offset
}
