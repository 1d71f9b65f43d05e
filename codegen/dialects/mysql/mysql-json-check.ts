/**
 * MariaDB's JSON is not a type of its own: `JSON` is `LONGTEXT` with a `CHECK (json_valid(col))`.
 * The server still tells clients which columns are JSON (the `format=json` of its extended
 * metadata, which mysql2 ≥ 3.23 reads and parses), by one rule, measured on MariaDB 10.11: a
 * text or blob column whose own (column-level) CHECK is `json_valid(…)`, or an `AND` of
 * conditions one of which is. A table-level CHECK does not count, nor does `json_valid(…) OR …`.
 *
 * @module
 */
import { TokenKind, type SignificantToken, significantTokens } from '../../../lib/dialects/mysql/mysql-lexer.js'

/**
 * Whether a column-level CHECK clause (as `information_schema.CHECK_CONSTRAINTS` reports it)
 * makes MariaDB mark the column as JSON.
 *
 * @example
 * isJsonCheck('json_valid(`doc`)') // true
 * isJsonCheck('json_valid(`doc`) and json_length(`doc`) > 0') // true
 * isJsonCheck('json_valid(`doc`) or `doc` is null') // false
 */
export function isJsonCheck(clause: string): boolean {
  return conjuncts(significantTokens(clause)).some(isJsonValidCall)
}

/** The operands of a top-level `AND` chain (the whole expression when it is not one). */
function conjuncts(tokens: readonly SignificantToken[]): SignificantToken[][] {
  const parts: SignificantToken[][] = [[]]
  let depth = 0
  for (const token of tokens) {
    if (token.text === '(') depth++
    else if (token.text === ')') depth--
    if (depth === 0 && token.kind === TokenKind.Word && token.upper === 'AND') parts.push([])
    else parts[parts.length - 1]?.push(token)
  }
  return parts
}

/** `json_valid( … )`, the call being the whole operand. */
function isJsonValidCall(tokens: readonly SignificantToken[]): boolean {
  if (tokens[0]?.upper !== 'JSON_VALID' || tokens[1]?.text !== '(') return false
  let depth = 0
  for (let i = 1; i < tokens.length; i++) {
    const text = (tokens[i] as SignificantToken).text
    if (text === '(') depth++
    else if (text === ')' && --depth === 0) return i === tokens.length - 1
  }
  return false
}
