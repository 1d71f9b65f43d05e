/**
 * Where each column of a view comes from: SQLite resolves it when it prepares `SELECT * FROM
 * <view>` (better-sqlite3's `columns()`: the table and column at the origin, through views of
 * views). The origin tells what the catalog does not say about a view column, such as what its
 * table's `DEFAULT` stores. The tables and views are created, empty, in the scratch database
 * for it; the described database is not touched.
 *
 * @module
 */
import type { ScratchDatabase } from './sqlite-scratch.js'

/** A `CREATE TABLE` or `CREATE VIEW` statement as `sqlite_schema` keeps it. */
export interface SchemaEntry {
  readonly type: string
  readonly name: string
  readonly sql: string | null
}

export interface ColumnOrigin {
  readonly table: string
  readonly column: string
}

/**
 * The origin of each column of the given views, by position (`undefined` for a computed
 * column). A view SQLite cannot prepare here (it calls a function only the application's
 * connection has) gets no entry.
 */
export function viewOrigins(
  scratch: ScratchDatabase,
  schema: readonly SchemaEntry[],
  views: readonly string[],
): Map<string, readonly (ColumnOrigin | undefined)[]> {
  const origins = new Map<string, readonly (ColumnOrigin | undefined)[]>()
  if (views.length === 0) return origins
  // Tables first, then views (a view may be created before the tables it reads); what cannot be
  // created here (an internal table, a module this build lacks) is left out.
  for (const type of ['table', 'view']) {
    for (const entry of schema) {
      if (entry.type !== type || entry.sql === null) continue
      try {
        scratch.prepare(entry.sql).run()
      } catch {
        // Left out: views that read it get no origins.
      }
    }
  }
  for (const view of views) {
    try {
      const columns = scratch.prepare(`SELECT * FROM "${view.replaceAll('"', '""')}"`).columns()
      origins.set(
        view,
        columns.map((column) =>
          column.table === null || column.column === null ? undefined : { table: column.table, column: column.column },
        ),
      )
    } catch {
      // No origins for this view.
    }
  }
  return origins
}
