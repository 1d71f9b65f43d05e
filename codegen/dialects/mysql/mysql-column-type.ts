/**
 * Reading `information_schema.COLUMNS.COLUMN_TYPE`, which says more than `DATA_TYPE`: the
 * display width that makes `tinyint(1)` a boolean, `unsigned`, and the values of `enum(…)` and
 * `set(…)` as the server quotes them (`''` for a quote, backslash escapes such as `\\` and `\n`).
 *
 * @module
 */
import { TokenKind, significantTokens } from '../../../lib/dialects/mysql/mysql-lexer.js'

/** `tinyint(1)`, signed or unsigned: what `BOOL`/`BOOLEAN` create, and what mysql2 returns as 0/1. */
export function isTinyintOne(columnType: string): boolean {
  return /^tinyint\(1\)(\s|$)/i.test(columnType.trim())
}

/** Whether the type is `unsigned`. */
export function isUnsigned(columnType: string): boolean {
  return /\bunsigned\b/i.test(columnType)
}

/** The backslash escapes of MySQL string literals; any other escaped character stands for itself. */
const ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
}

/** The text of a `'…'` literal as the server writes it in `COLUMN_TYPE`. */
export function unquoteLiteral(literal: string): string {
  const quote = literal[0] as string
  const body = literal.slice(1, -1)
  let out = ''
  for (let i = 0; i < body.length; i++) {
    const char = body[i] as string
    if (char === '\\' && i + 1 < body.length) {
      const next = body[++i] as string
      out += ESCAPES[next] ?? next
    } else if (char === quote && body[i + 1] === quote) {
      out += quote
      i++
    } else {
      out += char
    }
  }
  return out
}

/**
 * The values of an `enum(…)` or `set(…)` column type, in declaration order; `undefined` for any
 * other type.
 *
 * @example
 * typeValues("enum('draft','it''s')") // ['draft', "it's"]
 */
export function typeValues(columnType: string): readonly string[] | undefined {
  const tokens = significantTokens(columnType)
  const head = tokens[0]?.upper
  if ((head !== 'ENUM' && head !== 'SET') || tokens[1]?.text !== '(') return undefined
  const values: string[] = []
  for (let i = 2; i < tokens.length; i++) {
    const token = tokens[i] as (typeof tokens)[number]
    if (token.kind === TokenKind.String) values.push(unquoteLiteral(token.text))
    else if (token.text === ')') return values
    else if (token.text !== ',') return undefined
  }
  return undefined
}
