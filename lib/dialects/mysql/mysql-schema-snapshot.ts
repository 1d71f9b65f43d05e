import { type Kysely, sql } from 'kysely'
import type { SchemaSnapshotter, SnapshotObject, SnapshotPart } from '../schema-snapshot.js'
import { quoteIdent } from './mysql-lexer.js'
import { withoutCounter } from './mysql-probe.js'

interface TableRow {
  readonly name: string
  readonly type: string
  readonly db: string
}

interface TriggerRow {
  readonly table_name: string
  readonly name: string
  readonly timing: string
  readonly event: string
  readonly action: string
}

/**
 * MySQL and MariaDB print a table's canonical definition themselves (`SHOW CREATE TABLE`), one
 * line per column, key and constraint: those lines are the parts. The database's own name is
 * taken out of view definitions, and the table's next AUTO_INCREMENT value (data, not schema)
 * out of table definitions, so a replay in another database compares equal.
 */
export const mysqlSchemaSnapshot: SchemaSnapshotter = Object.freeze<SchemaSnapshotter>({
  async describe(conn: Kysely<any>, names: readonly string[]): Promise<readonly SnapshotObject[]> {
    if (names.length === 0) return []
    const { rows: tables } = await sql<TableRow>`
      SELECT TABLE_NAME AS name, TABLE_TYPE AS type, DATABASE() AS db FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${sql.join(names)}) ORDER BY TABLE_NAME`.execute(conn)
    if (tables.length === 0) return []
    const { rows: triggers } = await sql<TriggerRow>`
      SELECT EVENT_OBJECT_TABLE AS table_name, TRIGGER_NAME AS name, ACTION_TIMING AS timing,
             EVENT_MANIPULATION AS event, ACTION_STATEMENT AS action
      FROM information_schema.TRIGGERS
      WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE IN (${sql.join(tables.map((t) => t.name))})
      ORDER BY TRIGGER_NAME`.execute(conn)
    const objects: SnapshotObject[] = []
    for (const table of tables) {
      const parts: SnapshotPart[] = []
      const lines: string[] = []
      const dbPrefix = `${quoteIdent(table.db)}.`
      if (table.type === 'VIEW') {
        const { rows } = await sql<{ definition: string; check_option: string }>`
          SELECT VIEW_DEFINITION AS definition, CHECK_OPTION AS check_option FROM information_schema.VIEWS
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ${table.name}`.execute(conn)
        const definition = (rows[0]?.definition ?? '').replaceAll(dbPrefix, '')
        const check =
          rows[0]?.check_option && rows[0].check_option !== 'NONE' ? ` WITH ${rows[0].check_option} CHECK OPTION` : ''
        const text = `CREATE VIEW ${quoteIdent(table.name)} AS ${definition}${check}`
        parts.push({ kind: 'definition', name: table.name, sql: text })
        lines.push(`${text};`)
      } else {
        const { rows } = await sql
          .raw<Record<string, string>>(`SHOW CREATE TABLE ${quoteIdent(table.name)}`)
          .execute(conn)
        const text = withoutCounter(String(rows[0]?.['Create Table'] ?? ''))
        for (const line of text.split('\n').slice(1)) parts.push(partOf(line.trim().replace(/,$/, '')))
        lines.push(`${text};`)
      }
      for (const trigger of triggers.filter((t) => t.table_name === table.name)) {
        const text = `CREATE TRIGGER ${quoteIdent(trigger.name)} ${trigger.timing} ${trigger.event} ON ${quoteIdent(table.name)} FOR EACH ROW ${trigger.action.replaceAll(dbPrefix, '')}`
        parts.push({ kind: 'trigger', name: trigger.name, sql: text })
        lines.push(`${text};`)
      }
      objects.push({ name: table.name, type: table.type === 'VIEW' ? 'view' : 'table', parts, ddl: lines.join('\n') })
    }
    return objects
  },
})

/** One line of `SHOW CREATE TABLE` (without its comma) as a part: a column, a key, a constraint, or the options. */
function partOf(line: string): SnapshotPart {
  if (line.startsWith(')')) return { kind: 'options', name: 'table options', sql: line.replace(/^\)\s*/, '') }
  const column = /^`((?:[^`]|``)*)`/.exec(line)
  if (column) return { kind: 'column', name: (column[1] as string).replaceAll('``', '`'), sql: line }
  if (line.startsWith('PRIMARY KEY')) return { kind: 'index', name: 'PRIMARY', sql: line }
  const named = /`((?:[^`]|``)*)`/.exec(line)
  const name = named ? (named[1] as string).replaceAll('``', '`') : line
  return { kind: line.startsWith('CONSTRAINT') ? 'constraint' : 'index', name, sql: line }
}
