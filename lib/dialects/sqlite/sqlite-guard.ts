import { createHash } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type { ReservedTablesGuard } from '../dialect.js'
import { quoteName } from './sqlite-foreign-keys.js'

/** Registers a SQL function on the toolkit's own connection (better-sqlite3's `function`). */
export type DefineFunction = (name: string, fn: () => number) => void

/** Names of the guard's triggers and function: reserved too, so no migration can drop them by name. */
export const GUARD_PREFIX = 'glorious_guard'
const GUARD_FUNCTION = `${GUARD_PREFIX}_allowed`

/**
 * A guard on the toolkit's tables for a connection the toolkit opened: temporary triggers
 * (visible to this connection only, never stored in the file) make every INSERT, UPDATE and
 * DELETE on them fail unless a JavaScript flag, which no SQL can reach, is on. A migration that
 * writes the ledger under any name — `'_migrations'`, `main."_MIGRATIONS"`, through a trigger or
 * a view — therefore fails at that very statement, and nothing of it is kept.
 */
export function createSqliteGuard(define: DefineFunction): {
  install(conn: Kysely<any>, reservedTables: readonly string[]): Promise<ReservedTablesGuard | undefined>
  /** Removes the triggers, so the connection is as it was (the toolkit's later writes need no switch). */
  remove(conn: Kysely<any>): Promise<void>
} {
  let allowed = false
  let installed: readonly string[] = []
  define(GUARD_FUNCTION, () => (allowed ? 1 : 0))
  const guard: ReservedTablesGuard = {
    async allowWrites<T>(fn: () => Promise<T>): Promise<T> {
      allowed = true
      try {
        return await fn()
      } finally {
        allowed = false
      }
    },
  }
  return {
    async install(conn: Kysely<any>, reservedTables: readonly string[]) {
      const { rows } = await sql<{ name: string }>`
        SELECT name FROM main.sqlite_schema WHERE type = 'table' AND name IN (${sql.join(reservedTables)})`.execute(
        conn,
      )
      const existing = reservedTables.filter((table) => rows.some((row) => row.name === table))
      if (existing.length === 0) return undefined
      installed = [...new Set([...installed, ...existing])]
      for (const table of existing) {
        for (const event of EVENTS) {
          const name = triggerName(event, table)
          const message = `the toolkit's own table ${table} may not be written by a migration`
          // Temporary triggers live in the temp schema of this connection only; IF NOT EXISTS makes
          // installing them again (after a rollback removed them) cheap and safe.
          await sql
            .raw(
              `CREATE TEMP TRIGGER IF NOT EXISTS ${name} BEFORE ${event} ON main.${quoteName(table)} ` +
                `WHEN ${GUARD_FUNCTION}() = 0 BEGIN SELECT RAISE(ABORT, '${message.replaceAll("'", "''")}'); END`,
            )
            .execute(conn)
        }
      }
      return guard
    },
    async remove(conn: Kysely<any>) {
      for (const table of installed)
        for (const event of EVENTS)
          await sql.raw(`DROP TRIGGER IF EXISTS temp.${triggerName(event, table)}`).execute(conn)
      installed = []
    },
  }
}

const EVENTS = ['INSERT', 'UPDATE', 'DELETE'] as const

function triggerName(event: (typeof EVENTS)[number], table: string): string {
  return quoteName(`${GUARD_PREFIX}_${event.toLowerCase()}_${table}`)
}

/**
 * A fingerprint of the toolkit's tables: every schema entry about them (the tables, their
 * indexes and triggers, in main and in temp, where a table of the same name would shadow them),
 * and with `rows`, their contents.
 */
export async function sqliteReservedTablesFingerprint(
  conn: Kysely<any>,
  reservedTables: readonly string[],
  options: { readonly rows: 'none' | 'changes' | 'content' },
): Promise<string> {
  const names = reservedTables.map((name) => `'${name.toLowerCase().replaceAll("'", "''")}'`).join(', ')
  const { rows: definitions } = await sql
    .raw<Record<string, unknown>>(
      `SELECT 'main' AS place, type, name, tbl_name, rootpage, sql FROM main.sqlite_schema WHERE lower(tbl_name) IN (${names}) ` +
        `UNION ALL SELECT 'temp' AS place, type, name, tbl_name, rootpage, sql FROM temp.sqlite_schema ` +
        `WHERE (lower(tbl_name) IN (${names}) OR lower(name) IN (${names})) AND name NOT LIKE '${GUARD_PREFIX}%' ` +
        `ORDER BY 1, 2, 3`,
    )
    .execute(conn)
  const hash = createHash('sha256').update(JSON.stringify(definitions))
  if (options.rows !== 'none') {
    for (const table of reservedTables) {
      const exists = definitions.some(
        (row) => row['place'] === 'main' && String(row['name']).toLowerCase() === table.toLowerCase(),
      )
      if (!exists) continue
      const { rows } = await sql.raw(`SELECT * FROM main.${quoteName(table)} ORDER BY 1, 2`).execute(conn)
      hash.update(JSON.stringify(rows))
    }
  }
  return hash.digest('hex')
}
