import { type Kysely, sql } from 'kysely'
import type { ForeignKeyViolation } from '../dialect.js'

interface CheckRow {
  table: string
  rowid: number | null
  parent: string
  fkid: number
}

interface KeyColumn {
  from: string
  to: string | null
  table: string
}

/**
 * The foreign-key violations of the database (or of the given child tables), each identified by
 * the child row's key values rather than its rowid: a table rebuild gives rows new rowids, and
 * `WITHOUT ROWID` tables have none, so only content tells an old violation from a new one.
 */
export async function sqliteForeignKeyViolations(
  conn: Kysely<any>,
  tables?: readonly string[],
): Promise<readonly ForeignKeyViolation[]> {
  const rows: CheckRow[] = []
  if (tables === undefined) {
    rows.push(...(await sql<CheckRow>`PRAGMA foreign_key_check`.execute(conn)).rows)
  } else {
    for (const table of tables)
      rows.push(...(await sql<CheckRow>`SELECT * FROM pragma_foreign_key_check(${table})`.execute(conn)).rows)
  }
  if (rows.length === 0) return []
  const groups = new Map<string, CheckRow[]>()
  for (const row of rows) {
    const key = `${row.table}\u0000${row.fkid}`
    groups.set(key, [...(groups.get(key) ?? []), row])
  }
  const violations: ForeignKeyViolation[] = []
  for (const group of groups.values()) {
    const first = group[0] as CheckRow
    const columns = (
      await sql<KeyColumn>`SELECT "from", "to", "table" FROM pragma_foreign_key_list(${first.table}) WHERE id = ${first.fkid} ORDER BY seq`.execute(
        conn,
      )
    ).rows
    const keys = await keysOf(conn, first, group, columns)
    group.forEach((row, index) =>
      violations.push(
        Object.freeze({ table: row.table, parent: row.parent, rowid: row.rowid, key: keys[index] ?? `#${index}` }),
      ),
    )
  }
  return violations
}

/** The key values of each violating row, in the order of `group`. */
async function keysOf(
  conn: Kysely<any>,
  first: CheckRow,
  group: readonly CheckRow[],
  columns: readonly KeyColumn[],
): Promise<readonly string[]> {
  if (columns.length === 0) return []
  const child = quoteName(first.table)
  const values = columns.map((column) => `quote(${quoteName(column.from)})`).join(` || ',' || `)
  if (group.every((row) => row.rowid !== null)) {
    const keys: string[] = []
    for (const row of group) {
      const { rows } = await sql
        .raw<{ key: string }>(`SELECT ${values} AS key FROM ${child} WHERE rowid = ${Number(row.rowid)}`)
        .execute(conn)
      keys.push(`fk${first.fkid}:${rows[0]?.key ?? '?'}`)
    }
    return keys
  }
  // WITHOUT ROWID: find the violating rows by what the check itself looks for.
  const parentKey = await parentColumns(conn, first.parent, columns)
  if (parentKey === undefined) return []
  const matches = columns
    .map((column, i) => `p.${quoteName(parentKey[i] as string)} = c.${quoteName(column.from)}`)
    .join(' AND ')
  const notNull = columns.map((column) => `c.${quoteName(column.from)} IS NOT NULL`).join(' AND ')
  const { rows } = await sql
    .raw<{ key: string }>(
      `SELECT ${values.replaceAll('quote(', 'quote(c.')} AS key FROM ${child} AS c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${quoteName(first.parent)} AS p WHERE ${matches}) ORDER BY 1`,
    )
    .execute(conn)
    .catch(() => ({ rows: [] as { key: string }[] }))
  return rows.length === group.length ? rows.map((row) => `fk${first.fkid}:${row.key}`) : []
}

async function parentColumns(
  conn: Kysely<any>,
  parent: string,
  columns: readonly KeyColumn[],
): Promise<readonly string[] | undefined> {
  if (columns.every((column) => column.to !== null)) return columns.map((column) => column.to as string)
  const { rows } = await sql<{ name: string }>`
    SELECT name FROM pragma_table_info(${parent}) WHERE pk > 0 ORDER BY pk`.execute(conn)
  return rows.length === columns.length ? rows.map((row) => row.name) : undefined
}

/**
 * Child tables whose foreign keys SQLite checks only at COMMIT: those declared `DEFERRABLE
 * INITIALLY DEFERRED` (found by their text; a false match only costs a check), or all of them
 * while `PRAGMA defer_foreign_keys` is on.
 */
export async function sqliteDeferredForeignKeyTables(conn: Kysely<any>): Promise<readonly string[] | 'all'> {
  const { rows: defer } = await sql<{ defer_foreign_keys: number }>`PRAGMA defer_foreign_keys`.execute(conn)
  if (Number(defer[0]?.defer_foreign_keys ?? 0) === 1) return 'all'
  const { rows } = await sql<{ name: string }>`
    SELECT name FROM main.sqlite_schema WHERE type = 'table' AND sql LIKE '%deferred%'`.execute(conn)
  return rows.map((row) => row.name)
}

export function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}
