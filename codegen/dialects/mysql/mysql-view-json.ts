/**
 * Which columns of a MariaDB view hold JSON. The catalog cannot say: a view column over a JSON
 * column is reported as plain `longtext`, yet the server marks it as JSON to the client (mysql2
 * ≥ 3.23 then parses it). So each column is traced through the view's definition, as MariaDB
 * stores it (`information_schema.VIEWS.VIEW_DEFINITION`: normalised, every column qualified,
 * every item aliased), to the table column or expression it comes from:
 *
 * - a column reference follows the table, view, derived table or CTE it names;
 * - a call of a function that returns JSON (`json_object`, `json_extract`, …) is JSON;
 * - a call of a function that returns text or a number whatever its arguments
 *   (`json_value`, `concat`, …) is not;
 * - any other expression is text when no JSON can reach it, and `unknown` when some can (MariaDB
 *   keeps the JSON mark through `coalesce`, `case`, `max`, … but not through `ifnull`).
 *
 * `unknown` is the honest answer where the rules above stop; codegen types such a column so that
 * both a string and a parsed value fit.
 *
 * @module
 */
import {
  TokenKind,
  type SignificantToken,
  identifierName,
  significantTokens,
} from '../../../lib/dialects/mysql/mysql-lexer.js'

export type JsonKind = 'json' | 'text' | 'unknown'

/**
 * Whether a column of a table or view (in `schema`, or the current database when `undefined`)
 * holds JSON; `unknown` when codegen does not know the column.
 */
export type ColumnJsonLookup = (schema: string | undefined, table: string, column: string) => JsonKind

/** Functions whose result MariaDB marks as JSON (measured on 10.11 through mysql2's extended metadata). */
const JSON_FUNCTIONS: ReadonlySet<string> = new Set([
  'JSON_ARRAY',
  'JSON_ARRAYAGG',
  'JSON_ARRAY_APPEND',
  'JSON_ARRAY_INSERT',
  'JSON_ARRAY_INTERSECT',
  'JSON_COMPACT',
  'JSON_DETAILED',
  'JSON_EXTRACT',
  'JSON_INSERT',
  'JSON_LOOSE',
  'JSON_MERGE',
  'JSON_MERGE_PATCH',
  'JSON_MERGE_PRESERVE',
  'JSON_NORMALIZE',
  'JSON_OBJECT',
  'JSON_OBJECTAGG',
  'JSON_OBJECT_FILTER_KEYS',
  'JSON_OBJECT_TO_ARRAY',
  'JSON_PRETTY',
  'JSON_QUERY',
  'JSON_REMOVE',
  'JSON_REPLACE',
  'JSON_SEARCH',
  'JSON_SET',
])

/** Functions whose result is never marked as JSON, whatever their arguments (measured likewise). */
const PLAIN_FUNCTIONS: ReadonlySet<string> = new Set([
  'CAST',
  'CHAR_LENGTH',
  'CONCAT',
  'CONCAT_WS',
  'CONVERT',
  'IFNULL',
  'JSON_CONTAINS',
  'JSON_CONTAINS_PATH',
  'JSON_DEPTH',
  'JSON_EQUALS',
  'JSON_EXISTS',
  'JSON_KEYS',
  'JSON_LENGTH',
  'JSON_OVERLAPS',
  'JSON_QUOTE',
  'JSON_TYPE',
  'JSON_UNQUOTE',
  'JSON_VALID',
  'JSON_VALUE',
  'LENGTH',
  'LOWER',
  'SUBSTRING',
  'UPPER',
])

const SELECT_MODIFIERS: ReadonlySet<string> = new Set([
  'ALL',
  'DISTINCT',
  'DISTINCTROW',
  'HIGH_PRIORITY',
  'STRAIGHT_JOIN',
  'SQL_SMALL_RESULT',
  'SQL_BIG_RESULT',
  'SQL_BUFFER_RESULT',
  'SQL_CACHE',
  'SQL_NO_CACHE',
  'SQL_CALC_FOUND_ROWS',
])

/** Words that end a select list or a FROM clause. */
const CLAUSE_ENDS: ReadonlySet<string> = new Set([
  'FROM',
  'WHERE',
  'GROUP',
  'HAVING',
  'ORDER',
  'LIMIT',
  'WINDOW',
  'INTO',
  'FOR',
  'LOCK',
  'PROCEDURE',
])

const SET_OPERATORS: ReadonlySet<string> = new Set(['UNION', 'EXCEPT', 'INTERSECT'])

type Source =
  | { readonly kind: 'table'; readonly schema: string | undefined; readonly name: string }
  | { readonly kind: 'query'; readonly query: Query; readonly columns: readonly string[] | undefined }
  | { readonly kind: 'opaque' }

interface Scope {
  readonly sources: Map<string, Source>
  readonly ctes: ReadonlyMap<string, Source>
  readonly parent: Scope | undefined
}

interface Select {
  readonly items: readonly (readonly SignificantToken[])[]
  readonly scope: Scope
}

/** A query expression: one SELECT, or several joined by UNION, EXCEPT or INTERSECT. */
interface Query {
  readonly branches: readonly Select[]
}

/**
 * The JSON kind of each column of a view, in order, traced through its definition; `undefined`
 * when the definition is not a query codegen can read.
 *
 * @example
 * traceViewJson('select `db`.`t`.`doc` AS `doc`,concat(`db`.`t`.`id`) AS `c` from `db`.`t`', lookup)
 * // ['json', 'text'] when lookup says db.t.doc is JSON
 */
export function traceViewJson(definition: string, lookup: ColumnJsonLookup): JsonKind[] | undefined {
  const tokens = significantTokens(definition)
  const query = parseQuery(tokens, 0, tokens.length, undefined, new Map())
  const first = query?.branches[0]
  if (query === undefined || first === undefined) return undefined
  return first.items.map((_, index) => columnKind(query, index, lookup))
}

/** The index of the `)` that closes the `(` at `open`; `end` when it is not closed before `end`. */
function closing(tokens: readonly SignificantToken[], open: number, end: number): number {
  let depth = 0
  for (let i = open; i < end; i++) {
    const text = (tokens[i] as SignificantToken).text
    if (text === '(') depth++
    else if (text === ')' && --depth === 0) return i
  }
  return end
}

function word(tokens: readonly SignificantToken[], i: number): string | undefined {
  const token = tokens[i]
  return token?.kind === TokenKind.Word ? token.upper : undefined
}

function startsQuery(tokens: readonly SignificantToken[], i: number): boolean {
  const first = word(tokens, i)
  return first === 'SELECT' || first === 'WITH'
}

function parseQuery(
  tokens: readonly SignificantToken[],
  start: number,
  end: number,
  parent: Scope | undefined,
  outerCtes: ReadonlyMap<string, Source>,
): Query | undefined {
  let i = start
  const ctes = new Map(outerCtes)
  if (word(tokens, i) === 'WITH') {
    i++
    if (word(tokens, i) === 'RECURSIVE') i++
    for (;;) {
      const name = tokens[i] && identifierName(tokens[i] as SignificantToken)
      if (name === undefined) return undefined
      i++
      let columns: string[] | undefined
      if (tokens[i]?.text === '(') {
        const close = closing(tokens, i, end)
        columns = tokens
          .slice(i + 1, close)
          .filter((token) => token.text !== ',')
          .map((token) => identifierName(token) ?? token.text)
        i = close + 1
      }
      if (word(tokens, i) !== 'AS' || tokens[i + 1]?.text !== '(') return undefined
      const close = closing(tokens, i + 1, end)
      const query = parseQuery(tokens, i + 2, close, parent, ctes)
      ctes.set(name, query === undefined ? { kind: 'opaque' } : { kind: 'query', query, columns })
      i = close + 1
      if (tokens[i]?.text !== ',') break
      i++
    }
  }
  const branches: Select[] = []
  let branchStart = i
  let depth = 0
  for (let j = i; j <= end; j++) {
    const text = tokens[j]?.text
    if (j < end && text === '(') depth++
    else if (j < end && text === ')') depth--
    if (j < end && !(depth === 0 && SET_OPERATORS.has(word(tokens, j) ?? ''))) continue
    const branch = parseBranch(tokens, branchStart, j, parent, ctes)
    if (branch === undefined) return undefined
    branches.push(branch)
    branchStart = j + 1
    if (word(tokens, branchStart) === 'ALL' || word(tokens, branchStart) === 'DISTINCT') branchStart++
  }
  return { branches }
}

/** One branch of a set operation: a SELECT, or a parenthesised query (its first branch). */
function parseBranch(
  tokens: readonly SignificantToken[],
  start: number,
  end: number,
  parent: Scope | undefined,
  ctes: ReadonlyMap<string, Source>,
): Select | undefined {
  if (tokens[start]?.text === '(' && closing(tokens, start, end) === end - 1) {
    return parseQuery(tokens, start + 1, end - 1, parent, ctes)?.branches[0]
  }
  if (word(tokens, start) !== 'SELECT') return undefined
  let i = start + 1
  while (SELECT_MODIFIERS.has(word(tokens, i) ?? '')) i++
  const items: SignificantToken[][] = [[]]
  let depth = 0
  for (; i < end; i++) {
    const token = tokens[i] as SignificantToken
    if (token.text === '(') depth++
    else if (token.text === ')') depth--
    if (depth === 0 && CLAUSE_ENDS.has(word(tokens, i) ?? '')) break
    if (depth === 0 && token.text === ',') items.push([])
    else items[items.length - 1]?.push(token)
  }
  const scope: Scope = { sources: new Map(), ctes, parent }
  if (word(tokens, i) === 'FROM') {
    let fromEnd = i + 1
    for (let d = 0; fromEnd < end; fromEnd++) {
      const text = (tokens[fromEnd] as SignificantToken).text
      if (text === '(') d++
      else if (text === ')') d--
      if (d === 0 && CLAUSE_ENDS.has(word(tokens, fromEnd) ?? '')) break
    }
    readSources(tokens, i + 1, fromEnd, scope)
  }
  return { items, scope }
}

/** Records the tables, views, derived tables and CTEs a FROM clause names, under their aliases. */
function readSources(tokens: readonly SignificantToken[], start: number, end: number, scope: Scope): void {
  const aliasAt = (i: number): { alias: string | undefined; next: number } => {
    if (word(tokens, i) === 'AS' && tokens[i + 1]?.kind === TokenKind.QuotedIdentifier) {
      return { alias: identifierName(tokens[i + 1] as SignificantToken), next: i + 2 }
    }
    if (tokens[i]?.kind === TokenKind.QuotedIdentifier && tokens[i + 1]?.text !== '.') {
      return { alias: identifierName(tokens[i] as SignificantToken), next: i + 1 }
    }
    return { alias: undefined, next: i }
  }
  let i = start
  while (i < end) {
    const token = tokens[i] as SignificantToken
    const upper = word(tokens, i)
    if ((upper === 'ON' || upper === 'USING') && tokens[i + 1]?.text === '(') {
      i = closing(tokens, i + 1, end) + 1
    } else if (token.text === '(' && startsQuery(tokens, i + 1)) {
      const close = closing(tokens, i, end)
      // A derived table sees the enclosing query's scope (for correlated names), not its siblings.
      const query = parseQuery(tokens, i + 1, close, scope.parent, scope.ctes)
      const { alias, next } = aliasAt(close + 1)
      if (alias !== undefined) {
        scope.sources.set(
          alias,
          query === undefined ? { kind: 'opaque' } : { kind: 'query', query, columns: undefined },
        )
      }
      i = next
    } else if (token.kind === TokenKind.QuotedIdentifier) {
      const qualified = tokens[i + 1]?.text === '.' && tokens[i + 2]?.kind === TokenKind.QuotedIdentifier
      const first = identifierName(token) as string
      const name = qualified ? (identifierName(tokens[i + 2] as SignificantToken) as string) : first
      const { alias, next } = aliasAt(i + (qualified ? 3 : 1))
      const source: Source = qualified
        ? { kind: 'table', schema: first, name }
        : (scope.ctes.get(name) ?? { kind: 'table', schema: undefined, name })
      scope.sources.set(alias ?? name, source)
      i = next
    } else if (upper !== undefined && tokens[i + 1]?.text === '(') {
      // A table function (JSON_TABLE(…) AS jt): its columns are not traced.
      const { alias, next } = aliasAt(closing(tokens, i + 1, end) + 1)
      if (alias !== undefined) scope.sources.set(alias, { kind: 'opaque' })
      i = next
    } else {
      i++
    }
  }
}

/** The kind of the `index`-th column of a query: the same in every branch, else `unknown`. */
function columnKind(query: Query, index: number, lookup: ColumnJsonLookup): JsonKind {
  const kinds = query.branches.map((branch) => {
    const item = branch.items[index]
    return item === undefined ? 'unknown' : itemKind(item, branch.scope, lookup)
  })
  return kinds.every((kind) => kind === kinds[0]) ? (kinds[0] ?? 'unknown') : 'unknown'
}

/** A select item's expression, without its `AS` alias, and the alias. */
function splitAlias(item: readonly SignificantToken[]): {
  expression: readonly SignificantToken[]
  alias: string | undefined
} {
  const last = item[item.length - 1]
  if (item.length >= 3 && word(item, item.length - 2) === 'AS' && last !== undefined) {
    return { expression: item.slice(0, -2), alias: identifierName(last) }
  }
  return { expression: item, alias: undefined }
}

/** `a`, `a`.`b` or `a`.`b`.`c` as the whole expression: its names; otherwise `undefined`. */
function reference(tokens: readonly SignificantToken[]): string[] | undefined {
  if (tokens.length !== 1 && tokens.length !== 3 && tokens.length !== 5) return undefined
  const names: string[] = []
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as SignificantToken
    if (i % 2 === 1) {
      if (token.text !== '.') return undefined
    } else if (token.kind !== TokenKind.QuotedIdentifier) {
      return undefined
    } else {
      names.push(identifierName(token) as string)
    }
  }
  return names
}

function itemKind(item: readonly SignificantToken[], scope: Scope, lookup: ColumnJsonLookup): JsonKind {
  const { expression } = splitAlias(item)
  const names = reference(expression)
  if (names !== undefined) return referenceKind(names, scope, lookup)
  const last = expression.length - 1
  if (expression[0]?.text === '(' && startsQuery(expression, 1) && closing(expression, 0, expression.length) === last) {
    // A scalar subquery: the kind of its one column.
    const query = parseQuery(expression, 1, last, scope, scope.ctes)
    return query === undefined ? 'unknown' : columnKind(query, 0, lookup)
  }
  const call = word(expression, 0)
  if (call !== undefined && expression[1]?.text === '(' && closing(expression, 1, expression.length) === last) {
    if (JSON_FUNCTIONS.has(call)) return 'json'
    if (PLAIN_FUNCTIONS.has(call)) return 'text'
  }
  return mayCarryJson(expression, scope, lookup) ? 'unknown' : 'text'
}

/** Whether JSON can reach an expression: a JSON function, a subquery, or a column that is (or may be) JSON. */
function mayCarryJson(expression: readonly SignificantToken[], scope: Scope, lookup: ColumnJsonLookup): boolean {
  for (let i = 0; i < expression.length; i++) {
    const token = expression[i] as SignificantToken
    if (JSON_FUNCTIONS.has(word(expression, i) ?? '') && expression[i + 1]?.text === '(') return true
    if (token.text === '(' && startsQuery(expression, i + 1)) return true
    if (token.kind !== TokenKind.QuotedIdentifier) continue
    let end = i + 1
    while (expression[end]?.text === '.' && expression[end + 1]?.kind === TokenKind.QuotedIdentifier) end += 2
    const names = reference(expression.slice(i, end))
    if (names === undefined || referenceKind(names, scope, lookup) !== 'text') return true
    i = end - 1
  }
  return false
}

/** The kind of a column reference: `schema.table.column`, `alias.column` or `column`. */
function referenceKind(names: readonly string[], scope: Scope, lookup: ColumnJsonLookup): JsonKind {
  if (names.length === 3) return lookup(names[0], names[1] as string, names[2] as string)
  if (names.length !== 2) return 'unknown'
  const [alias, column] = names as [string, string]
  for (let level: Scope | undefined = scope; level !== undefined; level = level.parent) {
    const source = level.sources.get(alias) ?? caseInsensitive(level.sources, alias)
    if (source !== undefined) return sourceColumnKind(source, column, lookup)
  }
  return 'unknown'
}

function caseInsensitive<T>(map: ReadonlyMap<string, T>, key: string): T | undefined {
  const lower = key.toLowerCase()
  for (const [name, value] of map) if (name.toLowerCase() === lower) return value
  return undefined
}

function sourceColumnKind(source: Source, column: string, lookup: ColumnJsonLookup): JsonKind {
  switch (source.kind) {
    case 'table':
      return lookup(source.schema, source.name, column)
    case 'opaque':
      return 'unknown'
    case 'query': {
      const first = source.query.branches[0]
      const names = source.columns ?? first?.items.map((item) => splitAlias(item).alias)
      const index = names?.findIndex((name) => name !== undefined && name.toLowerCase() === column.toLowerCase())
      return index === undefined || index < 0 ? 'unknown' : columnKind(source.query, index, lookup)
    }
  }
}
