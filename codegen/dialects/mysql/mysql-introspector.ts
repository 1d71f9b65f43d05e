/**
 * Reads the current database's tables and views into the schema model, from
 * `information_schema`: `TABLES` (tables, views, system-versioned tables; sequences left out),
 * `COLUMNS` (`COLUMN_TYPE` and `EXTRA`, which say what `DATA_TYPE` does not: `tinyint(1)`,
 * `unsigned`, enum values, generated columns, `DEFAULT_GENERATED`, `INVISIBLE`), and on MariaDB
 * `CHECK_CONSTRAINTS` and `VIEWS`, to find its JSON columns (text columns the server marks as
 * JSON to the driver). Kysely's introspector is not used: it reads `DATA_TYPE` only, and counts
 * MariaDB's `'NULL'` default as a default.
 *
 * @module
 */
import { type Kysely, sql } from 'kysely'
import {
  type ColumnModel,
  type SchemaModel,
  type SchemaProblem,
  type TableModel,
  columnModel,
  schemaModel,
  tableModel,
} from '../../model.js'
import type { Owners } from '../codegen-dialect.js'
import { typeValues } from './mysql-column-type.js'
import { isJsonCheck } from './mysql-json-check.js'
import { type JsonKind, traceViewJson } from './mysql-view-json.js'

/** MySQL and MariaDB report some things differently; this says which one answered. */
export type MysqlFlavor = 'mysql' | 'mariadb'

interface RelationRow {
  name: string
  type: string
  comment: string | null
}

/** A row of `information_schema.COLUMNS`, as codegen reads it. */
export interface MysqlColumnRow {
  table_name: string
  name: string
  data_type: string
  column_type: string
  is_nullable: string
  column_default: string | null
  extra: string
  generation_expression: string | null
  column_key: string
  comment: string
}

interface CheckRow {
  table_name: string
  name: string
  level: string | null
  clause: string
}

/** `TABLE_TYPE`s that are relations with rows to type (a sequence is not; temporary tables are not listed). */
const TABLE_TYPES: Readonly<Record<string, { kind: 'table' | 'view'; options: readonly string[] } | undefined>> = {
  'BASE TABLE': { kind: 'table', options: [] },
  'SYSTEM VERSIONED': { kind: 'table', options: ['WITH SYSTEM VERSIONING'] },
  VIEW: { kind: 'view', options: [] },
}

/** `EXTRA` of a computed column: `VIRTUAL GENERATED`, `STORED GENERATED` (MariaDB's PERSISTENT reads as STORED). */
const COMPUTED = /\b(VIRTUAL|STORED|PERSISTENT) GENERATED\b/i
/** `EXTRA` of a system-versioning period column: filled in by the server, never written. */
const ROW_PERIOD = /\bROW (START|END)\b/i
/** Types whose literal defaults MySQL reports without quotes, as they are written. */
const NUMERIC_TYPES = /^(tinyint|smallint|mediumint|int|integer|bigint|decimal|numeric|float|double|real|year|bit)$/i
/** Data types whose values MariaDB can mark as JSON (a CHECK on any other type makes no difference). */
const TEXT_OR_BLOB =
  /^(char|varchar|tinytext|text|mediumtext|longtext|binary|varbinary|tinyblob|blob|mediumblob|longblob)$/i

/**
 * Introspects the current database (`DATABASE()`): every table and view, except sequences and
 * the names in `exclude` (the toolkit's own tables). Names are compared exactly, as the server
 * does with `lower_case_table_names = 0`.
 */
export async function introspectMysql(
  db: Kysely<any>,
  owners: Owners,
  exclude: readonly string[],
): Promise<SchemaModel> {
  const excluded = new Set(exclude)
  const {
    rows: [server],
  } = await sql<{
    version: string
    database: string | null
  }>`SELECT VERSION() AS version, DATABASE() AS ${sql.id('database')}`.execute(db)
  const flavor: MysqlFlavor = /mariadb/i.test(server?.version ?? '') ? 'mariadb' : 'mysql'
  const database = server?.database ?? ''
  const { rows: relations } = await sql<RelationRow>`
    SELECT TABLE_NAME AS name, TABLE_TYPE AS type, TABLE_COMMENT AS comment
    FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()`.execute(db)
  const { rows: columnRows } = await sql<MysqlColumnRow>`
    SELECT TABLE_NAME AS table_name, COLUMN_NAME AS name, DATA_TYPE AS data_type, COLUMN_TYPE AS column_type,
      IS_NULLABLE AS is_nullable, COLUMN_DEFAULT AS column_default, EXTRA AS extra,
      GENERATION_EXPRESSION AS generation_expression, COLUMN_KEY AS column_key, COLUMN_COMMENT AS comment
    FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
    ORDER BY TABLE_NAME, ORDINAL_POSITION`.execute(db)
  const columnsOf = new Map<string, MysqlColumnRow[]>()
  for (const row of columnRows) {
    const list = columnsOf.get(row.table_name) ?? []
    list.push(row)
    columnsOf.set(row.table_name, list)
  }
  const json = flavor === 'mariadb' ? await readMariadbJson(db, database, relations, columnsOf) : undefined

  const tables: TableModel[] = []
  const problems: SchemaProblem[] = []
  for (const relation of relations) {
    const type = TABLE_TYPES[relation.type]
    if (type === undefined || excluded.has(relation.name)) continue
    const rows = columnsOf.get(relation.name) ?? []
    if (rows.length === 0 && type.kind === 'view') {
      // A view over a dropped table or column has no columns in the catalog; the server says why.
      problems.push({
        relation: relation.name,
        owner: owners.get(relation.name)?.skill,
        reason: `view "${relation.name}" is left out: ${await viewError(db, relation.name)}`,
      })
      continue
    }
    tables.push(
      tableModel({
        name: relation.name,
        kind: type.kind,
        owner: owners.get(relation.name),
        options: type.options,
        columns: rows.map((row, index) =>
          toColumn(row, flavor, type.kind === 'view', json?.get(relation.name)?.[index] ?? 'text'),
        ),
        // A view's TABLE_COMMENT is 'VIEW' (MariaDB) or an error text (MySQL), not a comment.
        comment: type.kind === 'table' && relation.comment ? relation.comment : undefined,
      }),
    )
  }
  return schemaModel('mysql', tables, problems)
}

/** The column's `DEFAULT` as SQL text, or `undefined` when it has none. */
export function defaultExpression(row: MysqlColumnRow, flavor: MysqlFlavor): string | undefined {
  const value = row.column_default
  if (value === null) return undefined
  // MariaDB writes literals quoted and expressions bare, and `NULL` (unquoted) for "no default".
  if (flavor === 'mariadb') return value === 'NULL' ? undefined : value
  // MySQL writes literals bare; expressions are marked DEFAULT_GENERATED (CURRENT_TIMESTAMP is not, before 8.0.13).
  if (/\bDEFAULT_GENERATED\b/i.test(row.extra) || /^current_timestamp\b/i.test(value)) return value
  return NUMERIC_TYPES.test(row.data_type) ? value : `'${value.replaceAll("'", "''")}'`
}

/** One column of the model, from its catalog row; `json` says whether the server marks it as JSON. */
export function toColumn(row: MysqlColumnRow, flavor: MysqlFlavor, inView: boolean, json: JsonKind): ColumnModel {
  const computed = COMPUTED.exec(row.extra)
  const autoIncrement = /\bauto_increment\b/i.test(row.extra)
  const dataType = row.data_type.toLowerCase()
  const defaultValue = inView ? undefined : defaultExpression(row, flavor)
  const filled = autoIncrement || defaultValue !== undefined || /\bDEFAULT_GENERATED\b/i.test(row.extra)
  const format = !TEXT_OR_BLOB.test(dataType)
    ? undefined
    : json === 'json'
      ? 'json'
      : json === 'unknown'
        ? 'json-or-text'
        : undefined
  return columnModel({
    name: row.name,
    declaredType: row.column_type,
    nullable: inView || row.is_nullable === 'YES',
    primaryKey: row.column_key === 'PRI',
    defaultExpression: defaultValue,
    autoIncrement: autoIncrement ? 'autoincrement' : undefined,
    generation: inView ? 'none' : computed || ROW_PERIOD.test(row.extra) ? 'always' : filled ? 'default' : 'none',
    computed:
      computed === undefined || computed === null
        ? undefined
        : {
            expression: row.generation_expression ?? undefined,
            storage: computed[1]?.toUpperCase() === 'VIRTUAL' ? 'virtual' : 'stored',
          },
    enumValues: dataType === 'enum' ? typeValues(row.column_type) : undefined,
    comment: row.comment === '' ? undefined : row.comment,
    format,
    options: inView ? [] : columnOptions(row.extra),
  })
}

/** The options in `EXTRA` worth a reader's attention: `ON UPDATE …` and `INVISIBLE`. */
function columnOptions(extra: string): string[] {
  const options: string[] = []
  const onUpdate = /\bon update (.+?)(?=\s+INVISIBLE\b|$)/i.exec(extra)
  if (onUpdate) options.push(`ON UPDATE ${onUpdate[1]}`)
  if (/\bINVISIBLE\b/i.test(extra)) options.push('INVISIBLE')
  return options
}

/**
 * MariaDB's JSON columns, per relation and column position: table columns by their CHECK
 * (see `mysql-json-check.ts`), view columns traced through the view's definition.
 */
async function readMariadbJson(
  db: Kysely<any>,
  database: string,
  relations: readonly RelationRow[],
  columnsOf: ReadonlyMap<string, readonly MysqlColumnRow[]>,
): Promise<Map<string, readonly JsonKind[]>> {
  const result = new Map<string, readonly JsonKind[]>()
  let checks: CheckRow[]
  try {
    ;({ rows: checks } = await sql<CheckRow>`
      SELECT TABLE_NAME AS table_name, CONSTRAINT_NAME AS name, LEVEL AS level, CHECK_CLAUSE AS clause
      FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()`.execute(db))
  } catch {
    // Before 10.5 there is no LEVEL column, and no JSON mark for clients either: every column is text.
    return result
  }
  // A column-level CHECK is named after its column.
  const jsonColumns = new Set(
    checks
      .filter((check) => check.level === 'Column' && isJsonCheck(check.clause))
      .map((c) => `${c.table_name}\0${c.name}`),
  )
  const views = new Set(relations.filter((relation) => relation.type === 'VIEW').map((relation) => relation.name))
  const definitions = new Map<string, string>()
  if (views.size > 0) {
    const { rows } = await sql<{ name: string; definition: string }>`
      SELECT TABLE_NAME AS name, VIEW_DEFINITION AS definition
      FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()`.execute(db)
    for (const row of rows) definitions.set(row.name, row.definition)
  }
  const tracing = new Set<string>()
  const kindsOf = (relation: string): readonly JsonKind[] => {
    const known = result.get(relation)
    if (known !== undefined) return known
    const columns = columnsOf.get(relation) ?? []
    let kinds: readonly JsonKind[]
    if (!views.has(relation)) {
      kinds = columns.map((column) => (jsonColumns.has(`${relation}\0${column.name}`) ? 'json' : 'text'))
    } else if (tracing.has(relation)) {
      kinds = columns.map(() => 'unknown')
    } else {
      tracing.add(relation)
      const traced = traceViewJson(definitions.get(relation) ?? '', (schema, table, column) => {
        if (schema !== undefined && schema !== database) return 'unknown'
        const index = (columnsOf.get(table) ?? []).findIndex((row) => row.name.toLowerCase() === column.toLowerCase())
        return index < 0 ? 'unknown' : (kindsOf(table)[index] ?? 'unknown')
      })
      tracing.delete(relation)
      kinds = columns.map((_, index) => (traced?.length === columns.length ? (traced[index] ?? 'unknown') : 'unknown'))
    }
    result.set(relation, kinds)
    return kinds
  }
  for (const relation of relations) kindsOf(relation.name)
  return result
}

/** Why a view's columns cannot be read: the server's own message. */
async function viewError(db: Kysely<any>, name: string): Promise<string> {
  try {
    await sql`SELECT * FROM ${sql.id(name)} LIMIT 0`.execute(db)
    return 'the server lists no columns for it'
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}
