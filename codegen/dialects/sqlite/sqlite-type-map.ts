/**
 * SQLite column types → TypeScript, for better-sqlite3 with its default settings.
 *
 * SQLite does not type columns: it gives each one an *affinity* computed from the declared type
 * text by substring rules (https://www.sqlite.org/datatype3.html §3.1), and better-sqlite3
 * returns what is stored. So the mapping is: affinity first (rules 1–5, in SQLite's order), then
 * a few well-known type names that mean more than their affinity (BOOLEAN, DATETIME, JSON).
 *
 * @module
 */
import type { ColumnModel, TableModel } from '../../model.js'
import { named } from '../../type-expr.js'
import { type BaseType, type MapOptions, type MappedColumn, type TypeMapper, applyModifiers } from '../../mapper.js'

export type SqliteAffinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC'

/** SQLite's affinity rules, in the order SQLite applies them; the first whose substring occurs wins. */
const AFFINITY_RULES: readonly (readonly [affinity: SqliteAffinity, substrings: readonly string[]])[] = [
  ['INTEGER', ['INT']],
  ['TEXT', ['CHAR', 'CLOB', 'TEXT']],
  ['BLOB', ['BLOB']],
  ['REAL', ['REAL', 'FLOA', 'DOUB']],
]

/** What better-sqlite3 returns for each affinity (a declared type with no rule match is NUMERIC). */
const AFFINITY_TYPES: Readonly<Record<SqliteAffinity, string>> = {
  INTEGER: 'number',
  TEXT: 'string',
  BLOB: 'Buffer',
  REAL: 'number',
  NUMERIC: 'number',
}

type TypeHint = 'boolean' | 'datetime' | 'json'

/**
 * Type names (the declared type's first word) that say more than their NUMERIC affinity. Only
 * consulted when the affinity is NUMERIC: `TEXT` stays text whatever else the name says.
 */
const TYPE_HINTS: Readonly<Record<string, TypeHint>> = {
  BOOL: 'boolean',
  BOOLEAN: 'boolean',
  DATE: 'datetime',
  DATETIME: 'datetime',
  TIME: 'datetime',
  TIMESTAMP: 'datetime',
  TIMESTAMPTZ: 'datetime',
  JSON: 'json',
  JSONB: 'json',
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

/** Full-text modules whose columns always hold text. */
const TEXT_MODULES: ReadonlySet<string> = new Set(['fts3', 'fts4', 'fts5'])

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
  const upper = declaredType.toUpperCase()
  for (const [affinity, substrings] of AFFINITY_RULES) {
    if (substrings.some((substring) => upper.includes(substring))) return affinity
  }
  return upper.trim() === '' ? 'BLOB' : 'NUMERIC'
}

/** The declared type's name without size or other words: `VARCHAR(255)` → `VARCHAR`, `unsigned big int` → `UNSIGNED`. */
function typeName(declaredType: string): string {
  return (/^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(declaredType)?.[1] ?? '').toUpperCase()
}

const JSON_NOTE = "NUMERIC affinity, so a numeric-looking document such as '123' is read back as a number"

/** The value type of a column and the notes that explain it (before nullability and generation). */
export function sqliteBaseType(
  column: Pick<ColumnModel, 'declaredType'>,
  table: Pick<TableModel, 'options' | 'kind' | 'module'>,
  options: MapOptions,
): BaseType & { readonly notes: readonly string[] } {
  const declared = column.declaredType.trim()
  const plain = (name: string, notes: readonly string[] = []) => ({ type: named(name), select: named(name), notes })
  if (table.kind === 'virtual-table' && table.module !== undefined && TEXT_MODULES.has(table.module.toLowerCase())) {
    return plain('string', [`${table.module} column: text`])
  }
  if (declared === '') return plain('unknown', ['no declared type: any value'])
  if (table.options.includes('STRICT') && declared.toUpperCase() === 'ANY') return plain('unknown', ['any value'])
  const affinity = sqliteAffinity(declared)
  const name = typeName(declared)
  const hint = affinity === 'NUMERIC' ? TYPE_HINTS[name] : undefined
  switch (hint) {
    case 'boolean':
      return options.booleans === 'boolean'
        ? plain('boolean', [
            'typed boolean, which needs a plugin or type cast that maps 0/1 to false/true and back (better-sqlite3 returns 0/1 and cannot bind booleans)',
          ])
        : plain('number', ['stored as 0/1 (better-sqlite3 cannot bind true/false)'])
    case 'datetime':
      return plain('string', [
        `text such as ${DATETIME_FORMATS[name] ?? DATETIME_FORMATS.DATETIME} (better-sqlite3 cannot bind a Date)`,
      ])
    case 'json':
      return options.json === 'json'
        ? {
            type: named('Json'),
            select: named('JsonValue'),
            notes: [
              'parsed on select by a JSON plugin (such as ParseJSONResultsPlugin), JSON text on insert and update',
              JSON_NOTE,
            ],
          }
        : plain('string', ['JSON text', JSON_NOTE])
    case undefined:
      break
  }
  const notes: string[] = []
  if (affinity === 'NUMERIC' && !NUMERIC_NAMES.has(name)) {
    notes.push(
      "NUMERIC affinity, so text that looks like a number (such as '007') is read back as a number: declare TEXT to keep text",
    )
  } else if (
    affinity === 'INTEGER' &&
    !declared
      .toUpperCase()
      .split(/[^A-Z0-9_]+/)
      .some((word) => INTEGER_WORD.test(word))
  ) {
    notes.push('INTEGER affinity, because "INT" occurs in it')
  }
  return plain(AFFINITY_TYPES[affinity], notes)
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

export const sqliteTypeMapper: TypeMapper = Object.freeze({
  mapColumn(column: ColumnModel, table: TableModel, options: MapOptions): MappedColumn {
    const base = sqliteBaseType(column, table, options)
    const head = describeColumn(column)
    const notes = base.notes.join('; ')
    const summary = head === undefined ? notes : notes === '' ? head : `${head}: ${notes}`
    const docs = [summary, column.comment ?? ''].filter((line) => line !== '')
    return Object.freeze({ type: applyModifiers(base, column, table), docs: Object.freeze(docs) })
  },
  describeTable(table: TableModel): string | undefined {
    const facts = [...table.options]
    if (table.kind === 'virtual-table') facts.unshift(`virtual table${table.module ? ` (${table.module})` : ''}`)
    return facts.length === 0 ? undefined : facts.join(', ')
  },
})
