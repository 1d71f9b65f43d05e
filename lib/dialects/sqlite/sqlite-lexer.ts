/**
 * The token classes of SQLite's own completeness check (`sqlite3_complete`, complete.c): the
 * splitter must agree with SQLite on where a statement ends, so it uses the same tokens and the
 * same rules rather than SQLite's full grammar.
 */
export const enum TokenKind {
  Semi,
  /** Whitespace or a comment: both are "white space" to `sqlite3_complete`. */
  Space,
  /** A word made of identifier characters (keywords, names, numbers). */
  Word,
  /** A quoted string or identifier: `'…'`, `"…"`, `` `…` `` or `[…]`. */
  Quoted,
  /** Any other single character (operators, parentheses, …). */
  Other,
  /** Input ended inside a quoted token or block comment. */
  Unterminated,
}

/** Identifier characters as SQLite's `IdChar()`: letters, digits, `_`, `$` and everything non-ASCII. */
export function isIdChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || // a-z
    (code >= 65 && code <= 90) || // A-Z
    (code >= 48 && code <= 57) || // 0-9
    code === 95 || // _
    code === 36 || // $
    code >= 0x80
  )
}

/**
 * Returns the end offset of the token starting at `pos` and stores its kind in `out.kind`.
 * `out` is reused by callers to keep the hot loop free of allocations.
 */
export function scanToken(text: string, pos: number, out: { kind: TokenKind }): number {
  const c = text.charCodeAt(pos)
  switch (c) {
    case 59: // ;
      out.kind = TokenKind.Semi
      return pos + 1
    case 32: // space
    case 9: // \t
    case 10: // \n
    case 12: // \f
    case 13: {
      // \r
      let end = pos + 1
      for (; end < text.length; end++) {
        const d = text.charCodeAt(end)
        if (d !== 32 && d !== 9 && d !== 10 && d !== 12 && d !== 13) break
      }
      out.kind = TokenKind.Space
      return end
    }
    case 47: // /
      if (text.charCodeAt(pos + 1) !== 42) break
      {
        const close = text.indexOf('*/', pos + 2)
        if (close < 0) {
          out.kind = TokenKind.Unterminated
          return text.length
        }
        out.kind = TokenKind.Space
        return close + 2
      }
    case 45: // -
      if (text.charCodeAt(pos + 1) !== 45) break
      {
        const newline = text.indexOf('\n', pos + 2)
        out.kind = TokenKind.Space
        return newline < 0 ? text.length : newline
      }
    case 91: // [
      return closeQuote(text, pos, ']', out)
    case 96: // `
    case 34: // "
    case 39: // '
      return closeQuote(text, pos, text[pos] as string, out)
    default:
      if (isIdChar(c)) {
        let end = pos + 1
        while (end < text.length && isIdChar(text.charCodeAt(end))) end++
        out.kind = TokenKind.Word
        return end
      }
  }
  out.kind = TokenKind.Other
  return pos + 1
}

function closeQuote(text: string, pos: number, quote: string, out: { kind: TokenKind }): number {
  let end = pos + 1
  for (;;) {
    const close = text.indexOf(quote, end)
    if (close < 0) {
      out.kind = TokenKind.Unterminated
      return text.length
    }
    // A doubled quote ('it''s') continues the same token; for sqlite3_complete two adjacent
    // quoted tokens behave exactly like one.
    if (quote !== ']' && text[close + 1] === quote) {
      end = close + 2
      continue
    }
    out.kind = TokenKind.Quoted
    return close + 1
  }
}

/** The tokens of a statement other than whitespace and comments, as written. */
export function sqliteSignificantTokens(sql: string): readonly string[] {
  const tokens: string[] = []
  const token = { kind: TokenKind.Space }
  for (let pos = 0; pos < sql.length;) {
    const end = scanToken(sql, pos, token)
    if (token.kind !== TokenKind.Space) tokens.push(sql.slice(pos, end))
    pos = end
  }
  return tokens
}

/** The name a word or quoted token stands for: `"a""b"` → `a"b`, `[x]` → `x`, `'t'` → `t`. */
export function unquoteSqliteName(token: string): string {
  const quote = token[0]
  if (quote === '"' || quote === "'" || quote === '`')
    return token
      .slice(1, -1)
      .split(quote + quote)
      .join(quote)
  if (quote === '[') return token.slice(1, -1)
  return token
}
