import type { DatabaseSession } from '../connection/database.js'
import type { ForeignKeyViolation } from '../dialects/dialect.js'
import { ForeignKeyViolationError, MigrationFailedError } from '../errors.js'
import type { PreparedMigration } from './prepared-migration.js'

/**
 * Runs a prepared migration's statements one by one, so a failure names its statement and line.
 * Connection settings the migration changes are put back afterwards.
 */
export async function runStatements(
  session: DatabaseSession,
  migration: PreparedMigration,
  lockTimeoutMs: number,
  outsideTransaction: boolean,
): Promise<void> {
  const { db, dialect } = session
  const settings = migration.analysis.connectionSettings.filter(
    (name) => outsideTransaction || name !== 'foreign_keys', // in a transaction the runner handles foreign_keys
  )
  const saved = new Map<string, string>()
  for (const name of settings) {
    const value = await dialect.readSetting(db, name)
    if (value !== undefined) saved.set(name, value)
  }
  let ran = 0
  try {
    for (const statement of migration.statements) {
      try {
        await dialect.executeStatement(db, statement.sql)
        ran++
      } catch (error) {
        const known = dialect.describeError(error, session.label, lockTimeoutMs)
        if (known) throw known
        throw new MigrationFailedError(
          migration.skill,
          migration.file.filename,
          migration.file.path,
          statement.index,
          statement.line,
          dialect.errorMessage(error),
          outsideTransaction && ran > 0,
          error,
        )
      }
    }
  } finally {
    for (const [name, value] of saved) await dialect.writeSetting(db, name, value).catch(() => undefined)
  }
}

/**
 * Fails the migration when it left foreign-key violations that were not there before it ran
 * (it ran with foreign keys switched off, so SQLite did not stop it).
 */
export async function checkForeignKeys(
  session: DatabaseSession,
  migration: PreparedMigration,
  baseline: readonly ForeignKeyViolation[],
): Promise<void> {
  const key = (v: ForeignKeyViolation): string => `${v.table}\u0000${v.rowid}\u0000${v.parent}`
  const known = new Set(baseline.map(key))
  const violations = (await session.dialect.foreignKeyViolations(session.db)).filter((v) => !known.has(key(v)))
  if (violations.length > 0) {
    throw new ForeignKeyViolationError(migration.skill, migration.file.filename, migration.file.path, violations)
  }
}
