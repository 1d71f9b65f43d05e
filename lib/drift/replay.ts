import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../dialects/dialect.js'
import { GloriousMigrateError, ReplayFailedError } from '../errors.js'
import type { MigrationFileRef } from '../files/migration-folder.js'
import type { LedgerRow } from '../ledger/ledger.js'
import { prepareMigration } from '../runner/prepared-migration.js'

/** One applied migration to replay: its ledger row, and its file when it was found. */
export interface ReplayStep {
  readonly row: LedgerRow
  readonly file: MigrationFileRef | undefined
}

/**
 * Runs the given applied migrations, in the order they were applied, on an empty scratch
 * database: statement by statement, outside transactions (nothing else uses that database, and
 * `CREATE INDEX CONCURRENTLY` and the like then run as they did). A migration that stopped part
 * way (MySQL) replays the statements it had applied. Connection settings a migration changes are
 * put back after it, as the runner does.
 *
 * @returns warnings (a file edited since it was applied is replayed as it is now).
 * @throws {ReplayFailedError} for a missing file or a statement that fails.
 */
export async function replayMigrations(
  conn: Kysely<any>,
  dialect: MigrationDialect,
  steps: readonly ReplayStep[],
  maxFileBytes: number,
): Promise<readonly string[]> {
  const warnings: string[] = []
  for (const { row, file } of steps) {
    if (file === undefined) {
      throw new ReplayFailedError(
        row.skill,
        row.filename,
        undefined,
        `the file of version ${row.version} was not found`,
        "restore it (or pass the skill's folder with --skills / --dir) and run drift again",
      )
    }
    const migration = prepareMigration(dialect, row.skill, file, maxFileBytes)
    const edited = migration.checksum !== row.checksum
    if (edited) {
      warnings.push(
        `skill "${row.skill}": ${row.filename} changed since it was applied (checksum ${row.checksum.slice(0, 12)}, now ${migration.checksum.slice(0, 12)}): replayed as it is now`,
      )
    }
    const statements =
      row.status === 'applied' ? migration.statements : migration.statements.slice(0, row.progress?.applied ?? 0)
    const settings = new Map<string, string | undefined>()
    for (const name of migration.analysis.connectionSettings) settings.set(name, await dialect.readSetting(conn, name))
    for (const statement of statements) {
      try {
        await dialect.executeStatement(conn, statement.sql)
      } catch (error) {
        if (error instanceof GloriousMigrateError) throw error
        throw new ReplayFailedError(
          row.skill,
          row.filename,
          file.path,
          `statement ${statement.index} (line ${statement.line}) failed: ${dialect.errorMessage(error)}`,
          edited
            ? 'the file changed since it was applied (see "glorious migrate verify"): revert it, or accept the edit, then run drift again'
            : 'its migrations do not rebuild the live schema from an empty database (they depend on something made outside them)',
        )
      }
    }
    for (const [name, value] of settings) {
      if (value !== undefined) await dialect.writeSetting(conn, name, value)
    }
  }
  return warnings
}
