import { type Kysely, sql } from 'kysely'
import type { SchemaSnapshotter, SnapshotObject, SnapshotPart } from '../schema-snapshot.js'

interface SchemaRow {
  readonly type: string
  readonly name: string
  readonly tbl_name: string
  readonly sql: string | null
}

interface ColumnRow {
  readonly name: string
  readonly type: string
  readonly notnull: number
  readonly dflt_value: string | null
  readonly pk: number
  readonly hidden: number
}

/**
 * SQLite keeps each object's CREATE text as written (and edits it in place on ALTER), so the
 * text is its definition; columns come from `pragma_table_xinfo` so that a difference can be
 * named column by column. Names compare without regard to ASCII case, as SQLite does.
 */
export const sqliteSchemaSnapshot: SchemaSnapshotter = Object.freeze<SchemaSnapshotter>({
  async describe(conn: Kysely<any>, names: readonly string[]): Promise<readonly SnapshotObject[]> {
    if (names.length === 0) return []
    const wanted = new Map(names.map((name) => [lower(name), name]))
    const { rows } = await sql<SchemaRow>`
      SELECT type, name, tbl_name, sql FROM main.sqlite_schema
      WHERE lower(tbl_name) IN (${sql.join([...wanted.keys()])}) ORDER BY type, name`.execute(conn)
    // Every column of every wanted table in one query (a query per table costs more than the rest).
    // Not of virtual tables: their module may not be loaded here, and their text defines them.
    const { rows: columns } = await sql<ColumnRow & { readonly tbl: string }>`
      SELECT m.name AS tbl, c.* FROM main.sqlite_schema AS m, pragma_table_xinfo(m.name) AS c
      WHERE m.type = 'table' AND lower(m.name) IN (${sql.join([...wanted.keys()])})
        AND upper(substr(ltrim(m.sql), 1, 14)) <> 'CREATE VIRTUAL'
      ORDER BY m.name, c.cid`.execute(conn)
    const columnsOf = groupBy(columns, (column) => column.tbl)
    const attachedTo = groupBy(
      rows.filter((row) => row.type === 'index' || row.type === 'trigger'),
      (row) => lower(row.tbl_name),
    )
    const objects: SnapshotObject[] = []
    for (const row of rows) {
      if (row.type !== 'table' && row.type !== 'view') continue
      const owned = wanted.get(lower(row.name))
      if (owned === undefined) continue
      const parts: SnapshotPart[] = []
      for (const column of columnsOf.get(row.name) ?? [])
        parts.push({ kind: 'column', name: column.name, sql: columnSql(column) })
      const attached = attachedTo.get(lower(row.name)) ?? []
      // Automatic indexes (UNIQUE, PRIMARY KEY) have no text: the table's own text defines them.
      for (const other of attached) {
        if (other.sql !== null)
          parts.push({ kind: other.type === 'index' ? 'index' : 'trigger', name: other.name, sql: other.sql })
      }
      parts.push({ kind: 'definition', name: row.name, sql: row.sql ?? '' })
      objects.push({
        name: owned,
        type: row.type,
        parts,
        ddl: [row.sql, ...attached.map((other) => other.sql)]
          .filter((text): text is string => text !== null)
          .map((text) => `${text};`)
          .join('\n'),
      })
    }
    return objects
  },
})

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const group = groups.get(key(item))
    if (group) group.push(item)
    else groups.set(key(item), [item])
  }
  return groups
}

function columnSql(column: ColumnRow): string {
  const words = [quote(column.name)]
  if (column.type !== '') words.push(column.type)
  if (column.notnull) words.push('NOT NULL')
  if (column.dflt_value !== null) words.push(`DEFAULT ${column.dflt_value}`)
  if (column.pk > 0) words.push(column.pk === 1 ? 'PRIMARY KEY' : `PRIMARY KEY (position ${column.pk})`)
  if (column.hidden === 2) words.push('GENERATED VIRTUAL')
  if (column.hidden === 3) words.push('GENERATED STORED')
  return words.join(' ')
}

function quote(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`
}

/** SQLite folds ASCII letters only. */
function lower(name: string): string {
  return /[A-Z]/.test(name) ? name.replace(/[A-Z]+/g, (letters) => letters.toLowerCase()) : name
}
