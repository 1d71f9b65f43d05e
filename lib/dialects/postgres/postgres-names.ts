import { PgTokenKind, type PgToken } from './postgres-lexer.js'

/** PostgreSQL keeps the first NAMEDATALEN - 1 = 63 bytes of a longer identifier. */
const MAX_IDENTIFIER_BYTES = 63

/** A name as PostgreSQL resolves it, and the index of the token after it. */
export interface ReadName {
  readonly name: string
  readonly next: number
}

/** A possibly schema-qualified name: `schema` is `undefined` when the statement does not give one. */
export interface QualifiedName extends ReadName {
  readonly schema: string | undefined
}

/**
 * Reads the identifier at `tokens[at]` as PostgreSQL resolves it: an unquoted name folded to
 * lower case (ASCII letters only, as `downcase_identifier`), a quoted one kept as written (`""`
 * is a quote), `U&"…"` with its escapes decoded (and a following `UESCAPE 'c'`), and every name
 * cut to 63 bytes. `undefined` when the token is no identifier or its escapes are invalid.
 */
export function readIdentifier(tokens: readonly PgToken[], at: number): ReadName | undefined {
  const token = tokens[at]
  if (token === undefined) return undefined
  if (token.kind === PgTokenKind.Word) return { name: truncate(foldAscii(token.text)), next: at + 1 }
  if (token.kind !== PgTokenKind.QuotedIdentifier) return undefined
  if (token.text[0] === '"') return { name: truncate(token.text.slice(1, -1).replaceAll('""', '"')), next: at + 1 }
  // U&"…" [UESCAPE 'c']
  const body = token.text.slice(3, -1).replaceAll('""', '"')
  let escape = '\\'
  let next = at + 1
  const uescape = tokens[at + 1]
  const escapeLiteral = tokens[at + 2]
  if (uescape?.kind === PgTokenKind.Word && foldAscii(uescape.text) === 'uescape') {
    if (escapeLiteral?.kind !== PgTokenKind.String || !/^'[^']'$/.test(escapeLiteral.text)) return undefined
    escape = escapeLiteral.text[1]!
    next = at + 3
  }
  const name = decodeUnicodeEscapes(body, escape)
  return name === undefined ? undefined : { name: truncate(name), next }
}

/**
 * Reads `name`, `schema.name` or `catalog.schema.name` at `tokens[at]`. `undefined` when the
 * tokens there are not a name.
 */
export function readQualifiedName(tokens: readonly PgToken[], at: number): QualifiedName | undefined {
  const parts: string[] = []
  let next = at
  for (;;) {
    const part = readIdentifier(tokens, next)
    if (part === undefined) return undefined
    parts.push(part.name)
    next = part.next
    if (tokens[next]?.text !== '.' || parts.length === 3) break
    next++
  }
  const name = parts[parts.length - 1]!
  return { schema: parts.length > 1 ? parts[parts.length - 2] : undefined, name, next }
}

/** ASCII-only lower case, as PostgreSQL folds unquoted identifiers and compares keywords. */
export function foldAscii(word: string): string {
  return /[A-Z]/.test(word) ? word.replace(/[A-Z]+/g, (letters) => letters.toLowerCase()) : word
}

/** `\XXXX`, `\+XXXXXX` and `\\` (with `\` standing for the escape character) decoded; `undefined` if invalid. */
function decodeUnicodeEscapes(body: string, escape: string): string | undefined {
  let out = ''
  for (let i = 0; i < body.length;) {
    const c = body[i]!
    if (c !== escape) {
      out += c
      i++
      continue
    }
    if (body[i + 1] === escape) {
      out += escape
      i += 2
      continue
    }
    const long = body[i + 1] === '+'
    const digits = long ? body.slice(i + 2, i + 8) : body.slice(i + 1, i + 5)
    if (!/^[0-9A-Fa-f]+$/.test(digits) || digits.length !== (long ? 6 : 4)) return undefined
    const code = Number.parseInt(digits, 16)
    if (code > 0x10ffff || code === 0) return undefined
    out += long ? String.fromCodePoint(code) : String.fromCharCode(code) // \D83D\DE00 pairs join up
    i += long ? 8 : 5
  }
  return out
}

/** Keeps the first 63 bytes of UTF-8, never cutting a character in two (as `pg_mbcliplen`). */
function truncate(name: string): string {
  if (name.length <= MAX_IDENTIFIER_BYTES / 3 || Buffer.byteLength(name) <= MAX_IDENTIFIER_BYTES) return name
  let bytes = 0
  let end = 0
  for (const char of name) {
    bytes += Buffer.byteLength(char)
    if (bytes > MAX_IDENTIFIER_BYTES) break
    end += char.length
  }
  return name.slice(0, end)
}
