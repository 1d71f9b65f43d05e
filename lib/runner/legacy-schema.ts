import { basename } from 'node:path'
import { withProcessLock } from '../connection/process-lock.js'
import type { DatabaseSession } from '../connection/session.js'
import { InvalidOptionError } from '../errors.js'
import { readMigrationSource } from '../files/migration-source.js'
import { applyInTransaction } from './apply-migration.js'
import { prepareSource } from './prepared-migration.js'
import { describeError, newTransactionScope } from './run-context.js'
import type { RunOptions } from './run-options.js'

/**
 * Runs a legacy `schema.sql` (a skill without `migrations/`), as the guide's `init_skill_schema`
 * does on every load: the whole file in one locked transaction, so it applies completely or
 * not at all, with the same protections as a migration (foreign keys switched off before the
 * transaction when the file asks for it, and checked before it commits; the toolkit's tables
 * guarded). Nothing is written to the ledger; tables it creates are recorded as the skill's.
 *
 * @throws {GloriousMigrateError}
 */
export async function runLegacySchema(
  session: DatabaseSession,
  skill: string,
  schemaPath: string,
  options: RunOptions,
): Promise<{ readonly statements: number; readonly durationMs: number; readonly changedTables: boolean }> {
  const { dialect } = session
  const source = readMigrationSource(schemaPath, options.maxFileBytes, skill)
  const file = { version: 0, description: 'schema', filename: basename(schemaPath), path: schemaPath }
  const migration = prepareSource(dialect, skill, file, source.text, source.checksum)
  if (migration.analysis.transaction === 'outside') {
    throw new InvalidOptionError(
      `skill "${skill}": ${schemaPath} asks to run outside a transaction, which a legacy schema.sql cannot: move it to migrations/`,
    )
  }
  return withProcessLock(session.lockKey, () =>
    session.pinned(async (conn) => {
      const ctx = { conn, dialect, session, options }
      const restore = await dialect.prepareConnection(conn, options)
      let release: (() => Promise<void>) | undefined
      let foreignKeysWereOn = false
      try {
        if (dialect.capabilities.lockScope === 'session')
          release = await dialect.acquireLock(conn, options.lockTimeoutMs)
        if (migration.analysis.foreignKeysOff) {
          foreignKeysWereOn = await dialect.foreignKeysEnabled(conn)
          if (foreignKeysWereOn) await dialect.setForeignKeys(conn, false)
        }
        await dialect.beginTransaction(conn, { locked: dialect.capabilities.lockScope === 'transaction' })
        const tx = newTransactionScope()
        try {
          const before = await dialect.listSchemaObjects(conn)
          const applied = await applyInTransaction(ctx, tx, migration, undefined, false)
          const after = await dialect.listSchemaObjects(conn)
          await dialect.commit(conn)
          const names = (objects: typeof before): string =>
            objects
              .map((object) => object.name)
              .sort()
              .join('\n')
          const changedTables = names(before) !== names(after)
          return { statements: migration.statements.length, durationMs: applied.durationMs, changedTables }
        } catch (error) {
          await dialect.rollback(conn).catch(() => undefined)
          throw error
        }
      } catch (error) {
        throw describeError(ctx, error)
      } finally {
        if (foreignKeysWereOn) await dialect.setForeignKeys(conn, true).catch(() => undefined)
        await release?.().catch(() => undefined)
        await restore().catch(() => undefined)
      }
    }),
  )
}
