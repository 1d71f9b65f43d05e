import { type Kysely, sql } from 'kysely'
import type { DialectCapabilities, MigrationDialect, PlannedLock, SchemaObject, SqlStatement } from '../dialect.js'
import { DatabaseError } from '../../errors.js'
import { describeSqliteError } from './sqlite-errors.js'
import { sqliteDeferredForeignKeyTables, sqliteForeignKeyViolations } from './sqlite-foreign-keys.js'
import { type DefineFunction, createSqliteGuard, sqliteReservedTablesFingerprint } from './sqlite-guard.js'
import { acquireSqliteLock } from './sqlite-lock.js'
import { sqliteSignificantTokens } from './sqlite-lexer.js'
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

/** What the toolkit can do on a connection it opened itself (better-sqlite3's own handle). */
export interface SqliteDriverAccess {
  readonly exec: SqliteExec
  readonly defineFunction: DefineFunction
}

const SQLITE_RUN_LOCK: PlannedLock = Object.freeze({
  mode: 'database write lock',
  on: undefined,
  blocks: 'blocks other writers of the database for the run; readers continue (WAL)',
})

const CAPABILITIES: DialectCapabilities = Object.freeze({
  transactionalDdl: true,
  // A commit is an fsync: one transaction for the run, a savepoint per migration.
  runStrategy: 'transactional-batch',
  lockScope: 'transaction',
  caseInsensitiveNames: true,
  // In-process: there are no round trips to save.
  batchStatements: false,
})

/**
 * SQLite: statements split by `sqlite3_complete` rules, the migration lock is the database's own
 * write lock (`BEGIN IMMEDIATE`, waited for with `busy_timeout`), transactions are fully
 * transactional for DDL, and `PRAGMA foreign_keys` is handled outside transactions.
 *
 * @param driver the driver's own handle, when the connection is the toolkit's (faster, and it
 *   lets the toolkit guard its tables by effect); without it everything runs through Kysely
 *   (for a Kysely instance the caller owns).
 */
export function createSqliteDialect(driver?: SqliteDriverAccess): MigrationDialect {
  const run = driver
    ? async (_conn: Kysely<any>, text: string) => driver.exec(text)
    : async (conn: Kysely<any>, text: string) => {
        await sql.raw(text).execute(conn)
      }
  const guard = driver ? createSqliteGuard(driver.defineFunction) : undefined
  return Object.freeze({
    name: 'sqlite' as const,
    capabilities: CAPABILITIES,

    split: splitSqliteStatements,
    significantTokens: sqliteSignificantTokens,
    analyze: analyzeSqliteMigration,
    // One locked transaction holds the database's write lock for the run: statements take no lock of their own.
    describeLocks: async (statements: readonly SqlStatement[]) =>
      Object.freeze({
        run: [SQLITE_RUN_LOCK],
        statements: statements.map(() => []),
        statementNotes: statements.map(() => undefined),
        notes: [],
      }),

    async prepareConnection(conn: Kysely<any>, settings: { readonly lockTimeoutMs: number }) {
      const previous = await readPragma(conn, 'busy_timeout')
      await sql.raw(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(settings.lockTimeoutMs))}`).execute(conn)
      return async () => {
        await guard?.remove(conn)
        if (previous !== undefined) await sql.raw(`PRAGMA busy_timeout = ${Number(previous)}`).execute(conn)
      }
    },

    async beginTransaction(conn: Kysely<any>, options: { readonly locked: boolean }) {
      // IMMEDIATE takes the write lock before anything is read, so no two migrators can both
      // read "pending" and apply the same migration, and no deferred read lock needs upgrading
      // later (that upgrade fails with SQLITE_BUSY without waiting).
      await run(conn, options.locked ? 'BEGIN IMMEDIATE' : 'BEGIN')
    },
    async commit(conn: Kysely<any>) {
      await run(conn, 'COMMIT')
    },
    async rollback(conn: Kysely<any>) {
      try {
        await run(conn, 'ROLLBACK')
      } catch (error) {
        // SQLite may already have rolled back by itself (an I/O error, a failed COMMIT it
        // abandoned): then there is nothing left to undo.
        if (!/no transaction is active/i.test((error as Error).message)) throw error
      }
    },
    async savepoint(conn: Kysely<any>, name: string) {
      await run(conn, `SAVEPOINT ${name}`)
    },
    async releaseSavepoint(conn: Kysely<any>, name: string) {
      await run(conn, `RELEASE ${name}`)
    },
    async rollbackToSavepoint(conn: Kysely<any>, name: string) {
      await run(conn, `ROLLBACK TO ${name}`)
      await run(conn, `RELEASE ${name}`)
    },

    acquireLock: acquireSqliteLock,

    executeStatement: run,

    async tableExists(conn: Kysely<any>, table: string) {
      const { rows } = await sql`SELECT 1 AS found FROM pragma_table_list(${table}) WHERE schema = 'main'`.execute(conn)
      return rows.length > 0
    },
    async columnNames(conn: Kysely<any>, table: string) {
      const { rows } = await sql<{ name: string }>`SELECT name FROM pragma_table_info(${table}, 'main')`.execute(conn)
      return rows.map((row) => row.name)
    },

    async listSchemaObjects(conn: Kysely<any>): Promise<readonly SchemaObject[]> {
      const { rows } = await sql<{ type: 'table' | 'view'; name: string; rootpage: number }>`
      SELECT type, name, rootpage FROM main.sqlite_schema
      WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`.execute(conn)
      return rows.map((row) => ({
        name: row.name,
        type: row.type,
        identity: row.type === 'table' && row.rootpage ? String(row.rootpage) : undefined,
      }))
    },

    async foreignKeysEnabled(conn: Kysely<any>) {
      return Number(await readPragma(conn, 'foreign_keys')) === 1
    },
    async setForeignKeys(conn: Kysely<any>, enabled: boolean) {
      await sql.raw(`PRAGMA foreign_keys = ${enabled ? 'ON' : 'OFF'}`).execute(conn)
    },
    foreignKeyViolations: sqliteForeignKeyViolations,
    deferredForeignKeyTables: sqliteDeferredForeignKeyTables,

    async readSetting(conn: Kysely<any>, name: string) {
      if (!SETTING_NAME.test(name)) return undefined
      const value = await readPragma(conn, name)
      return value === undefined ? undefined : String(value)
    },
    async writeSetting(conn: Kysely<any>, name: string, value: string) {
      if (!SETTING_NAME.test(name) || !SETTING_VALUE.test(value)) return
      await sql.raw(`PRAGMA ${name} = ${value}`).execute(conn)
    },

    async guardReservedTables(conn: Kysely<any>, reservedTables: readonly string[]) {
      return guard?.install(conn, reservedTables)
    },
    reservedTablesFingerprint: sqliteReservedTablesFingerprint,

    async checkIntegrity(conn: Kysely<any>, database: string) {
      // quick_check reads every page (not the index contents): linear in the file size, and only
      // done by runs that have something to apply.
      const { rows } = await sql.raw<{ quick_check: string }>('PRAGMA quick_check(1)').execute(conn)
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

/** The SQLite dialect working through Kysely only (for Kysely instances the caller owns, and checks of files). */
export const sqliteDialect: MigrationDialect = createSqliteDialect()

async function readPragma(conn: Kysely<any>, name: string): Promise<unknown> {
  const { rows } = await sql.raw<Record<string, unknown>>(`PRAGMA ${name}`).execute(conn)
  const row = rows[0]
  return row === undefined ? undefined : Object.values(row)[0]
}
