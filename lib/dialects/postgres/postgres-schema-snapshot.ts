import { type Kysely, sql } from 'kysely'
import type { SchemaSnapshotter, SnapshotObject, SnapshotPart } from '../schema-snapshot.js'
import { quoteIdent } from './postgres-connector.js'

interface RelationRow {
  readonly name: string
  readonly oid: string
  readonly relkind: string
}

interface ColumnRow {
  readonly oid: string
  readonly name: string
  readonly type: string
  readonly notnull: boolean
  readonly default: string | null
  readonly identity: string
  readonly generated: string
  readonly collation: string | null
}

interface NamedDefinition {
  readonly oid: string
  readonly name: string
  readonly definition: string
}

/**
 * PostgreSQL describes its objects itself (`format_type`, `pg_get_constraintdef`,
 * `pg_get_indexdef`, `pg_get_triggerdef`, `pg_get_viewdef`), in a canonical form that does not
 * depend on how the DDL was written: a table is its columns, constraints, indexes and triggers.
 * Five catalog queries, whatever the number of objects.
 */
export const postgresSchemaSnapshot: SchemaSnapshotter = Object.freeze<SchemaSnapshotter>({
  async describe(conn: Kysely<any>, names: readonly string[]): Promise<readonly SnapshotObject[]> {
    if (names.length === 0) return []
    // An ownership name is schema-qualified when the object is outside the connection's schema.
    const schemas = names.map((name) => (name.includes('.') ? name.slice(0, name.indexOf('.')) : null))
    const relations = names.map((name) => (name.includes('.') ? name.slice(name.indexOf('.') + 1) : name))
    const { rows: found } = await sql<RelationRow>`
      SELECT t.name, c.oid::text AS oid, c.relkind::text AS relkind
      FROM unnest(${sql.val(names)}::text[], ${sql.val(schemas)}::text[], ${sql.val(relations)}::text[]) AS t(name, schema, rel)
      JOIN pg_namespace n ON n.nspname = coalesce(t.schema, current_schema())
      JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.rel AND c.relkind IN ('r', 'p', 'f', 'v', 'm')
      ORDER BY t.name`.execute(conn)
    if (found.length === 0) return []
    const oids = sql.val(found.map((row) => row.oid))
    const { rows: columns } = await sql<ColumnRow>`
      SELECT a.attrelid::text AS oid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
             a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS default,
             a.attidentity::text AS identity, a.attgenerated::text AS generated,
             CASE WHEN a.attcollation <> ty.typcollation THEN co.collname END AS collation
      FROM pg_attribute a
      JOIN pg_type ty ON ty.oid = a.atttypid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      LEFT JOIN pg_collation co ON co.oid = a.attcollation
      WHERE a.attrelid = ANY(${oids}::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attrelid, a.attnum`.execute(conn)
    const { rows: constraints } = await sql<NamedDefinition>`
      SELECT conrelid::text AS oid, conname AS name, pg_get_constraintdef(oid, true) AS definition
      FROM pg_constraint WHERE conrelid = ANY(${oids}::oid[]) ORDER BY conname`.execute(conn)
    // Indexes that back a constraint (primary key, unique) are the constraint's.
    const { rows: indexes } = await sql<NamedDefinition>`
      SELECT x.indrelid::text AS oid, i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
      WHERE x.indrelid = ANY(${oids}::oid[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid)
      ORDER BY i.relname`.execute(conn)
    const { rows: triggers } = await sql<NamedDefinition>`
      SELECT tgrelid::text AS oid, tgname AS name, pg_get_triggerdef(oid, true) AS definition
      FROM pg_trigger WHERE tgrelid = ANY(${oids}::oid[]) AND NOT tgisinternal ORDER BY tgname`.execute(conn)
    const { rows: views } = await sql<{ oid: string; definition: string | null }>`
      SELECT c.oid::text AS oid, pg_get_viewdef(c.oid, true) AS definition
      FROM pg_class c WHERE c.oid = ANY(${oids}::oid[]) AND c.relkind IN ('v', 'm')`.execute(conn)

    return found.map((relation): SnapshotObject => {
      const of = <T extends { oid: string }>(rows: readonly T[]): T[] => rows.filter((row) => row.oid === relation.oid)
      const label = relation.name
        .split('.')
        .map((part) => quoteIdent(part).replace(/^"([a-z_][a-z0-9_$]*)"$/, '$1'))
        .join('.')
      const parts: SnapshotPart[] = []
      const type = relation.relkind === 'v' ? 'view' : relation.relkind === 'm' ? 'materialized view' : 'table'
      const lines: string[] = []
      if (type === 'table') {
        const body: string[] = []
        for (const column of of(columns)) {
          const text = columnSql(column)
          parts.push({ kind: 'column', name: column.name, sql: text })
          body.push(text)
        }
        for (const constraint of of(constraints)) {
          const text = `CONSTRAINT ${ident(constraint.name)} ${constraint.definition}`
          parts.push({ kind: 'constraint', name: constraint.name, sql: text })
          body.push(text)
        }
        lines.push(`CREATE TABLE ${label} (\n${body.map((text) => `  ${text}`).join(',\n')}\n);`)
      } else {
        const definition = of(views)[0]?.definition ?? ''
        const text = `CREATE ${type === 'view' ? 'VIEW' : 'MATERIALIZED VIEW'} ${label} AS\n${definition.trim()}`
        parts.push({ kind: 'definition', name: relation.name, sql: text })
        lines.push(text.endsWith(';') ? text : `${text};`)
      }
      for (const index of of(indexes)) {
        parts.push({ kind: 'index', name: index.name, sql: index.definition })
        lines.push(`${index.definition};`)
      }
      for (const trigger of of(triggers)) {
        parts.push({ kind: 'trigger', name: trigger.name, sql: trigger.definition })
        lines.push(`${trigger.definition};`)
      }
      return { name: relation.name, type, parts, ddl: lines.join('\n') }
    })
  },
})

function columnSql(column: ColumnRow): string {
  const words = [ident(column.name), column.type]
  if (column.collation !== null) words.push(`COLLATE ${ident(column.collation)}`)
  if (column.generated === 's') words.push(`GENERATED ALWAYS AS (${column.default ?? ''}) STORED`)
  else if (column.identity === 'a') words.push('GENERATED ALWAYS AS IDENTITY')
  else if (column.identity === 'd') words.push('GENERATED BY DEFAULT AS IDENTITY')
  else if (column.default !== null) words.push(`DEFAULT ${column.default}`)
  if (column.notnull) words.push('NOT NULL')
  return words.join(' ')
}

/** An identifier as PostgreSQL prints it: quoted only when it must be. */
function ident(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : quoteIdent(name)
}
