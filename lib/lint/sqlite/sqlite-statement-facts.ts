import { TokenKind } from '../../dialects/sqlite/sqlite-lexer.js'
import { type SqliteToken, isName, readName, sqliteTokens, unquote } from './sqlite-tokens.js'

/** A column definition, as `CREATE TABLE` and `ADD COLUMN` declare it. */
export interface ColumnDefinition {
  readonly name: string
  /** Offset of the column's name in the statement. */
  readonly start: number
  /** The declared type as written, words separated by one space (`VARCHAR(10)`, `DOUBLE PRECISION`), or `''`. */
  readonly type: string
  readonly notNull: boolean
  /** A DEFAULT other than NULL. */
  readonly nonNullDefault: boolean
  readonly generated: boolean
}

/** What a SQLite statement does, as far as the lint rules need to know. */
export type SqliteStatementFacts =
  | {
      readonly kind: 'create'
      readonly object: 'table' | 'virtual table' | 'index' | 'view' | 'trigger'
      readonly ifNotExists: boolean
      readonly name: string
      readonly columns: readonly ColumnDefinition[]
      readonly strict: boolean
    }
  | { readonly kind: 'drop'; readonly object: 'table' | 'index' | 'view' | 'trigger'; readonly name: string }
  | { readonly kind: 'rename-table'; readonly table: string; readonly to: string }
  | { readonly kind: 'rename-column'; readonly table: string; readonly column: string; readonly to: string }
  | { readonly kind: 'add-column'; readonly table: string; readonly column: ColumnDefinition }
  | { readonly kind: 'drop-column'; readonly table: string; readonly column: string; readonly start: number }
  | { readonly kind: 'other' }

const OTHER: SqliteStatementFacts = Object.freeze({ kind: 'other' })

/** Reads what a statement creates, drops, renames or adds, from its tokens. */
export function sqliteStatementFacts(sql: string): SqliteStatementFacts {
  const tokens = sqliteTokens(sql)
  const words = tokens.map((token) => token.upper)
  if (words[0] === 'CREATE') return createFacts(tokens, words)
  if (words[0] === 'DROP') {
    const object = words[1]?.toLowerCase()
    if (object !== 'table' && object !== 'index' && object !== 'view' && object !== 'trigger') return OTHER
    const at = words[2] === 'IF' && words[3] === 'EXISTS' ? 4 : 2
    const name = readName(tokens, at)
    return name === undefined ? OTHER : { kind: 'drop', object, name: name.name }
  }
  if (words[0] === 'ALTER' && words[1] === 'TABLE') return alterFacts(tokens, words)
  return OTHER
}

function createFacts(tokens: readonly SqliteToken[], words: readonly string[]): SqliteStatementFacts {
  let at = 1
  if (words[at] === 'TEMP' || words[at] === 'TEMPORARY') at++
  if (words[at] === 'UNIQUE') at++
  let object: 'table' | 'virtual table' | 'index' | 'view' | 'trigger'
  if (words[at] === 'VIRTUAL' && words[at + 1] === 'TABLE') {
    object = 'virtual table'
    at += 2
  } else if (words[at] === 'TABLE' || words[at] === 'INDEX' || words[at] === 'VIEW' || words[at] === 'TRIGGER') {
    object = (words[at] as string).toLowerCase() as 'table' | 'index' | 'view' | 'trigger'
    at++
  } else {
    return OTHER
  }
  const ifNotExists = words[at] === 'IF' && words[at + 1] === 'NOT' && words[at + 2] === 'EXISTS'
  if (ifNotExists) at += 3
  const name = readName(tokens, at)
  if (name === undefined) return OTHER
  const body = object === 'table' && tokens[name.next]?.text === '(' ? tableBody(tokens, name.next) : undefined
  return {
    kind: 'create',
    object,
    ifNotExists,
    name: name.name,
    columns: body?.columns ?? [],
    strict: body?.strict ?? false,
  }
}

function alterFacts(tokens: readonly SqliteToken[], words: readonly string[]): SqliteStatementFacts {
  const table = readName(tokens, 2)
  if (table === undefined) return OTHER
  let at = table.next
  const action = words[at]
  if (action === 'RENAME') {
    at++
    if (words[at] === 'TO') {
      const to = tokens[at + 1]
      return isName(to) ? { kind: 'rename-table', table: table.name, to: unquote(to.text) } : OTHER
    }
    if (words[at] === 'COLUMN') at++
    const column = tokens[at]
    const to = tokens[at + 2]
    if (!isName(column) || words[at + 1] !== 'TO' || !isName(to)) return OTHER
    return { kind: 'rename-column', table: table.name, column: unquote(column.text), to: unquote(to.text) }
  }
  if (action === 'ADD') {
    at++
    if (words[at] === 'COLUMN') at++
    const column = columnDefinition(tokens.slice(at))
    return column === undefined ? OTHER : { kind: 'add-column', table: table.name, column }
  }
  if (action === 'DROP') {
    at++
    if (words[at] === 'COLUMN') at++
    const column = tokens[at]
    return isName(column)
      ? { kind: 'drop-column', table: table.name, column: unquote(column.text), start: column.start }
      : OTHER
  }
  return OTHER
}

/** The column definitions inside `( … )` at `open`, and whether the table is STRICT. */
function tableBody(
  tokens: readonly SqliteToken[],
  open: number,
): { columns: ColumnDefinition[]; strict: boolean } | undefined {
  const columns: ColumnDefinition[] = []
  let depth = 0
  let element: SqliteToken[] = []
  let close = -1
  for (let i = open; i < tokens.length; i++) {
    const token = tokens[i] as SqliteToken
    if (token.text === '(' && token.kind === TokenKind.Other) {
      depth++
      if (depth === 1) continue
    } else if (token.text === ')' && token.kind === TokenKind.Other) {
      depth--
      if (depth === 0) {
        close = i
        break
      }
    } else if (token.text === ',' && depth === 1) {
      const column = columnDefinition(element)
      if (column) columns.push(column)
      element = []
      continue
    }
    element.push(token)
  }
  if (close < 0) return undefined
  const column = columnDefinition(element)
  if (column) columns.push(column)
  const options = tokens.slice(close + 1).map((token) => token.upper)
  return { columns, strict: options.includes('STRICT') }
}

const TABLE_CONSTRAINTS = new Set(['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN'])
const COLUMN_CONSTRAINTS = new Set([
  'CONSTRAINT',
  'PRIMARY',
  'NOT',
  'NULL',
  'UNIQUE',
  'CHECK',
  'DEFAULT',
  'COLLATE',
  'REFERENCES',
  'GENERATED',
  'AS',
])

/** One column definition (`name type constraints…`), or `undefined` for a table constraint. */
function columnDefinition(tokens: readonly SqliteToken[]): ColumnDefinition | undefined {
  const first = tokens[0]
  if (!isName(first) || (first.kind === TokenKind.Word && TABLE_CONSTRAINTS.has(first.upper))) return undefined
  const type: string[] = []
  let at = 1
  for (; at < tokens.length; at++) {
    const token = tokens[at] as SqliteToken
    if (token.kind === TokenKind.Word && COLUMN_CONSTRAINTS.has(token.upper)) break
    if (token.text === '(') {
      // A size or precision: VARCHAR(10), DECIMAL(10, 2).
      let close = at
      while (close < tokens.length && tokens[close]?.text !== ')') close++
      type.push(
        tokens
          .slice(at, close + 1)
          .map((t) => t.text)
          .join(''),
      )
      at = close
      continue
    }
    type.push(token.kind === TokenKind.Quoted ? unquote(token.text) : token.text)
  }
  const words = tokens.slice(at).map((token) => (token.kind === TokenKind.Word ? token.upper : token.text))
  let notNull = false
  let nonNullDefault = false
  let generated = false
  let depth = 0
  for (let i = 0; i < words.length; i++) {
    const word = words[i]
    if (word === '(') depth++
    else if (word === ')') depth--
    if (depth > 0) continue
    if (word === 'NOT' && words[i + 1] === 'NULL') notNull = true
    if (word === 'GENERATED' || word === 'AS') generated = true
    if (word === 'DEFAULT') {
      const value = words[i + 1] === '(' ? words[i + 2] : words[i + 1]
      nonNullDefault = value !== undefined && value !== 'NULL'
    }
  }
  return { name: unquote(first.text), start: first.start, type: type.join(' '), notNull, nonNullDefault, generated }
}

/**
 * SQLite's column affinity for a declared type (the rules of "Determination Of Column
 * Affinity", in order).
 */
export function affinityOf(type: string): 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC' {
  const upper = type.toUpperCase()
  if (upper.includes('INT')) return 'INTEGER'
  if (upper.includes('CHAR') || upper.includes('CLOB') || upper.includes('TEXT')) return 'TEXT'
  if (upper.includes('BLOB') || upper.trim() === '') return 'BLOB'
  if (upper.includes('REAL') || upper.includes('FLOA') || upper.includes('DOUB')) return 'REAL'
  return 'NUMERIC'
}
