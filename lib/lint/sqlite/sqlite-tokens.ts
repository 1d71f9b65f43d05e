import { TokenKind, scanToken, unquoteSqliteName } from '../../dialects/sqlite/sqlite-lexer.js'
import type { SqlStatement } from '../../dialects/dialect.js'
import type { LocatedStatement, SqlComment } from '../rule-set.js'

/** The name a word or quoted token stands for (the dialect's own rule). */
export const unquote = unquoteSqliteName

/** A significant token of a SQLite statement, read with the splitter's own lexer. */
export interface SqliteToken {
  readonly kind: TokenKind
  /** As written. */
  readonly text: string
  /** Words in ASCII upper case (as SQLite folds keywords), other tokens as written. */
  readonly upper: string
  /** Offset in the statement's text. */
  readonly start: number
}

/** The tokens of a statement other than white space, comments and `;`. */
export function sqliteTokens(sql: string): SqliteToken[] {
  const tokens: SqliteToken[] = []
  const out = { kind: TokenKind.Space }
  for (let pos = 0; pos < sql.length;) {
    const end = scanToken(sql, pos, out)
    if (out.kind !== TokenKind.Space && out.kind !== TokenKind.Semi) {
      const text = sql.slice(pos, end)
      tokens.push({ kind: out.kind, text, upper: out.kind === TokenKind.Word ? asciiUpper(text) : text, start: pos })
    }
    pos = end
  }
  return tokens
}

/** The comments of a text (`--` to the end of the line, `/* … *\/`), never inside strings. */
export function sqliteComments(text: string): SqlComment[] {
  const comments: SqlComment[] = []
  const out = { kind: TokenKind.Space }
  for (let pos = 0; pos < text.length;) {
    const end = scanToken(text, pos, out)
    if (out.kind === TokenKind.Space && (text.startsWith('--', pos) || text.startsWith('/*', pos))) {
      // The lexer returns white space and a comment as separate tokens only when they are; a
      // run of white space never starts with "--" or "/*", so this token is exactly a comment.
      comments.push({ offset: pos, text: text.slice(pos, end) })
    }
    pos = end
  }
  return comments
}

/**
 * Gives each statement its offset in the file: the splitter drops only white space, comments
 * and `;` between statements, so the next significant token after the previous statement is
 * where the next one starts (searching for the text could match a copy inside a comment).
 */
export function locateSqliteStatements(text: string, statements: readonly SqlStatement[]): LocatedStatement[] {
  const located: LocatedStatement[] = []
  const out = { kind: TokenKind.Space }
  let pos = 0
  for (const statement of statements) {
    for (;;) {
      const end = scanToken(text, pos, out)
      if (out.kind !== TokenKind.Space && out.kind !== TokenKind.Semi) break
      pos = end
    }
    located.push(Object.freeze({ ...statement, offset: pos }))
    pos += statement.sql.length
  }
  return located
}

/** How SQLite compares names: without regard to ASCII letter case. */
export function nameKey(name: string): string {
  return name.replace(/[A-Z]+/g, (letters) => letters.toLowerCase())
}

export function isName(token: SqliteToken | undefined): token is SqliteToken {
  return token !== undefined && (token.kind === TokenKind.Word || token.kind === TokenKind.Quoted)
}

/**
 * Reads `name` or `schema.name` at `at`: the name (unquoted), where it starts, and the index
 * after it; `undefined` when the tokens there are not a name.
 */
export function readName(
  tokens: readonly SqliteToken[],
  at: number,
):
  | { readonly name: string; readonly schema: string | undefined; readonly start: number; readonly next: number }
  | undefined {
  const first = tokens[at]
  if (!isName(first)) return undefined
  const dot = tokens[at + 1]
  const second = tokens[at + 2]
  if (dot?.text === '.' && isName(second))
    return { name: unquote(second.text), schema: unquote(first.text), start: first.start, next: at + 3 }
  return { name: unquote(first.text), schema: undefined, start: first.start, next: at + 1 }
}

function asciiUpper(text: string): string {
  return text.replace(/[a-z]+/g, (letters) => letters.toUpperCase())
}
