/**
 * MySQL/MariaDB column types → TypeScript, for what mysql2 returns with its default options
 * (the ones Kysely's `MysqlDialect` is usually given): measured with mysql2 3.24 on MariaDB 10.11
 * by the runtime test (`test/mysql/runtime-types.test.ts`).
 *
 * The rule for a column is chosen from `DATA_TYPE` (lower-cased), refined by `COLUMN_TYPE`
 * (`tinyint(1)`, enum values) and by the JSON mark MariaDB gives some text columns.
 *
 * @module
 */
import { type ColumnModel, type TableModel, isReadOnly } from '../../model.js'
import { type TypeExpr, literal, named, union } from '../../type-expr.js'
import { type BaseType, type MapOptions, type MappedColumn, type TypeMapper, applyModifiers } from '../../mapper.js'
import { isTinyintOne, typeValues } from './mysql-column-type.js'

/** The mapping rules, one per way mysql2 reads a value. */
export const MYSQL_RULES = [
  'integer',
  'boolean',
  'bigint',
  'float',
  'decimal',
  'datetime',
  'date',
  'time',
  'text',
  'enum',
  'set',
  'json',
  'mariadb-json',
  'json-or-text',
  'binary',
  'bit',
  'geometry',
  'unknown',
] as const

export type MysqlRule = (typeof MYSQL_RULES)[number]

/** `DATA_TYPE` → rule, before the refinements (`tinyint(1)`, MariaDB JSON). */
const RULES: Readonly<Record<string, MysqlRule | undefined>> = {
  tinyint: 'integer',
  smallint: 'integer',
  mediumint: 'integer',
  int: 'integer',
  integer: 'integer',
  year: 'integer',
  bigint: 'bigint',
  float: 'float',
  double: 'float',
  real: 'float',
  decimal: 'decimal',
  numeric: 'decimal',
  date: 'date',
  datetime: 'datetime',
  timestamp: 'datetime',
  time: 'time',
  char: 'text',
  varchar: 'text',
  tinytext: 'text',
  text: 'text',
  mediumtext: 'text',
  longtext: 'text',
  // MariaDB's own types: mysql2 returns their text form.
  uuid: 'text',
  inet4: 'text',
  inet6: 'text',
  enum: 'enum',
  set: 'set',
  json: 'json',
  binary: 'binary',
  varbinary: 'binary',
  tinyblob: 'binary',
  blob: 'binary',
  mediumblob: 'binary',
  longblob: 'binary',
  bit: 'bit',
  geometry: 'geometry',
  point: 'geometry',
  linestring: 'geometry',
  polygon: 'geometry',
  multipoint: 'geometry',
  multilinestring: 'geometry',
  multipolygon: 'geometry',
  geometrycollection: 'geometry',
  geomcollection: 'geometry',
}

/** Rules whose values MariaDB can mark as JSON (a text or blob column with a `json_valid` CHECK). */
const JSON_CAPABLE: ReadonlySet<MysqlRule> = new Set(['text', 'binary'])

/** The rule that reads a column: what mysql2 does with its values. */
export function mysqlRule(column: Pick<ColumnModel, 'declaredType' | 'format'>, dataType: string): MysqlRule {
  const rule = RULES[dataType.toLowerCase()] ?? 'unknown'
  if (JSON_CAPABLE.has(rule) && column.format === 'json') return 'mariadb-json'
  if (JSON_CAPABLE.has(rule) && column.format === 'json-or-text') return 'json-or-text'
  if (rule === 'integer' && isTinyintOne(column.declaredType)) return 'boolean'
  return rule
}

/** `DATA_TYPE` from `COLUMN_TYPE`: its first word (`int(10) unsigned` → `int`). */
export function dataTypeOf(columnType: string): string {
  return (/^\s*([A-Za-z0-9_]+)/.exec(columnType)?.[1] ?? '').toLowerCase()
}

const BIGINT_NUMBER_NOTE =
  "a number, exact up to 2^53 - 1 (bigNumbers: 'string' for mysql2's supportBigNumbers + bigNumberStrings)"
const MARIADB_JSON_LATER =
  'parsed by mysql2 3.23 and later; earlier versions return the text, which the type admits too'

/** The value type of a column and the notes that explain it (before nullability and generation). */
export function mysqlBaseType(
  column: Pick<ColumnModel, 'declaredType' | 'format' | 'enumValues'>,
  options: MapOptions,
  inView = false,
): BaseType & { readonly rule: MysqlRule; readonly notes: readonly string[] } {
  const rule = mysqlRule(column, dataTypeOf(column.declaredType))
  const plain = (type: TypeExpr, notes: readonly string[] = []) => ({ type, select: type, rule, notes })
  const wrapped = (name: string, select: string, notes: readonly string[] = []) => ({
    type: named(name),
    select: named(select),
    rule,
    notes,
  })
  switch (rule) {
    case 'integer':
    case 'float':
      return plain(named('number'))
    case 'boolean':
      return options.booleans === 'boolean'
        ? plain(named('boolean'), [
            'typed boolean, which needs a typeCast that maps tinyint(1) to false/true (mysql2 returns 0/1)',
          ])
        : plain(named('number'), ["0/1 (booleans: 'boolean' for an application whose typeCast converts)"])
    case 'bigint':
      return options.bigNumbers === 'string'
        ? wrapped('Int8', 'string', ['a string, for mysql2 with supportBigNumbers and bigNumberStrings'])
        : plain(named('number'), [BIGINT_NUMBER_NOTE])
    case 'decimal':
      return wrapped('Decimal', 'string')
    case 'datetime':
      return wrapped('Timestamp', 'Date')
    case 'date':
      return wrapped('Timestamp', 'Date', [
        "a Date at midnight in mysql2's timezone (local by default), so its UTC day may differ",
      ])
    case 'time':
      return plain(named('string'), ["text such as 'HH:MM:SS' (may be negative or above 24 hours)"])
    case 'text':
      return plain(named('string'))
    case 'enum': {
      const values = column.enumValues ?? typeValues(column.declaredType) ?? []
      return values.length === 0 ? plain(named('string')) : plain(union(...values.map(literal)))
    }
    case 'set':
      return plain(named('string'), ['the chosen members, comma-separated'])
    case 'json':
      return wrapped('Json', 'JsonValue', ['parsed by mysql2 on select, JSON text on insert and update'])
    case 'mariadb-json':
      return wrapped('Json', 'JsonValue', [
        inView
          ? `MariaDB JSON (from a JSON column or function): ${MARIADB_JSON_LATER}`
          : `MariaDB JSON (text with a json_valid CHECK): ${MARIADB_JSON_LATER}`,
      ])
    case 'json-or-text':
      return plain(named('JsonValue'), [
        'text, or a parsed value when MariaDB marks it as JSON: codegen could not trace this view column to its source',
      ])
    case 'binary':
      return plain(named('Buffer'))
    case 'bit':
      return plain(named('Buffer'), ['the bits as a Buffer, most significant byte first'])
    case 'geometry':
      return plain(named('unknown'), ['parsed by mysql2 into objects (a POINT is { x, y })'])
    case 'unknown':
      return plain(named('unknown'), ['a type codegen does not know'])
  }
}

/** Column types that say nothing beyond their TypeScript type; the others are shown in the JSDoc. */
const PLAIN_TYPES =
  /^((tiny|small|medium|big)?int|integer)(\(\d+\))?$|^(float|double|date|datetime|timestamp|json|(tiny|medium|long)?text|(tiny|medium|long)?blob|uuid|inet4|inet6)$/i

/** The first line of a column's JSDoc: its declaration as it matters to a reader. */
function describeColumn(column: ColumnModel, rule: MysqlRule): string | undefined {
  const parts: string[] = []
  const declared = column.declaredType.trim()
  // Enum values are in the type itself, and a MariaDB JSON column's LONGTEXT says nothing useful.
  if (
    rule !== 'enum' &&
    rule !== 'mariadb-json' &&
    (!PLAIN_TYPES.test(declared) || rule === 'bigint' || rule === 'boolean')
  ) {
    parts.push(declared)
  }
  if (column.autoIncrement !== undefined) parts.push('AUTO_INCREMENT')
  if (column.defaultExpression !== undefined) parts.push(`DEFAULT ${column.defaultExpression}`)
  if (column.computed !== undefined) {
    const expression = column.computed.expression === undefined ? '' : ` AS (${column.computed.expression})`
    parts.push(`GENERATED ALWAYS${expression} ${column.computed.storage.toUpperCase()}`)
  }
  parts.push(...(column.options ?? []))
  return parts.length === 0 ? undefined : parts.join(' ')
}

export const mysqlTypeMapper: TypeMapper = Object.freeze({
  headerNotes(options: MapOptions): readonly string[] {
    return options.bigNumbers === 'string'
      ? ['BIGINT columns are strings: connect with mysql2 supportBigNumbers and bigNumberStrings.']
      : [
          'BIGINT columns are JavaScript numbers: exact up to 2^53 - 1 (Number.MAX_SAFE_INTEGER); larger ones come back rounded.',
          "For larger values, connect with mysql2 supportBigNumbers and bigNumberStrings and generate with bigNumbers: 'string' (--big-numbers string).",
        ]
  },
  mapColumn(column: ColumnModel, table: TableModel, options: MapOptions): MappedColumn {
    const base = mysqlBaseType(column, options, isReadOnly(table))
    const head = describeColumn(column, base.rule)
    const invisible = column.options?.includes('INVISIBLE')
      ? ['not returned by SELECT * (selectAll): select it by name']
      : []
    const notes = [...base.notes, ...invisible].join('; ')
    const summary = head === undefined ? notes : notes === '' ? head : `${head}: ${notes}`
    const docs = [summary, column.comment ?? ''].filter((line) => line !== '')
    return Object.freeze({ type: applyModifiers(base, column, table), docs: Object.freeze(docs) })
  },
  describeTable(table: TableModel): string | undefined {
    return table.options.length === 0 ? undefined : table.options.join(', ')
  },
})
