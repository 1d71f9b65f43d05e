/**
 * Reads a SQLite database's tables and views into the schema model, with SQLite's own catalog:
 * `pragma_table_list` (kind, WITHOUT ROWID, STRICT; FTS shadow tables), `pragma_table_xinfo`
 * (columns, including generated ones, with `hidden`) and the `CREATE` text in `sqlite_schema`.
 * Kysely's introspector is not used: it misses generated columns, STRICT, WITHOUT ROWID and
 * shadow tables, and gets rowid aliases' nullability wrong.
 *
 * @module
 */
import { type Kysely, sql } from 'kysely'
import {
  type ColumnModel,
  type RelationKind,
  type SchemaModel,
  type SchemaProblem,
  type StorageClass,
  type TableModel,
  columnModel,
  compareNames,
  schemaModel,
  tableModel,
} from '../../model.js'
import { unaddressableTableReason } from '../../names.js'
import type { Owners } from '../codegen-dialect.js'
import { type DefaultProbe, defaultStorageClasses } from './sqlite-defaults.js'
import { openScratchDatabase } from './sqlite-scratch.js'
import { type SchemaEntry, viewOrigins } from './sqlite-view-origins.js'
import { type TableClauses, readTableClauses } from './sqlite-ddl.js'

interface RelationRow {
  name: string
  type: 'table' | 'view' | 'virtual' | 'shadow'
  wr: number
  strict: number
}

interface ColumnRow {
  table_name: string
  cid: number
  name: string
  type: string
  notnull: number
  dflt_value: string | null
  pk: number
  hidden: number
}

const RELATION_KINDS: Readonly<Record<string, RelationKind | undefined>> = {
  table: 'table',
  view: 'view',
  virtual: 'virtual-table',
}

/** `hidden` in `pragma_table_xinfo`: 1 = a virtual table's hidden column, 2 = virtual generated, 3 = stored generated. */
const HIDDEN_VIRTUAL_TABLE_COLUMN = 1
const GENERATED_STORAGE: Readonly<Record<number, 'virtual' | 'stored' | undefined>> = { 2: 'virtual', 3: 'stored' }

/**
 * Introspects the `main` schema: every table, view and virtual table, except `sqlite_*`,
 * shadow tables (FTS internals) and the names in `exclude` (the toolkit's own tables).
 */
export async function introspectSqlite(
  db: Kysely<any>,
  owners: Owners,
  exclude: readonly string[],
): Promise<SchemaModel> {
  const excluded = new Set(exclude.map((name) => name.toLowerCase()))
  const { rows: relations } = await sql<RelationRow>`
    SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main'`.execute(db)
  const unaddressable: SchemaProblem[] = []
  const wanted = relations.filter((relation) => {
    const kind = RELATION_KINDS[relation.type]
    if (kind === undefined || /^sqlite_/i.test(relation.name) || excluded.has(relation.name.toLowerCase())) return false
    const reason = unaddressableTableReason(relation.name)
    if (reason === undefined) return true
    unaddressable.push({
      relation: relation.name,
      owner: owners.get(relation.name)?.skill,
      reason: `${kind === 'view' ? 'view' : 'table'} "${relation.name}" is left out: ${reason}`,
    })
    return false
  })
  const { rows: schema } = await sql<SchemaEntry>`
    SELECT type, name, sql FROM sqlite_schema WHERE type IN ('table', 'view') ORDER BY rowid`.execute(db)
  const createText = new Map(schema.map((row) => [row.name, row.sql ?? '']))
  const { columns, problems: columnProblems } = await readColumns(db, wanted, owners)
  unaddressable.sort((a, b) => compareNames(a.relation, b.relation))
  const problems = [...unaddressable, ...columnProblems]
  const defaults = await readDefaults(db, wanted, columns, schema, owners, problems)

  const tables: TableModel[] = []
  for (const relation of wanted) {
    const rows = columns.get(relation.name)
    if (rows === undefined) continue
    const kind = RELATION_KINDS[relation.type] as RelationKind
    const clauses = kind === 'view' ? undefined : readTableClauses(createText.get(relation.name) ?? '')
    const options = [...(relation.strict ? ['STRICT'] : []), ...(relation.wr ? ['WITHOUT ROWID'] : [])]
    tables.push(
      tableModel({
        name: relation.name,
        kind,
        owner: owners.get(relation.name),
        options,
        module: clauses?.module,
        columns: toColumns(rows, kind, relation.wr === 1, clauses, defaults),
      }),
    )
  }
  return schemaModel('sqlite', tables, problems)
}

/**
 * Every column of the relations, in one query. A view whose columns cannot be computed (it
 * reads a table that was dropped) makes that query fail; then each relation is read alone and
 * the broken ones are reported as problems.
 */
async function readColumns(
  db: Kysely<any>,
  relations: readonly RelationRow[],
  owners: Owners,
): Promise<{ columns: Map<string, ColumnRow[]>; problems: SchemaProblem[] }> {
  const columns = new Map<string, ColumnRow[]>(relations.map((relation) => [relation.name, []]))
  const problems: SchemaProblem[] = []
  try {
    const { rows } = await sql<ColumnRow>`
      SELECT l.name AS table_name, c.cid, c.name, c.type, c."notnull", c.dflt_value, c.pk, c.hidden
      FROM pragma_table_list AS l JOIN pragma_table_xinfo(l.name, l.schema) AS c
      WHERE l.schema = 'main' AND l.type IN ('table', 'view', 'virtual')
      ORDER BY l.name, c.cid`.execute(db)
    for (const row of rows) columns.get(row.table_name)?.push(row)
  } catch {
    for (const relation of relations) {
      try {
        const { rows } = await sql<ColumnRow>`
          SELECT ${relation.name} AS table_name, cid, name, type, "notnull", dflt_value, pk, hidden
          FROM pragma_table_xinfo(${relation.name}) ORDER BY cid`.execute(db)
        columns.set(relation.name, rows)
      } catch (error) {
        columns.delete(relation.name)
        const message = error instanceof Error ? error.message : String(error)
        const reason = /no such function/.test(message)
          ? `${message} (an application-defined function: open the database with it registered, by passing your own Kysely instance, to include it)`
          : message
        problems.push({
          relation: relation.name,
          owner: owners.get(relation.name)?.skill,
          reason: `${relation.type} "${relation.name}" is left out: ${reason}`,
        })
      }
    }
  }
  return { columns, problems }
}

/**
 * What each default stores (see `sqlite-defaults.ts`), by column row; a view column gets what
 * its origin's default stores (see `sqlite-view-origins.ts`).
 */
async function readDefaults(
  db: Kysely<any>,
  relations: readonly RelationRow[],
  columns: ReadonlyMap<string, readonly ColumnRow[]>,
  schema: readonly SchemaEntry[],
  owners: Owners,
  problems: SchemaProblem[],
): Promise<Map<ColumnRow, StorageClass | undefined>> {
  const rows: ColumnRow[] = []
  const probes: DefaultProbe[] = []
  for (const relation of relations) {
    if (relation.type !== 'table') continue
    for (const row of columns.get(relation.name) ?? []) {
      // A column without a declared type holds anything; its default changes nothing.
      if (row.dflt_value === null || row.type.trim() === '') continue
      rows.push(row)
      probes.push({ declaredType: row.type, defaultExpression: row.dflt_value, strict: relation.strict === 1 })
    }
  }
  const views = relations.filter((relation) => relation.type === 'view').map((relation) => relation.name)
  const byRow = new Map<ColumnRow, StorageClass | undefined>()
  if (probes.length === 0) return byRow
  const scratch = await openScratchDatabase()
  try {
    const measured = await defaultStorageClasses(db, scratch, probes)
    for (const [index, row] of rows.entries()) {
      const { stored, problem } = measured[index] ?? { stored: undefined }
      byRow.set(row, stored)
      if (problem !== undefined) {
        const owner = owners.get(row.table_name)?.skill
        problems.push({
          relation: row.table_name,
          owner,
          reason: `column "${row.name}" of "${row.table_name}": ${problem}; its type leaves out what the DEFAULT stores`,
        })
      }
    }
    const byName = new Map(rows.map((row) => [columnKey(row.table_name, row.name), byRow.get(row)]))
    for (const [view, origins] of viewOrigins(scratch, schema, views)) {
      for (const [index, row] of (columns.get(view) ?? []).entries()) {
        const origin = origins[index]
        if (origin !== undefined) byRow.set(row, byName.get(columnKey(origin.table, origin.column)))
      }
    }
  } finally {
    scratch.close()
  }
  return byRow
}

/** SQLite compares names without case. */
function columnKey(table: string, column: string): string {
  return `${table.toLowerCase()}\u0000${column.toLowerCase()}`
}

function toColumns(
  rows: readonly ColumnRow[],
  kind: RelationKind,
  withoutRowid: boolean,
  clauses: TableClauses | undefined,
  defaults: ReadonlyMap<ColumnRow, StorageClass | undefined>,
): ColumnModel[] {
  const visible = rows.filter((row) => row.hidden !== HIDDEN_VIRTUAL_TABLE_COLUMN)
  const primaryKeys = visible.filter((row) => row.pk > 0)
  return visible.map((row) => {
    const clause = clauses?.columns.get(row.name.toLowerCase())
    const storage = GENERATED_STORAGE[row.hidden]
    // A rowid alias: the table's only primary-key column, declared exactly INTEGER, in a rowid
    // table, and not `INTEGER PRIMARY KEY DESC` (SQLite's documented exception).
    const rowidAlias =
      kind === 'table' &&
      !withoutRowid &&
      row.pk > 0 &&
      primaryKeys.length === 1 &&
      row.type.toUpperCase() === 'INTEGER' &&
      !clause?.primaryKeyDesc
    const defaultExpression = row.dflt_value ?? undefined
    return columnModel({
      name: row.name,
      declaredType: row.type,
      nullable: kind === 'view' || kind === 'virtual-table' ? true : row.notnull === 0 && !rowidAlias,
      primaryKey: row.pk > 0,
      defaultExpression,
      defaultStorageClass: defaults.get(row),
      autoIncrement: rowidAlias ? (clause?.autoincrement ? 'autoincrement' : 'rowid-alias') : undefined,
      generation: storage !== undefined ? 'always' : rowidAlias || defaultExpression !== undefined ? 'default' : 'none',
      computed: storage === undefined ? undefined : { expression: clause?.generatedExpression, storage },
    })
  })
}
