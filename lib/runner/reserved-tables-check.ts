import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { OneMessageTransactions, ReservedTablesIdentity } from '../dialects/dialect.js'
import { ReservedTableError } from '../errors.js'
import type { PreparedMigration } from './prepared-migration.js'

/**
 * Runs the dialect's check of the toolkit's tables inside the migration's transaction (see
 * {@link OneMessageTransactions.reservedTablesCheck}).
 *
 * @throws {ReservedTableError} the migration wrote to, altered or shadowed one of them.
 */
export async function checkReservedTables(
  conn: Kysely<any>,
  one: OneMessageTransactions,
  identity: ReservedTablesIdentity,
  migration: PreparedMigration,
): Promise<void> {
  try {
    await sql.raw(one.reservedTablesCheck(identity)).execute(conn)
  } catch (error) {
    throw reservedTableError(one, error, migration) ?? error
  }
}

/** The migration's error when `error` is the check's failure. */
export function reservedTableError(
  one: OneMessageTransactions,
  error: unknown,
  migration: PreparedMigration,
): ReservedTableError | undefined {
  const what = one.reservedTablesCheckFailure(error)
  return what === undefined
    ? undefined
    : new ReservedTableError(migration.skill, migration.file.filename, migration.file.path, what)
}

/**
 * The error of a migration whose before-and-after comparison of the toolkit's tables differed.
 *
 * @param partial it ran outside a transaction, so what it did stays.
 */
export function reservedTablesChanged(migration: PreparedMigration, partial = false): ReservedTableError {
  return new ReservedTableError(
    migration.skill,
    migration.file.filename,
    migration.file.path,
    "changed the toolkit's own tables (their definition or their rows)",
    partial,
  )
}
