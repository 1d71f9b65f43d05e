/**
 * SQLite column types → TypeScript, for better-sqlite3.
 *
 * SQLite does not type columns: it gives each one an *affinity* computed from the declared type
 * text by substring rules (https://www.sqlite.org/datatype3.html §3.1), converts what is stored
 * by that affinity, and better-sqlite3 returns what is stored. So a column's type is worked out
 * in three steps:
 *
 * 1. the **rule** its declared type falls under (affinity first, in SQLite's order, then a few
 *    type names that mean more than their affinity: BOOLEAN, DATETIME, JSON, JSONB), which says
 *    what applications normally store in such a column;
 * 2. the **storage classes** those values end up as after the column's affinity (`'007'` in a
 *    `STRING` column, which has NUMERIC affinity, is stored as the integer 7), plus whatever the
 *    column's `DEFAULT` stores (`DEFAULT CURRENT_TIMESTAMP` in an `INTEGER` column is text);
 * 3. the **TypeScript type** of each storage class, by the options (`number` or `bigint`
 *    integers, a converting plugin's `boolean` or `Json`).
 *
 * @module
 */
import type { ColumnModel, StorageClass, TableModel } from '../../model.js'
import { type TypeExpr, named, union } from '../../type-expr.js'
import { type BaseType, type MapOptions, type MappedColumn, type TypeMapper, applyModifiers } from '../../mapper.js'

export type SqliteAffinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC'

/** SQLite's affinity rules, in the order SQLite applies them; the first whose substring occurs wins. */
const AFFINITY_RULES: readonly (readonly [affinity: SqliteAffinity, substrings: readonly string[]])[] = [
  ['INTEGER', ['INT']],
  ['TEXT', ['CHAR', 'CLOB', 'TEXT']],
  ['BLOB', ['BLOB']],
  ['REAL', ['REAL', 'FLOA', 'DOUB']],
]

/**
 * The rules a column type falls under, each with what applications normally store in it:
 * - `text-module`: a column of a full-text virtual table (FTS3/4/5): text;
 * - `no-type`: no declared type (BLOB affinity), or `ANY` in a STRICT table: anything;
 * - `integer`: INTEGER affinity by an integer name (`INTEGER`, `BIGINT`, `INT8`): integers;
 * - `integer-by-accident`: INTEGER affinity because "INT" occurs in another word (`FLOATING
 *   POINT`, `INTERVAL`): what the name means without it, converted by INTEGER affinity;
 * - `text`: TEXT affinity (`TEXT`, `VARCHAR(n)`, `CLOB`): text, numbers too (stored as text);
 * - `blob`: declared `BLOB`: bytes;
 * - `real`: REAL affinity (`REAL`, `DOUBLE`, `FLOAT`): numbers;
 * - `numeric`: NUMERIC affinity by a numeric name (`NUMERIC`, `DECIMAL(p,s)`, `NUMBER`, `MONEY`):
 *   numbers and decimal text;
 * - `numeric-other`: NUMERIC affinity by any other name (`STRING`, `UUID`): text, and numbers
 *   when the text looks like one;
 * - `boolean`: `BOOLEAN`, `BOOL`: 0 and 1;
 * - `datetime`: `DATE`, `DATETIME`, `TIME`, `TIMESTAMP`: text such as 'YYYY-MM-DD HH:MM:SS', or
 *   what the `DEFAULT` stores (`unixepoch()` an integer, `julianday()` a real);
 * - `json`: `JSON`: JSON text (NUMERIC affinity: a numeric document comes back as a number), or
 *   SQLite's binary JSON when the `DEFAULT` is `jsonb(…)`;
 * - `jsonb`: `JSONB`: SQLite's binary JSON (`jsonb(…)`, a BLOB) or JSON text, or what the
 *   `DEFAULT` stores.
 */
export type SqliteTypeRule =
  | 'text-module'
  | 'no-type'
  | 'integer'
  | 'integer-by-accident'
  | 'text'
  | 'blob'
  | 'real'
  | 'numeric'
  | 'numeric-other'
  | 'boolean'
  | 'datetime'
  | 'json'
  | 'jsonb'

/** Every rule, for tests that must exercise each one. */
export const SQLITE_TYPE_RULES: readonly SqliteTypeRule[] = Object.freeze([
  'text-module',
  'no-type',
  'integer',
  'integer-by-accident',
  'text',
  'blob',
  'real',
  'numeric',
  'numeric-other',
  'boolean',
  'datetime',
  'json',
  'jsonb',
])

/**
 * A value as an application binds it: an integral number (better-sqlite3 binds a `number` as
 * REAL and a `bigint` as INTEGER; both end up INTEGER under INTEGER or NUMERIC affinity), a
 * fractional number, text, text that reads as a number (`'007'`, `'12.50'`, the JSON document
 * `'123'`), or bytes.
 */
type BoundValue = 'integer' | 'real' | 'text' | 'numeric-text' | 'blob'

/** What applications normally store under each rule (those that depend on the name or the default are worked out below). */
const BOUND_VALUES: Readonly<Record<SqliteTypeRule, readonly BoundValue[]>> = {
  'text-module': ['text', 'numeric-text'],
  'no-type': [],
  integer: ['integer'],
  'integer-by-accident': [],
  text: ['text', 'numeric-text', 'integer', 'real'],
  blob: ['blob'],
  real: ['real', 'integer'],
  numeric: ['real', 'integer', 'numeric-text'],
  'numeric-other': ['text', 'numeric-text'],
  boolean: ['integer'],
  datetime: ['text'],
  json: ['text', 'numeric-text'],
  jsonb: ['blob', 'text', 'numeric-text'],
}

/**
 * Type names (the declared type's first word) that say more than their NUMERIC affinity. Only
 * consulted when the affinity is NUMERIC: `TEXT` stays text whatever else the name says.
 */
const TYPE_HINTS: Readonly<Record<string, SqliteTypeRule>> = {
  BOOL: 'boolean',
  BOOLEAN: 'boolean',
  DATE: 'datetime',
  DATETIME: 'datetime',
  TIME: 'datetime',
  TIMESTAMP: 'datetime',
  TIMESTAMPTZ: 'datetime',
  JSON: 'json',
  JSONB: 'jsonb',
}

/** Declared types that read exactly as their affinity; they need no note. */
const PLAIN_TYPES: ReadonlySet<string> = new Set(['INTEGER', 'INT', 'TEXT', 'REAL', 'BLOB', 'NUMERIC'])

/** NUMERIC-affinity names that are meant as numbers (anything else is worth a warning). */
const NUMERIC_NAMES: ReadonlySet<string> = new Set(['NUMERIC', 'DECIMAL', 'NUMBER', 'MONEY'])

/** Words that name an integer type on purpose (anything else containing "INT" is a surprise). */
const INTEGER_WORD = /^(TINY|SMALL|MEDIUM|BIG)?INT(EGER|[0-9]*)$/

/** What the `CURRENT_*` defaults store. */
const CURRENT_DEFAULTS: Readonly<Record<string, string>> = {
  CURRENT_TIMESTAMP: "'YYYY-MM-DD HH:MM:SS', UTC",
  CURRENT_DATE: "'YYYY-MM-DD', UTC",
  CURRENT_TIME: "'HH:MM:SS', UTC",
}

/** How date and time names are usually stored as text. */
const DATETIME_FORMATS: Readonly<Record<string, string>> = {
  DATE: "'YYYY-MM-DD'",
  TIME: "'HH:MM:SS'",
  DATETIME: "'YYYY-MM-DD HH:MM:SS'",
}

/** Full-text modules whose columns hold text. */
const TEXT_MODULES: ReadonlySet<string> = new Set(['fts3', 'fts4', 'fts5'])

/** A storage class in words, for notes. */
const STORAGE_WORDS: Readonly<Record<StorageClass, string>> = {
  integer: 'an integer',
  real: 'a real number',
  text: 'text',
  blob: 'a blob',
}

/**
 * The affinity SQLite gives a declared type (rules 1–5 of "Determination Of Column Affinity").
 *
 * @example
 * sqliteAffinity('VARCHAR(255)') // 'TEXT'
 * sqliteAffinity('FLOATING POINT') // 'INTEGER': "INT" occurs in "POINT"
 * sqliteAffinity('STRING') // 'NUMERIC'
 * sqliteAffinity('') // 'BLOB'
 */
export function sqliteAffinity(declaredType: string): SqliteAffinity {
  return affinityByRules(declaredType, AFFINITY_RULES)
}

function affinityByRules(declaredType: string, rules: typeof AFFINITY_RULES): SqliteAffinity {
  const upper = declaredType.toUpperCase()
  for (const [affinity, substrings] of rules) {
    if (substrings.some((substring) => upper.includes(substring))) return affinity
  }
  return upper.trim() === '' ? 'BLOB' : 'NUMERIC'
}

/** The declared type's name without size or other words: `VARCHAR(255)` → `VARCHAR`, `unsigned big int` → `UNSIGNED`. */
function typeName(declaredType: string): string {
  return (/^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(declaredType)?.[1] ?? '').toUpperCase()
}

/** Whether a word of the declared type names an integer type (so INTEGER affinity is meant). */
function namesAnInteger(declaredType: string): boolean {
  return declaredType
    .toUpperCase()
    .split(/[^A-Z0-9_]+/)
    .some((word) => INTEGER_WORD.test(word))
}

/** The rule a declared type falls under by its affinity and name (tables and modules aside). */
function ruleOf(declared: string, affinity: SqliteAffinity): SqliteTypeRule {
  switch (affinity) {
    case 'INTEGER':
      return namesAnInteger(declared) ? 'integer' : 'integer-by-accident'
    case 'TEXT':
      return 'text'
    case 'BLOB':
      return 'blob'
    case 'REAL':
      return 'real'
    case 'NUMERIC': {
      const name = typeName(declared)
      return TYPE_HINTS[name] ?? (NUMERIC_NAMES.has(name) ? 'numeric' : 'numeric-other')
    }
  }
}

/**
 * The rule a column falls under.
 *
 * @example
 * sqliteTypeRule({ declaredType: 'STRING' }, table) // 'numeric-other'
 * sqliteTypeRule({ declaredType: 'TIMESTAMP' }, table) // 'datetime'
 */
export function sqliteTypeRule(
  column: Pick<ColumnModel, 'declaredType'>,
  table: Pick<TableModel, 'options' | 'kind' | 'module'>,
): SqliteTypeRule {
  const declared = column.declaredType.trim()
  if (table.kind === 'virtual-table' && table.module !== undefined && TEXT_MODULES.has(table.module.toLowerCase())) {
    return 'text-module'
  }
  if (declared === '') return 'no-type'
  if (table.options.includes('STRICT') && declared.toUpperCase() === 'ANY') return 'no-type'
  return ruleOf(declared, sqliteAffinity(declared))
}

/**
 * The storage classes a bound value ends up as in a column of the given affinity: text that
 * reads as a number becomes a number under INTEGER, NUMERIC and REAL affinity; numbers become
 * text under TEXT affinity; an integral REAL becomes an INTEGER under INTEGER and NUMERIC
 * affinity; BLOB affinity converts nothing.
 */
function storedAs(value: BoundValue, affinity: SqliteAffinity): readonly StorageClass[] {
  if (value === 'blob') return ['blob']
  if (value === 'text') return ['text']
  switch (affinity) {
    case 'TEXT':
      return ['text']
    case 'BLOB':
      return value === 'numeric-text' ? ['text'] : [value]
    case 'REAL':
      return ['real']
    case 'INTEGER':
    case 'NUMERIC':
      return value === 'integer' ? ['integer'] : value === 'real' ? ['real', 'integer'] : ['integer', 'real']
  }
}

/** What a representation-choosing default (of a date or JSON column) says the column holds. */
function chosenByDefault(rule: 'datetime' | 'json' | 'jsonb', stored: StorageClass): readonly BoundValue[] {
  if (stored === 'blob') return ['blob']
  if (rule === 'datetime') return [stored]
  return ['text', 'numeric-text']
}

/** What a column holds, as storage classes in order of importance, and the rule that says so. */
function storageOf(
  column: Pick<ColumnModel, 'declaredType' | 'defaultStorageClass'>,
  table: Pick<TableModel, 'options' | 'kind' | 'module'>,
): { readonly rule: SqliteTypeRule; readonly storage: readonly StorageClass[]; readonly fromDefault: boolean } {
  const rule = sqliteTypeRule(column, table)
  const declared = column.declaredType.trim()
  const affinity = rule === 'text-module' ? 'BLOB' : sqliteAffinity(declared)
  const stored = column.defaultStorageClass
  let bound: readonly BoundValue[]
  if (rule === 'integer-by-accident') {
    // What the name means without its stray "INT" (FLOATING POINT: numbers; INTERVAL: text).
    const meant = affinityByRules(declared, AFFINITY_RULES.slice(1))
    bound = BOUND_VALUES[ruleOf(declared, meant)]
  } else if ((rule === 'datetime' || rule === 'json' || rule === 'jsonb') && stored !== undefined) {
    // The default shows which representation the schema chose (unixepoch(): integers; jsonb(): blobs).
    bound = chosenByDefault(rule, stored)
  } else {
    bound = BOUND_VALUES[rule]
  }
  const storage = [...new Set(bound.flatMap((value) => storedAs(value, affinity)))]
  const fromDefault = stored !== undefined && !storage.includes(stored)
  if (fromDefault) storage.push(stored)
  return { rule, storage, fromDefault }
}

/** One member of a column's type: as written in the interface, and what a select returns. */
interface Member {
  readonly type: TypeExpr
  readonly select: TypeExpr
}

const plainMember = (name: string): Member => ({ type: named(name), select: named(name) })

/** The TypeScript type of the storage classes, by the options. */
function membersOf(storage: readonly StorageClass[], rule: SqliteTypeRule, options: MapOptions): Member[] {
  const members: Member[] = []
  const covered = new Set<StorageClass>()
  if (rule === 'boolean' && options.booleans === 'boolean' && storage.includes('integer')) {
    members.push(plainMember('boolean'))
    covered.add('integer')
  }
  if ((rule === 'json' || rule === 'jsonb') && options.json === 'json' && storage.includes('text')) {
    // A JSON-parsing plugin turns the text into a value; numeric documents are numbers, also JSON values.
    members.push({ type: named('Json'), select: named('JsonValue') })
    covered.add('text')
    covered.add('real')
    if (options.integers === 'number') covered.add('integer')
  }
  for (const storageClass of storage) {
    if (covered.has(storageClass)) continue
    switch (storageClass) {
      case 'integer':
        if (options.integers === 'number') members.push(plainMember('number'))
        else if (storage.includes('real') && !covered.has('real')) members.push(plainMember('bigint'))
        // Alone (no `number` beside it), a bigint column still takes numbers on insert and update.
        else members.push({ type: named('Int64'), select: named('bigint') })
        break
      case 'real':
        members.push(plainMember('number'))
        break
      case 'text':
        members.push(plainMember('string'))
        break
      case 'blob':
        members.push(plainMember('Buffer'))
        break
    }
  }
  return members
}

function unionOf(types: TypeExpr[]): TypeExpr {
  return types.length === 0 ? named('unknown') : union(...types)
}

const NUMERIC_TEXT_NOTE =
  "NUMERIC affinity, so text that looks like a number (such as '007') is read back as a number: declare TEXT to keep text"

const JSON_NOTE =
  "NUMERIC affinity, so a numeric document such as '123' is read back as a number: declare TEXT to keep text"

/** Notes that explain the type of a column under its rule. */
function ruleNotes(
  rule: SqliteTypeRule,
  declared: string,
  storage: readonly StorageClass[],
  column: Pick<ColumnModel, 'defaultStorageClass'>,
  table: Pick<TableModel, 'module' | 'kind'>,
  options: MapOptions,
): string[] {
  const stored = column.defaultStorageClass
  const its = table.kind === 'view' || table.kind === 'materialized-view' ? "its table's" : 'its'
  switch (rule) {
    case 'text-module':
      return [`${table.module} column: text`]
    case 'no-type':
      return [declared === '' ? 'no declared type: any value' : 'any value']
    case 'integer':
    case 'text':
    case 'blob':
    case 'real':
    case 'numeric':
      return []
    case 'integer-by-accident':
      return [
        'INTEGER affinity, because "INT" occurs in it' +
          (storage.includes('text') ? ': text that looks like a number is read back as a number' : ''),
      ]
    case 'numeric-other':
      return [NUMERIC_TEXT_NOTE]
    case 'boolean':
      return options.booleans === 'boolean'
        ? [
            'typed boolean, which needs a plugin or type cast that maps 0/1 to false/true and back (better-sqlite3 returns 0/1 and cannot bind booleans)',
          ]
        : ['stored as 0/1 (better-sqlite3 cannot bind true/false)']
    case 'datetime': {
      const noDate = 'better-sqlite3 cannot bind a Date'
      if (stored === 'integer') return [`an integer (such as Unix time), as ${its} DEFAULT stores (${noDate})`]
      if (stored === 'real') return [`a real number (such as a Julian day), as ${its} DEFAULT stores (${noDate})`]
      if (stored === 'blob') return [`a blob, as ${its} DEFAULT stores (${noDate})`]
      const format = DATETIME_FORMATS[typeName(declared)] ?? DATETIME_FORMATS.DATETIME
      return [`text such as ${format} (${noDate})`]
    }
    case 'json':
    case 'jsonb': {
      const notes: string[] = []
      if (storage.includes('blob')) {
        notes.push(
          rule === 'jsonb' && stored === undefined
            ? "SQLite's binary JSON from jsonb() (a Buffer; json(x) gives its text), or JSON text"
            : `SQLite's binary JSON from jsonb(), as ${its} DEFAULT stores (a Buffer; json(x) gives its text)`,
        )
      }
      if (storage.includes('text')) {
        if (options.json === 'json') {
          // Numeric documents come back as numbers, which are JSON values too.
          notes.push(
            'parsed on select by a JSON plugin (such as ParseJSONResultsPlugin), JSON text on insert and update',
          )
        } else {
          if (!storage.includes('blob')) notes.push('JSON text')
          notes.push(JSON_NOTE)
        }
      }
      return notes
    }
  }
}

/** The value type of a column and the notes that explain it (before nullability and generation). */
export function sqliteBaseType(
  column: Pick<ColumnModel, 'declaredType' | 'defaultStorageClass'>,
  table: Pick<TableModel, 'options' | 'kind' | 'module'>,
  options: MapOptions,
): BaseType & { readonly notes: readonly string[]; readonly rule: SqliteTypeRule } {
  const { rule, storage, fromDefault } = storageOf(column, table)
  const declared = column.declaredType.trim()
  const notes = ruleNotes(rule, declared, storage, column, table, options)
  if (rule === 'no-type') return { type: named('unknown'), select: named('unknown'), notes, rule }
  if (fromDefault && column.defaultStorageClass !== undefined) {
    const whose = table.kind === 'view' || table.kind === 'materialized-view' ? "its table's" : 'the'
    notes.push(`${whose} DEFAULT stores ${STORAGE_WORDS[column.defaultStorageClass]}`)
  }
  const members = membersOf(storage, rule, options)
  return {
    type: unionOf(members.map((member) => member.type)),
    select: unionOf(members.map((member) => member.select)),
    notes,
    rule,
  }
}

/** The first line of a column's JSDoc: its declaration as it matters to a reader. */
function describeColumn(column: ColumnModel): string | undefined {
  const declared = column.declaredType.trim()
  const parts: string[] = []
  if (declared !== '' && (!PLAIN_TYPES.has(declared.toUpperCase()) || column.autoIncrement !== undefined))
    parts.push(declared)
  if (column.autoIncrement === 'rowid-alias') parts.push('PRIMARY KEY (rowid alias)')
  if (column.autoIncrement === 'autoincrement') parts.push('PRIMARY KEY AUTOINCREMENT (rowid alias)')
  if (column.defaultExpression !== undefined) {
    const current = CURRENT_DEFAULTS[column.defaultExpression.toUpperCase()]
    parts.push(`DEFAULT ${column.defaultExpression}${current ? ` (${current})` : ''}`)
  }
  if (column.computed !== undefined) {
    const expression = column.computed.expression === undefined ? '' : ` AS (${column.computed.expression})`
    parts.push(`GENERATED ALWAYS${expression} ${column.computed.storage.toUpperCase()}`)
  }
  return parts.length === 0 ? undefined : parts.join(' ')
}

/** A rowid alias holds integers, whatever else the rules say (SQLite refuses anything else). */
function rowidBase(options: MapOptions): BaseType {
  return options.integers === 'number'
    ? { type: named('number'), select: named('number') }
    : { type: named('Int64'), select: named('bigint') }
}

export const sqliteTypeMapper: TypeMapper = Object.freeze({
  headerNotes(options: MapOptions): readonly string[] {
    return options.integers === 'bigint'
      ? [
          "Integers are bigint: read them with better-sqlite3's safeIntegers (insert and update take a number or a bigint).",
        ]
      : [
          'Integers are JavaScript numbers: exact up to 2^53 - 1 (Number.MAX_SAFE_INTEGER); larger ones come back rounded.',
          "For larger values, read with better-sqlite3's safeIntegers and generate with integers: 'bigint' (--integers bigint).",
        ]
  },
  mapColumn(column: ColumnModel, table: TableModel, options: MapOptions): MappedColumn {
    const rowid = column.autoIncrement === 'rowid-alias' || column.autoIncrement === 'autoincrement'
    const base = sqliteBaseType(column, table, options)
    const head = describeColumn(column)
    const notes = rowid ? '' : base.notes.join('; ')
    const summary = head === undefined ? notes : notes === '' ? head : `${head}: ${notes}`
    const docs = [summary, column.comment ?? ''].filter((line) => line !== '')
    const type = applyModifiers(rowid ? rowidBase(options) : base, column, table)
    return Object.freeze({ type, docs: Object.freeze(docs) })
  },
  describeTable(table: TableModel): string | undefined {
    const facts = [...table.options]
    if (table.kind === 'virtual-table') facts.unshift(`virtual table${table.module ? ` (${table.module})` : ''}`)
    return facts.length === 0 ? undefined : facts.join(', ')
  },
})
