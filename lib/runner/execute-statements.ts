import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../dialects/dialect.js'
import { MigrationFailedError } from '../errors.js'
import type { PreparedMigration } from './prepared-migration.js'

/**
 * Runs a prepared migration's statements one by one, so a failure names its statement and line.
 * An error raised by a statement is always the migration's failure (naming skill, file,
 * statement and line, with the database's own message), even when the database describes it as
 * a problem of a database (an `ATTACH` of a file that is not one). Connection settings the
 * migration changes are put back afterwards.
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
  const saved = new Map<string, string>()
  for (const name of settings) {
    const value = await dialect.readSetting(conn, name)
    if (value !== undefined) saved.set(name, value)
  }
  let ran = 0
  try {
    for (const statement of migration.statements) {
      try {
        await dialect.executeStatement(conn, statement.sql)
        ran++
      } catch (error) {
        throw new MigrationFailedError(
          {
            skill: migration.skill,
            filename: migration.file.filename,
            file: migration.file.path,
            statementIndex: statement.index,
            line: statement.line,
            databaseMessage: dialect.errorMessage(error),
            appliedStatements: options.outsideTransaction ? ran : 0,
            outsideTransaction: options.outsideTransaction,
          },
          error,
        )
      }
    }
  } finally {
    for (const [name, value] of saved) await dialect.writeSetting(conn, name, value).catch(() => undefined)
  }
}
