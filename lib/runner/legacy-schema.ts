import { basename } from 'node:path'
import type { DatabaseSession } from '../connection/database.js'
import { readMigrationSource } from '../files/migration-source.js'
import { RESERVED_TABLES, ensureLedger, recordOwnership } from '../ledger/ledger.js'
import { diffSchemaObjects, hasOwnershipChanges } from '../ledger/ownership.js'
import { prepareSource } from './prepared-migration.js'
import { runStatements } from './execute-statements.js'
import type { RunOptions } from './run-migrations.js'

/**
 * Runs a legacy `schema.sql` (a skill without `migrations/`), as the guide's `init_skill_schema`
 * does on every load: the whole file in one locked transaction, so it applies completely or
 * not at all. Nothing is written to the ledger; tables it creates are recorded as the skill's.
 *
 * @throws {GloriousMigrateError}
 */
export async function runLegacySchema(
  session: DatabaseSession,
  skill: string,
  schemaPath: string,
  options: RunOptions,
): Promise<{ readonly statements: number; readonly durationMs: number; readonly changedTables: boolean }> {
  const { db, dialect } = session
  const describe = (error: unknown): unknown =>
    dialect.describeError(error, session.label, options.lockTimeoutMs) ?? error
  const source = readMigrationSource(schemaPath, options.maxFileBytes, skill)
  const file = { version: 0, description: 'schema', filename: basename(schemaPath), path: schemaPath }
  const migration = prepareSource(dialect, skill, file, source.text, source.checksum)
  const restore = await dialect.prepareConnection(db, options.lockTimeoutMs)
  try {
    await dialect.beginLockedTransaction(db).catch((error) => {
      throw describe(error)
    })
    try {
      const before = await dialect.listSchemaObjects(db)
      const started = performance.now()
      await runStatements(session, migration, options.lockTimeoutMs, false)
      const durationMs = Math.round(performance.now() - started)
      const changes = diffSchemaObjects(before, await dialect.listSchemaObjects(db), RESERVED_TABLES)
      if (hasOwnershipChanges(changes)) {
        await ensureLedger(db, dialect)
        await recordOwnership(db, { skill, version: 0, ...changes })
      }
      await dialect.commit(db)
      return { statements: migration.statements.length, durationMs, changedTables: hasOwnershipChanges(changes) }
    } catch (error) {
      await dialect.rollback(db).catch(() => undefined)
      throw describe(error)
    }
  } finally {
    await restore()
  }
}
