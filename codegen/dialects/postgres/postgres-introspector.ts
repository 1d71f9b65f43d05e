/**
 * Reads a PostgreSQL database's tables, views and materialized views into the schema model, from
 * `pg_catalog` (three queries: relations, columns, and the types they use). Kysely's introspector
 * is not used: it misses materialized views, enum values, domains' base types, array element
 * types, identity `ALWAYS` and generated columns (it counts them as defaults).
 *
 * Names follow the ownership ledger (`listSchemaObjects` of the PostgreSQL dialect): a relation
 * in the session's current schema is `name`, one elsewhere `schema.name`, which is also how
 * Kysely addresses it.
 *
 * @module
 */
import { type Kysely, sql } from 'kysely'
import {
  type ColumnModel,
  type RelationKind,
  type SchemaModel,
  type SchemaProblem,
  columnModel,
  compareNames,
  schemaModel,
  tableModel,
} from '../../model.js'
import type { Owners } from '../codegen-dialect.js'
import { enumTypeNames } from './postgres-type-map.js'

interface RelationRow {
  oid: number
  schema: string
  name: string
  relkind: string
  relpersistence: string
  current: boolean | null
  comment: string | null
  partition_key: string | null
  partition_of: string | null
  partition_bound: string | null
}

interface ColumnRow {
  relid: number
  name: string
  declared: string
  type_oid: number
  dimensions: number
  not_null: boolean
  identity: string
  generated: string
  expression: string | null
  comment: string | null
  primary_key: boolean
}

interface TypeRow {
  oid: number
  schema: string
  name: string
  kind: string
  base: number
  element: number
  is_array: boolean
  domain_base: string | null
  enum_values: string[] | null
  current: boolean | null
}

const RELATION_KINDS: Readonly<Record<string, RelationKind | undefined>> = {
  r: 'table',
  p: 'table',
  f: 'table',
  v: 'view',
  m: 'materialized-view',
}

/**
 * Introspects every schema but PostgreSQL's own (`pg_catalog`, `information_schema`, `pg_toast`,
 * temporary schemas): tables (partitioned ones and partitions included), foreign tables, views
 * and materialized views, except objects that belong to an extension and the names in `exclude`
 * (the toolkit's own tables, in whatever schema they are).
 */
export async function introspectPostgres(
  db: Kysely<any>,
  owners: Owners,
  exclude: readonly string[],
): Promise<SchemaModel> {
  const excluded = new Set(exclude)
  const { rows: allRelations } = await sql<RelationRow>`
    SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind, c.relpersistence,
           n.nspname = current_schema() AS current,
           obj_description(c.oid, 'pg_class') AS comment,
           CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
           CASE WHEN c.relispartition THEN (
             SELECT CASE WHEN pn.nspname = current_schema() THEN pc.relname ELSE pn.nspname || '.' || pc.relname END
             FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace
             WHERE i.inhrelid = c.oid) END AS partition_of,
           CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`.execute(db)
  const problems: SchemaProblem[] = []
  const relations = allRelations.filter((relation) => {
    if (excluded.has(relation.name)) return false
    if (!relation.name.includes('.') && !(relation.current !== true && relation.schema.includes('.'))) return true
    const name = nameOf(relation)
    problems.push({
      relation: name,
      owner: owners.get(name)?.skill,
      reason: `${RELATION_KINDS[relation.relkind] ?? 'relation'} "${name}" is left out: Kysely reads a "." in a table reference as schema.table, so it cannot name it (rename it)`,
    })
    return false
  })
  problems.sort((a, b) => compareNames(a.relation, b.relation))
  if (relations.length === 0) return schemaModel('postgres', [], problems)

  const oids = relations.map((relation) => relation.oid)
  const { rows: columnRows } = await sql<ColumnRow>`
    SELECT a.attrelid AS relid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS declared,
           a.atttypid AS type_oid, a.attndims AS dimensions, a.attnotnull AS not_null, a.attidentity AS identity, a.attgenerated AS generated,
           pg_get_expr(ad.adbin, ad.adrelid) AS expression, col_description(a.attrelid, a.attnum) AS comment,
           EXISTS (SELECT 1 FROM pg_index i
                   WHERE i.indrelid = a.attrelid AND i.indisprimary AND a.attnum = ANY (i.indkey)) AS primary_key
    FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    WHERE a.attrelid = ANY (${oids}::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attrelid, a.attnum`.execute(db)
  // Every type the columns use, and (recursively) the base types of domains and the elements of arrays.
  const { rows: typeRows } = await sql<TypeRow>`
    WITH RECURSIVE used(oid) AS (
      SELECT DISTINCT a.atttypid FROM pg_attribute a
      WHERE a.attrelid = ANY (${oids}::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
      UNION
      SELECT x.oid FROM used u JOIN pg_type t ON t.oid = u.oid
      CROSS JOIN LATERAL (VALUES (t.typbasetype), (t.typelem)) AS x(oid) WHERE x.oid <> 0
    )
    SELECT t.oid, n.nspname AS schema, t.typname AS name, t.typtype AS kind, t.typbasetype AS base,
           t.typelem AS element,
           t.typelem <> 0 AND EXISTS (SELECT 1 FROM pg_type e WHERE e.oid = t.typelem AND e.typarray = t.oid) AS is_array,
           CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS domain_base,
           CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_enum e
                                                WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END AS enum_values,
           n.nspname = current_schema() AS current
    FROM used u JOIN pg_type t ON t.oid = u.oid JOIN pg_namespace n ON n.oid = t.typnamespace`.execute(db)

  const types = new Map(typeRows.map((row) => [row.oid, row]))
  const columnsOf = new Map<number, ColumnRow[]>(oids.map((oid) => [oid, []]))
  for (const row of columnRows) columnsOf.get(row.relid)?.push(row)
  const enumNames = enumTypeNames(
    columnRows.flatMap((row) => {
      const found = enumOf(types, row.type_oid)
      return found === undefined ? [] : [displayName(found)]
    }),
  )

  const tables = relations.map((relation) => {
    const kind = RELATION_KINDS[relation.relkind] as RelationKind
    const name = nameOf(relation)
    return tableModel({
      name,
      kind,
      owner: owners.get(name),
      options: optionsOf(relation),
      columns: (columnsOf.get(relation.oid) ?? []).map((row) => toColumn(row, kind, types, enumNames)),
      comment: relation.comment ?? undefined,
    })
  })
  return schemaModel('postgres', tables, problems)
}

/** A relation's name as the ownership ledger and Kysely know it. */
function nameOf(relation: Pick<RelationRow, 'schema' | 'name' | 'current'>): string {
  return relation.current === true ? relation.name : `${relation.schema}.${relation.name}`
}

/** A user-defined type's name as a table's would be: bare in the current schema, else schema-qualified. */
function displayName(type: TypeRow): string {
  return type.current === true ? type.name : `${type.schema}.${type.name}`
}

/** A type's name in the model: the catalog's name when built in, else schema-qualified (never mistaken for one). */
function typeName(type: TypeRow | undefined): string | undefined {
  if (type === undefined) return undefined
  return type.schema === 'pg_catalog' ? type.name : `${type.schema}.${type.name}`
}

/** The type a domain stands for, through domains of domains. */
function resolveDomain(types: ReadonlyMap<number, TypeRow>, oid: number): TypeRow | undefined {
  let type = types.get(oid)
  for (let depth = 0; type !== undefined && type.kind === 'd' && depth < 100; depth++) type = types.get(type.base)
  return type
}

/** The enum a column's values are (or whose array they are), if any. */
function enumOf(types: ReadonlyMap<number, TypeRow>, oid: number): TypeRow | undefined {
  const wire = resolveDomain(types, oid)
  const value = wire?.is_array ? resolveDomain(types, wire.element) : wire
  return value?.kind === 'e' ? value : undefined
}

function optionsOf(relation: RelationRow): string[] {
  const options: string[] = []
  if (relation.relkind === 'f') options.push('FOREIGN TABLE')
  if (relation.relpersistence === 'u') options.push('UNLOGGED')
  if (relation.partition_key !== null) options.push(`PARTITION BY ${relation.partition_key}`)
  if (relation.partition_of !== null) {
    options.push(
      `PARTITION OF ${relation.partition_of}${relation.partition_bound ? ` ${relation.partition_bound}` : ''}`,
    )
  }
  return options
}

function toColumn(
  row: ColumnRow,
  kind: RelationKind,
  types: ReadonlyMap<number, TypeRow>,
  enumNames: ReadonlyMap<string, string>,
): ColumnModel {
  // pg decodes a domain as its base type (the server sends the base type's OID), so that is the data type.
  const own = types.get(row.type_oid)
  const wire = resolveDomain(types, row.type_oid)
  const element = wire?.is_array ? resolveDomain(types, wire.element) : undefined
  const enumType = enumOf(types, row.type_oid)
  const storage = row.generated === 's' ? 'stored' : row.generated === 'v' ? 'virtual' : undefined
  const identity = row.identity === 'a' ? 'always' : row.identity === 'd' ? 'default' : undefined
  const defaultExpression = storage === undefined ? (row.expression ?? undefined) : undefined
  return columnModel({
    name: row.name,
    declaredType: row.declared,
    nullable: kind === 'view' || kind === 'materialized-view' ? true : !row.not_null,
    primaryKey: row.primary_key,
    defaultExpression,
    autoIncrement: identity === undefined ? undefined : 'identity',
    generation:
      storage !== undefined || identity === 'always'
        ? 'always'
        : identity === 'default' || defaultExpression !== undefined
          ? 'default'
          : 'none',
    computed: storage === undefined ? undefined : { expression: row.expression ?? undefined, storage },
    enumValues: enumType?.enum_values ?? undefined,
    comment: row.comment ?? undefined,
    dataType: typeName(wire),
    elementType: typeName(element),
    // PostgreSQL does not enforce the declared dimensions; a domain over an array declares none.
    arrayDimensions: element === undefined ? undefined : Math.max(1, row.dimensions),
    domainBase: own?.kind === 'd' ? (own.domain_base ?? undefined) : undefined,
    typeAlias: enumType === undefined ? undefined : enumNames.get(displayName(enumType)),
  })
}
