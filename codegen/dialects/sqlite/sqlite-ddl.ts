/**
 * What SQLite's pragmas do not say about a table, read from its `CREATE` text in
 * `sqlite_schema` (which SQLite keeps up to date through `ALTER TABLE`): the expression of a
 * generated column, `INTEGER PRIMARY KEY DESC` (not a rowid alias), `AUTOINCREMENT`, and a
 * virtual table's module. Tokens are SQLite's own (the splitter's lexer); this is not a parser of
 * the full grammar, only of column definitions.
 *
 * @module
 */
import { TokenKind, scanToken } from '../../../lib/dialects/sqlite/sqlite-lexer.js'

export interface ColumnClauses {
  /** The `AS (…)` expression of a generated column, as written (whitespace collapsed). */
  readonly generatedExpression: string | undefined
  /** `PRIMARY KEY DESC` on the column itself: SQLite does not make such a column a rowid alias. */
  readonly primaryKeyDesc: boolean
  readonly autoincrement: boolean
}

export interface TableClauses {
  /** Column clauses by column name, lower-cased (SQLite compares names without case). */
  readonly columns: ReadonlyMap<string, ColumnClauses>
  /** For `CREATE VIRTUAL TABLE … USING module(…)`: the module. */
  readonly module: string | undefined
}

interface Token {
  readonly kind: TokenKind
  readonly text: string
  /** Whether whitespace or a comment came before the token. */
  readonly spaced: boolean
}

const TABLE_CONSTRAINTS: ReadonlySet<string> = new Set(['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN'])

/** Reads the column clauses of a `CREATE TABLE` (or the module of a `CREATE VIRTUAL TABLE`). */
export function readTableClauses(sql: string): TableClauses {
  const tokens = tokenize(sql)
  const columns = new Map<string, ColumnClauses>()
  const using = tokens.findIndex((token) => token.kind === TokenKind.Word && token.text.toUpperCase() === 'USING')
  if (tokens.slice(0, 3).some((token) => token.kind === TokenKind.Word && token.text.toUpperCase() === 'VIRTUAL')) {
    const module = using >= 0 ? tokens[using + 1] : undefined
    return { columns, module: module === undefined ? undefined : unquote(module.text) }
  }
  const open = tokens.findIndex((token) => token.text === '(')
  if (open < 0) return { columns, module: undefined }
  for (const definition of splitDefinitions(tokens, open + 1)) {
    const first = definition[0]
    if (first === undefined) continue
    if (first.kind === TokenKind.Word && TABLE_CONSTRAINTS.has(first.text.toUpperCase())) continue
    columns.set(unquote(first.text).toLowerCase(), clausesOf(definition.slice(1)))
  }
  return { columns, module: undefined }
}

/** Splits the tokens after the opening parenthesis into definitions, at top-level commas. */
function splitDefinitions(tokens: readonly Token[], start: number): Token[][] {
  const definitions: Token[][] = [[]]
  let depth = 0
  for (let index = start; index < tokens.length; index++) {
    const token = tokens[index] as Token
    if (token.text === '(') depth++
    if (token.text === ')') {
      if (depth === 0) break
      depth--
    }
    if (token.text === ',' && depth === 0) definitions.push([])
    else (definitions[definitions.length - 1] as Token[]).push(token)
  }
  return definitions
}

function clausesOf(tokens: readonly Token[]): ColumnClauses {
  const upper = tokens.map((token) => (token.kind === TokenKind.Word ? token.text.toUpperCase() : token.text))
  let generatedExpression: string | undefined
  const as = upper.findIndex((word, index) => word === 'AS' && upper[index + 1] === '(')
  if (as >= 0) {
    let depth = 0
    const parts: Token[] = []
    for (let index = as + 1; index < tokens.length; index++) {
      const token = tokens[index] as Token
      if (token.text === '(') depth++
      if (token.text === ')') depth--
      if (depth === 0) break
      if (index > as + 1) parts.push(token)
    }
    generatedExpression = parts
      .map((token, index) => (index > 0 && token.spaced ? ` ${token.text}` : token.text))
      .join('')
  }
  const primary = upper.findIndex((word, index) => word === 'PRIMARY' && upper[index + 1] === 'KEY')
  return {
    generatedExpression,
    primaryKeyDesc: primary >= 0 && upper[primary + 2] === 'DESC',
    autoincrement: upper.includes('AUTOINCREMENT'),
  }
}

/** Tokens without whitespace and comments (a comment counts as whitespace, as in SQLite). */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = []
  const out = { kind: TokenKind.Space }
  let spaced = false
  for (let pos = 0; pos < sql.length;) {
    const end = scanToken(sql, pos, out)
    if (out.kind === TokenKind.Space) spaced = true
    else {
      tokens.push({ kind: out.kind, text: sql.slice(pos, end), spaced })
      spaced = false
    }
    pos = end
  }
  return tokens
}

/** An identifier without its quotes: `"a""b"` → `a"b`, `[x]` → `x`. */
export function unquote(text: string): string {
  const first = text[0]
  if (first === '[') return text.slice(1, -1)
  if (first === '"' || first === '`' || first === "'") return text.slice(1, -1).replaceAll(first + first, first)
  return text
}
