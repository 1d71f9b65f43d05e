/**
 * PostgreSQL column types → TypeScript, for `pg` with its default type parsers (pg-types 2).
 *
 * pg decodes a value by the type OID the server sends for its column. For a domain the server
 * sends the domain's base type, so a domain reads as its base type; but an array of a domain or
 * of an enum has its own OID, which pg has no parser for: it comes back as the array's text
 * (`'{a,b}'`). pg has parsers for a fixed list of built-in types only; every other type (an
 * extension's, a composite, a range) comes back as text. The tables below are that list.
 *
 * @module
 */
import type { ColumnModel, TableModel } from '../../model.js'
import {
  type BaseType,
  type HelperType,
  type MappedColumn,
  type TypeDefinition,
  type TypeMapper,
  applyModifiers,
} from '../../mapper.js'
import { pascalCase, quoteString } from '../../names.js'
import { type TypeExpr, array, generic, named } from '../../type-expr.js'
import { PRINT_WIDTH, textWidth } from '../../layout.js'

/** How pg returns a built-in type: a TypeScript type, or a helper `ColumnType` with what it selects. */
interface ScalarMapping {
  /** The type in the table interface (`number`, `Int8`). */
  readonly type: string
  /** What a select returns, when `type` is a helper (`Int8` → `string`). */
  readonly select?: string
}

const NUMBER: ScalarMapping = { type: 'number' }
const TIMESTAMP: ScalarMapping = { type: 'Timestamp', select: 'Date' }
const JSON_VALUE: ScalarMapping = { type: 'Json', select: 'JsonValue' }

/**
 * Built-in types pg parses (pg-types `textParsers.js`), by `pg_type.typname`. Every other type is
 * returned as the text PostgreSQL sends: `string`.
 */
export const PARSED_SCALARS: Readonly<Record<string, ScalarMapping>> = Object.freeze({
  int2: NUMBER,
  int4: NUMBER,
  oid: NUMBER,
  float4: NUMBER,
  float8: NUMBER,
  int8: { type: 'Int8', select: 'string' },
  bool: { type: 'boolean' },
  date: TIMESTAMP,
  timestamp: TIMESTAMP,
  timestamptz: TIMESTAMP,
  interval: { type: 'Interval', select: 'IntervalValue' },
  bytea: { type: 'Buffer' },
  json: JSON_VALUE,
  jsonb: JSON_VALUE,
  point: { type: 'Point', select: 'PointValue' },
  circle: { type: 'Circle', select: 'CircleValue' },
})

/**
 * Arrays pg parses, by array type name → the element type whose mapping the elements get.
 * `_numeric` is the odd one: pg parses its elements with `parseFloat`, so they are numbers.
 */
export const PARSED_ARRAYS: Readonly<Record<string, string>> = Object.freeze({
  _bool: 'bool',
  _bytea: 'bytea',
  _int2: 'int2',
  _int4: 'int4',
  _oid: 'oid',
  _int8: 'int8',
  _float4: 'float4',
  _float8: 'float8',
  _numeric: 'float8',
  _point: 'point',
  _bpchar: 'bpchar',
  _varchar: 'varchar',
  _text: 'text',
  _regproc: 'regproc',
  _macaddr: 'macaddr',
  _inet: 'inet',
  _cidr: 'cidr',
  _uuid: 'uuid',
  _money: 'money',
  _time: 'time',
  _timetz: 'timetz',
  _numrange: 'numrange',
  _date: 'date',
  _timestamp: 'timestamp',
  _timestamptz: 'timestamptz',
  _interval: 'interval',
  _json: 'json',
  _jsonb: 'jsonb',
})

/** Declared types whose TypeScript type says it all: no JSDoc line for them alone. */
const PLAIN_DECLARED: ReadonlySet<string> = new Set([
  'text',
  'integer',
  'smallint',
  'bigint',
  'boolean',
  'real',
  'double precision',
  'numeric',
  'json',
  'jsonb',
  'bytea',
  'uuid',
  'date',
  'interval',
  'timestamp with time zone',
  'timestamp without time zone',
  'character varying',
])

/** The helper types PostgreSQL files use, in the order they are defined. */
export const POSTGRES_HELPERS: readonly HelperType[] = Object.freeze([
  {
    name: 'Int8',
    needs: ['ColumnType'],
    text: [
      '/** A `bigint`: pg returns a string (it can exceed `Number.MAX_SAFE_INTEGER`); a number or a `bigint` is accepted on insert and update. */',
      'export type Int8 = ColumnType<',
      '  string,',
      '  string | number | bigint,',
      '  string | number | bigint',
      '>;',
    ].join('\n'),
  },
  {
    name: 'Numeric',
    needs: ['ColumnType'],
    text: [
      '/** A `numeric`/`decimal`: pg returns a string (exact); a number or a `bigint` is accepted on insert and update. */',
      'export type Numeric = ColumnType<',
      '  string,',
      '  string | number | bigint,',
      '  string | number | bigint',
      '>;',
    ].join('\n'),
  },
  {
    name: 'Timestamp',
    needs: ['ColumnType'],
    text: [
      "/** A `timestamp`, `timestamptz` or `date`: pg returns a `Date` (a `date` at local midnight), and the numbers `Infinity`/`-Infinity` for `'infinity'`/`'-infinity'`; a `Date` or text is accepted on insert and update. */",
      'export type Timestamp = ColumnType<Date, Date | string, Date | string>;',
    ].join('\n'),
  },
  {
    name: 'IntervalValue',
    needs: [],
    text: [
      '/** An `interval` as pg returns it (parsed by postgres-interval): only the parts that are not zero are set. */',
      'export type IntervalValue = {',
      '  years?: number;',
      '  months?: number;',
      '  days?: number;',
      '  hours?: number;',
      '  minutes?: number;',
      '  seconds?: number;',
      '  milliseconds?: number;',
      '  toPostgres(): string;',
      '  toISO(): string;',
      '  toISOString(): string;',
      '};',
    ].join('\n'),
  },
  {
    name: 'Interval',
    needs: ['ColumnType', 'IntervalValue'],
    text: [
      "/** An `interval`: an {@link IntervalValue} on select; that object, text such as `'1 day 02:00'`, or a number of seconds on insert and update. */",
      'export type Interval = ColumnType<',
      '  IntervalValue,',
      '  IntervalValue | string | number,',
      '  IntervalValue | string | number',
      '>;',
    ].join('\n'),
  },
  {
    name: 'Json',
    needs: ['ColumnType', 'JsonObject', 'JsonValue'],
    text: [
      '/**',
      ' * A `json`/`jsonb` column: pg parses it on select. On insert and update pg sends an object as JSON and',
      ' * anything else as text (so a string must be JSON text), but an array as a PostgreSQL array, which is',
      ' * not JSON: pass `JSON.stringify(array)`.',
      ' */',
      'export type Json = ColumnType<',
      '  JsonValue,',
      '  JsonObject | string | number | boolean,',
      '  JsonObject | string | number | boolean',
      '>;',
    ].join('\n'),
  },
  {
    name: 'PointValue',
    needs: [],
    text: ['/** A `point` as pg returns it. */', 'export type PointValue = { x: number; y: number };'].join('\n'),
  },
  {
    name: 'Point',
    needs: ['ColumnType', 'PointValue'],
    text: [
      "/** A `point`: a {@link PointValue} on select; text such as `'(1,2)'` on insert and update (pg would send an object as JSON). */",
      'export type Point = ColumnType<PointValue, string, string>;',
    ].join('\n'),
  },
  {
    name: 'CircleValue',
    needs: [],
    text: [
      '/** A `circle` as pg returns it. */',
      'export type CircleValue = { x: number; y: number; radius: number };',
    ].join('\n'),
  },
  {
    name: 'Circle',
    needs: ['ColumnType', 'CircleValue'],
    text: [
      "/** A `circle`: a {@link CircleValue} on select; text such as `'<(1,2),3>'` on insert and update. */",
      'export type Circle = ColumnType<CircleValue, string, string>;',
    ].join('\n'),
  },
  {
    name: 'ArrayType',
    needs: ['ColumnType'],
    text: [
      '/** An array of a type that reads and writes differently (`Int8[]`): arrays of what it reads and of what it writes. */',
      'export type ArrayType<T> =',
      '  T extends ColumnType<infer S, infer I, infer U>',
      '    ? ColumnType<S[], I[], U[]>',
      '    : T[];',
    ].join('\n'),
  },
  {
    name: 'UnparsedArray',
    needs: ['ColumnType'],
    text: [
      '/**',
      " * An array pg does not parse (of an enum, a domain, or a type pg has no parser for): the array's",
      " * text, such as `'{a,b}'`, on select; an array of elements (or such text) on insert and update.",
      ' */',
      'export type UnparsedArray<T> = ColumnType<',
      '  string,',
      '  (T extends ColumnType<unknown, infer I, unknown> ? I : T)[] | string,',
      '  (T extends ColumnType<unknown, infer I, unknown> ? I : T)[] | string',
      '>;',
    ].join('\n'),
  },
])

/**
 * Names an enum's union type must not take: the helpers (shared and PostgreSQL's), what files
 * import from `kysely`, `DB`, and the globals the files use.
 */
const RESERVED_TYPE_NAMES: ReadonlySet<string> = new Set([
  ...POSTGRES_HELPERS.map((helper) => helper.name),
  'Generated',
  'GeneratedAlways',
  'Json',
  'JsonValue',
  'JsonArray',
  'JsonObject',
  'JsonPrimitive',
  'ColumnType',
  'Insertable',
  'Selectable',
  'Updateable',
  'DB',
  'Buffer',
  'Date',
])

/** Endings of the names made from table names (`UsersTable`, `UsersRow`, …): an enum's name never has them. */
const RELATION_SUFFIXES = /(Table|View|Row|Insert|Update)$/

/**
 * The union type names of a schema's enums, by the enum's name (`mood` in the current schema,
 * `audit.level` elsewhere): PascalCase like table names (`Mood`, `AuditLevel`), with `Enum` added
 * when that would read as a relation's name or a helper's (`user_row` → `UserRowEnum`), and `2`,
 * `3`, … for enums that still collide, the first in name order keeping the plain name. The result
 * depends only on the set of names.
 */
export function enumTypeNames(names: readonly string[]): ReadonlyMap<string, string> {
  const sorted = [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const bases = new Map(
    sorted.map((name) => {
      const pascal = pascalCase(name)
      return [name, RESERVED_TYPE_NAMES.has(pascal) || RELATION_SUFFIXES.test(pascal) ? `${pascal}Enum` : pascal]
    }),
  )
  const taken = new Set([...bases.values(), ...RESERVED_TYPE_NAMES])
  const given = new Set<string>()
  const result = new Map<string, string>()
  for (const name of sorted) {
    const base = bases.get(name) as string
    let unique = base
    if (given.has(base)) {
      let counter = 2
      while (taken.has(`${base}${counter}`)) counter++
      unique = `${base}${counter}`
      taken.add(unique)
    }
    given.add(unique)
    result.set(name, unique)
  }
  return result
}

/** The value type of a column and the notes that explain it (before nullability and generation). */
export function postgresBaseType(
  column: ColumnModel,
): BaseType & { readonly notes: readonly string[]; readonly definitions: readonly TypeDefinition[] } {
  const definitions: TypeDefinition[] = []
  const enumType = (): TypeExpr | undefined => {
    if (column.typeAlias === undefined || column.enumValues === undefined) return undefined
    const enumName = column.elementType ?? column.dataType ?? column.typeAlias
    definitions.push({ name: column.typeAlias, text: enumDefinition(column.typeAlias, enumName, column.enumValues) })
    return named(column.typeAlias)
  }
  const dataType = column.dataType ?? 'text'
  if (column.elementType === undefined) {
    const union = enumType()
    if (union !== undefined) return { type: union, select: union, notes: [], definitions }
    const scalar = scalarOf(dataType)
    return { type: named(scalar.type), select: named(scalar.select ?? scalar.type), notes: [], definitions }
  }
  const dimensions = Math.max(1, column.arrayDimensions ?? 1)
  const parsedElement = PARSED_ARRAYS[dataType]
  if (parsedElement !== undefined) {
    const scalar = scalarOf(parsedElement)
    const notes =
      dataType === '_numeric' ? ['pg parses numeric[] elements with parseFloat: digits beyond a double are lost'] : []
    const element = named(scalar.type)
    // An array of a helper `ColumnType` (`Int8`) needs `ArrayType` to read and write arrays of it.
    const type =
      scalar.select === undefined ? nested(element, dimensions, array) : nested(element, dimensions, arrayType)
    return { type, select: nested(named(scalar.select ?? scalar.type), dimensions, array), notes, definitions }
  }
  const element = enumType() ?? named(scalarOf(column.elementType).type)
  return {
    type: generic('UnparsedArray', nested(element, dimensions - 1, array)),
    select: named('string'),
    notes: ["pg has no parser for this array type: it returns the array's text, such as '{a,b}'"],
    definitions,
  }
}

function arrayType(element: TypeExpr): TypeExpr {
  return generic('ArrayType', element)
}

/** `wrap` applied `times` times: `number[][]`, `ArrayType<ArrayType<Int8>>`. */
function nested(type: TypeExpr, times: number, wrap: (inner: TypeExpr) => TypeExpr): TypeExpr {
  let result = type
  for (let count = 0; count < times; count++) result = wrap(result)
  return result
}

function scalarOf(dataType: string): ScalarMapping {
  return (
    PARSED_SCALARS[dataType] ?? (dataType === 'numeric' ? { type: 'Numeric', select: 'string' } : { type: 'string' })
  )
}

/** `export type Mood = 'happy' | 'sad';`, broken over lines as Prettier does when it is long. */
export function enumDefinition(alias: string, enumName: string, values: readonly string[]): string {
  const doc = `/** Enum \`${enumName.replaceAll('`', "'").replaceAll('*/', '*\\/')}\`. */`
  const literals = values.map(quoteString)
  const head = `export type ${alias} =`
  if (literals.length === 0) return `${doc}\n${head} never;`
  const flat = `${head} ${literals.join(' | ')};`
  if (textWidth(flat) <= PRINT_WIDTH) return `${doc}\n${flat}`
  if (literals.length === 1) return `${doc}\n${head}\n  ${literals[0]};`
  return `${doc}\n${head}\n${literals.map((literal) => `  | ${literal}`).join('\n')};`
}

/** Whether the declared type tells nothing the TypeScript type does not (`integer`, `text[]`, an enum). */
function saysNothingNew(column: ColumnModel): boolean {
  if (column.domainBase !== undefined) return false
  if (column.typeAlias !== undefined && column.elementType === undefined) return true
  const parsedArray = column.elementType !== undefined && PARSED_ARRAYS[column.dataType ?? ''] !== undefined
  return PLAIN_DECLARED.has(parsedArray ? column.declaredType.replace(/(\[\])+$/, '') : column.declaredType)
}

/** The first line of a column's JSDoc: its declaration as it matters to a reader. */
function describeColumn(column: ColumnModel): string | undefined {
  const parts: string[] = []
  const declared = column.declaredType
  if (!saysNothingNew(column) || column.autoIncrement !== undefined || column.computed !== undefined)
    parts.push(column.domainBase === undefined ? declared : `${declared} (domain over ${column.domainBase})`)
  if (column.autoIncrement === 'identity')
    parts.push(`GENERATED ${column.generation === 'always' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`)
  if (column.defaultExpression !== undefined) parts.push(`DEFAULT ${column.defaultExpression}`)
  if (column.computed !== undefined) {
    const expression = column.computed.expression === undefined ? '' : ` AS (${column.computed.expression})`
    parts.push(`GENERATED ALWAYS${expression} ${column.computed.storage.toUpperCase()}`)
  }
  return parts.length === 0 ? undefined : parts.join(' ')
}

export const postgresTypeMapper: TypeMapper = Object.freeze({
  mapColumn(column: ColumnModel, table: TableModel): MappedColumn {
    const base = postgresBaseType(column)
    const head = describeColumn(column)
    const notes = base.notes.join('; ')
    const summary = head === undefined ? notes : notes === '' ? head : `${head}: ${notes}`
    const docs = [summary, column.comment ?? ''].filter((line) => line !== '')
    return Object.freeze({
      type: applyModifiers(base, column, table),
      docs: Object.freeze(docs),
      ...(base.definitions.length > 0 ? { definitions: Object.freeze(base.definitions) } : {}),
    })
  },
  describeTable(table: TableModel): string | undefined {
    const facts = [...table.options]
    if (table.kind === 'materialized-view') facts.unshift('materialized')
    return facts.length === 0 ? undefined : facts.join(', ')
  },
  helpers: POSTGRES_HELPERS,
})
