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
    const objects: SnapshotObject[] = []
    for (const row of rows) {
      if (row.type !== 'table' && row.type !== 'view') continue
      const owned = wanted.get(lower(row.name))
      if (owned === undefined) continue
      const parts: SnapshotPart[] = []
      if (row.type === 'table') {
        const { rows: columns } = await sql<ColumnRow>`SELECT * FROM pragma_table_xinfo(${row.name})`.execute(conn)
        for (const column of columns) parts.push({ kind: 'column', name: column.name, sql: columnSql(column) })
      }
      const attached = rows.filter(
        (other) => (other.type === 'index' || other.type === 'trigger') && lower(other.tbl_name) === lower(row.name),
      )
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

function lower(name: string): string {
  return name.replace(/[A-Z]+/g, (letters) => letters.toLowerCase())
}
