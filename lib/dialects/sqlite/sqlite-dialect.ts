import { type Kysely, sql } from 'kysely'
import type { ForeignKeyViolation, MigrationDialect, SchemaObject } from '../dialect.js'
import { DatabaseError } from '../../errors.js'
import { describeSqliteError } from './sqlite-errors.js'
import { acquireSqliteSessionLock } from './sqlite-session-lock.js'
import { splitSqliteStatements } from './sqlite-splitter.js'
import { analyzeSqliteMigration } from './sqlite-statement-rules.js'

const SETTING_NAME = /^[a-z_]+$/
const SETTING_VALUE = /^-?[A-Za-z0-9_]+$/

/**
 * Runs SQL that returns nothing directly on the driver connection, when the toolkit owns it
 * (better-sqlite3's `exec`). Going through a prepared statement instead leaves a statement
 * object alive until garbage collection, and SQLite walks every live statement of the
 * connection on each schema change: thousands of migrations then cost quadratic time.
 */
export type SqliteExec = (sql: string) => void

/**
 * SQLite: statements split by `sqlite3_complete` rules, the migration lock is the database's own
 * write lock (`BEGIN IMMEDIATE`, waited for with `busy_timeout`), transactions are fully
 * transactional for DDL, and `PRAGMA foreign_keys` is handled outside transactions.
 *
 * @param exec the driver's own exec, when the connection is the toolkit's (faster); without it
 *   everything runs through Kysely (for a Kysely instance the caller owns).
 */
export function createSqliteDialect(exec?: SqliteExec): MigrationDialect {
  const run = exec
    ? async (_db: Kysely<any>, text: string) => exec(text)
    : async (db: Kysely<any>, text: string) => {
        await sql.raw(text).execute(db)
      }
  return Object.freeze({
    name: 'sqlite' as const,

    split: splitSqliteStatements,
    analyze: analyzeSqliteMigration,

    async prepareConnection(db: Kysely<any>, lockTimeoutMs: number) {
      const previous = await readPragma(db, 'busy_timeout')
      await sql.raw(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(lockTimeoutMs))}`).execute(db)
      return async () => {
        if (previous !== undefined) await sql.raw(`PRAGMA busy_timeout = ${Number(previous)}`).execute(db)
      }
    },

    async beginLockedTransaction(db: Kysely<any>) {
      // IMMEDIATE takes the write lock before anything is read, so no two migrators can both
      // read "pending" and apply the same migration, and no deferred read lock needs upgrading
      // later (that upgrade fails with SQLITE_BUSY without waiting).
      await run(db, 'BEGIN IMMEDIATE')
    },
    async commit(db: Kysely<any>) {
      await run(db, 'COMMIT')
    },
    async rollback(db: Kysely<any>) {
      await run(db, 'ROLLBACK')
    },
    async savepoint(db: Kysely<any>, name: string) {
      await run(db, `SAVEPOINT ${name}`)
    },
    async releaseSavepoint(db: Kysely<any>, name: string) {
      await run(db, `RELEASE ${name}`)
    },
    async rollbackToSavepoint(db: Kysely<any>, name: string) {
      await run(db, `ROLLBACK TO ${name}`)
      await run(db, `RELEASE ${name}`)
    },

    acquireSessionLock: acquireSqliteSessionLock,

    executeStatement: run,

    async tableExists(db: Kysely<any>, table: string) {
      const { rows } = await sql`SELECT 1 AS found FROM sqlite_schema WHERE type = 'table' AND name = ${table}`.execute(
        db,
      )
      return rows.length > 0
    },
    async columnNames(db: Kysely<any>, table: string) {
      const { rows } = await sql<{ name: string }>`SELECT name FROM pragma_table_info(${table})`.execute(db)
      return rows.map((row) => row.name)
    },

    async listSchemaObjects(db: Kysely<any>): Promise<readonly SchemaObject[]> {
      const { rows } = await sql<{ type: 'table' | 'view'; name: string; rootpage: number }>`
      SELECT type, name, rootpage FROM sqlite_schema
      WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`.execute(db)
      return rows.map((row) => ({
        name: row.name,
        type: row.type,
        identity: row.type === 'table' && row.rootpage ? String(row.rootpage) : undefined,
      }))
    },

    async foreignKeysEnabled(db: Kysely<any>) {
      return Number(await readPragma(db, 'foreign_keys')) === 1
    },
    async setForeignKeys(db: Kysely<any>, enabled: boolean) {
      await sql.raw(`PRAGMA foreign_keys = ${enabled ? 'ON' : 'OFF'}`).execute(db)
    },
    async foreignKeyViolations(db: Kysely<any>): Promise<readonly ForeignKeyViolation[]> {
      const { rows } = await sql<{
        table: string
        rowid: number | null
        parent: string
      }>`PRAGMA foreign_key_check`.execute(db)
      return rows.map((row) => ({ table: row.table, rowid: row.rowid, parent: row.parent }))
    },

    async readSetting(db: Kysely<any>, name: string) {
      if (!SETTING_NAME.test(name)) return undefined
      const value = await readPragma(db, name)
      return value === undefined ? undefined : String(value)
    },
    async writeSetting(db: Kysely<any>, name: string, value: string) {
      if (!SETTING_NAME.test(name) || !SETTING_VALUE.test(value)) return
      await sql.raw(`PRAGMA ${name} = ${value}`).execute(db)
    },

    async checkIntegrity(db: Kysely<any>, database: string) {
      // quick_check reads every page (not the index contents): linear in the file size, and only
      // done by runs that have something to apply.
      const { rows } = await sql.raw<{ quick_check: string }>('PRAGMA quick_check(1)').execute(db)
      const result = rows[0]?.quick_check ?? 'ok'
      if (result !== 'ok') {
        const damage = result
          .replace(/\*\*\* in database \w+ \*\*\*/g, '')
          .replace(/\s+/g, ' ')
          .trim()
        throw new DatabaseError(
          database,
          `is corrupt (${damage})`,
          'restore it from a backup; "PRAGMA integrity_check" shows the damage; nothing was changed',
        )
      }
    },

    describeError: describeSqliteError,
    errorMessage(error: unknown) {
      return error instanceof Error ? error.message : String(error)
    },
  })
}

/** The SQLite dialect working through Kysely only (for Kysely instances the caller owns). */
export const sqliteDialect: MigrationDialect = createSqliteDialect()

async function readPragma(db: Kysely<any>, name: string): Promise<unknown> {
  const { rows } = await sql.raw<Record<string, unknown>>(`PRAGMA ${name}`).execute(db)
  const row = rows[0]
  return row === undefined ? undefined : Object.values(row)[0]
}
