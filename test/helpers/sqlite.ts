import Database from 'better-sqlite3'
import { RESERVED_TABLES } from '../../lib/ledger/ledger.js'

/** Opens a database read-only for assertions. */
export function inspect<T>(path: string, read: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true, fileMustExist: true })
  try {
    return read(db)
  } finally {
    db.close()
  }
}

/** Every row of a query. */
export function rows(path: string, query: string): Record<string, unknown>[] {
  return inspect(path, (db) => db.prepare(query).all() as Record<string, unknown>[])
}

/**
 * The schema as the corpus dumps it: one `sql;` line per object, sorted by type, name, tbl_name;
 * without the toolkit's own tables (all of them, as the ledger grows).
 */
export function schemaDump(path: string, exclude: readonly string[] = RESERVED_TABLES): string {
  const placeholders = exclude.map(() => '?').join(', ')
  return inspect(path, (db) =>
    (
      db
        .prepare(
          `SELECT sql || ';' AS line FROM sqlite_master WHERE sql IS NOT NULL` +
            (exclude.length ? ` AND name NOT IN (${placeholders})` : '') +
            ` ORDER BY type, name, tbl_name`,
        )
        .all(...exclude) as { line: string }[]
    )
      .map((row) => `${row.line}\n`)
      .join(''),
  )
}

/** A full logical dump (schema and every row of every table), for "nothing changed" assertions. */
export function fullDump(path: string): string {
  return inspect(path, (db) => {
    const objects = db
      .prepare(`SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name`)
      .all() as { type: string; name: string; sql: string }[]
    const lines = objects.map((o) => o.sql)
    for (const table of objects.filter((o) => o.type === 'table')) {
      const data = db
        .prepare(`SELECT * FROM "${table.name.replaceAll('"', '""')}"`)
        .raw()
        .all()
      lines.push(`${table.name}: ${JSON.stringify(data, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`)
    }
    return lines.join('\n')
  })
}
