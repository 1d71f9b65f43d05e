/**
 * The token classes PostgreSQL's own scanner (`scan.l`, and psql's copy of it, `psqlscan.l`)
 * uses to decide where a statement ends. Only what changes that decision is told apart: where a
 * literal, quoted identifier or comment starts and stops, parentheses, `;`, words (for psql's
 * `BEGIN … END` counting) and the `\` that starts a psql meta-command. The rules follow the
 * PostgreSQL 15 server, with `standard_conforming_strings` on (the default since 9.1).
 */
export const enum PgTokenKind {
  /** White space: space, tab, newline, carriage return, form feed (and vertical tab, as PostgreSQL ≥ 16). */
  Space,
  /** A `-- …` comment (to the end of the line) or a nested `/* … *\/` comment. */
  Comment,
  /** An unquoted identifier or keyword: letters, digits, `_`, `$` and anything non-ASCII. */
  Word,
  /** `"…"` (with `""` inside) or `U&"…"`. */
  QuotedIdentifier,
  /**
   * `'…'` (with `''`), `E'…'` (with backslash escapes), `B'…'`, `X'…'` or `U&'…'` (the N of `N'…'` is a token of its own),
   * including the segments that continue it after a newline (`'a'\n'b'` is one literal).
   */
  String,
  /** `$$…$$` or `$tag$…$tag$`. */
  DollarString,
  /** A numeric literal, with any identifier characters stuck to it (PostgreSQL ≥ 15 rejects those as "trailing junk"). */
  Number,
  /** A positional parameter, `$1`. */
  Parameter,
  Semicolon,
  OpenParen,
  CloseParen,
  /** `\` outside any literal: the start of a psql meta-command (`\i`, `\set`, `\gexec`, …). */
  Backslash,
  /** Any other character (operators, punctuation). */
  Other,
  /** Input ended inside a literal, quoted identifier or block comment that starts here. */
  Unterminated,
}

/** Identifier start characters (`ident_start`): ASCII letters, `_`, and every non-ASCII character. */
export function isIdentStart(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code >= 0x80
}

/** Identifier characters (`ident_cont`): `ident_start`, digits and `$`. */
export function isIdentCont(code: number): boolean {
  return isIdentStart(code) || (code >= 48 && code <= 57) || code === 36
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57
}

/** `[ \t\n\r\f\v]` */
function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13)
}

function isNewline(code: number): boolean {
  return code === 10 || code === 13
}

/**
 * Returns the end offset of the token starting at `pos` and stores its kind in `out.kind`.
 * `out` is reused by callers to keep the hot loop free of allocations.
 */
export function scanPostgresToken(text: string, pos: number, out: { kind: PgTokenKind }): number {
  const c = text.charCodeAt(pos)
  switch (c) {
    case 59: // ;
      out.kind = PgTokenKind.Semicolon
      return pos + 1
    case 40: // (
      out.kind = PgTokenKind.OpenParen
      return pos + 1
    case 41: // )
      out.kind = PgTokenKind.CloseParen
      return pos + 1
    case 32:
    case 9:
    case 10:
    case 11:
    case 12:
    case 13: {
      let end = pos + 1
      while (end < text.length && isSpace(text.charCodeAt(end))) end++
      out.kind = PgTokenKind.Space
      return end
    }
    case 45: // -
      if (text.charCodeAt(pos + 1) !== 45) break
      out.kind = PgTokenKind.Comment
      return lineCommentEnd(text, pos + 2)
    case 47: // /
      if (text.charCodeAt(pos + 1) !== 42) break
      return blockComment(text, pos, out)
    case 39: // '
      return quotedString(text, pos, false, out)
    case 34: // "
      return quotedIdentifier(text, pos, out)
    case 36: // $
      return dollar(text, pos, out)
    case 92: // \
      out.kind = PgTokenKind.Backslash
      return pos + 1
    case 46: // .
      if (isDigit(text.charCodeAt(pos + 1))) return number(text, pos, out)
      break
    default:
      if (isDigit(c)) return number(text, pos, out)
      if (isIdentStart(c)) return word(text, pos, c, out)
  }
  out.kind = PgTokenKind.Other
  return pos + 1
}

/** A `--` comment runs to the next newline (`\n` or `\r`), which it does not include. */
function lineCommentEnd(text: string, from: number): number {
  let end = from
  while (end < text.length && !isNewline(text.charCodeAt(end))) end++
  return end
}

/** `/* … *\/` comments nest: each `/*` inside needs its own `*\/`. */
function blockComment(text: string, pos: number, out: { kind: PgTokenKind }): number {
  let depth = 0
  for (let i = pos + 2; i < text.length - 1; i++) {
    const c = text.charCodeAt(i)
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      depth++
      i++
    } else if (c === 42 && text.charCodeAt(i + 1) === 47) {
      if (depth === 0) {
        out.kind = PgTokenKind.Comment
        return i + 2
      }
      depth--
      i++
    }
  }
  out.kind = PgTokenKind.Unterminated
  return text.length
}

/**
 * A single-quoted literal whose opening quote is at `quote` (after any `E`, `B`, `X`, `N` or `U&`
 * prefix). `escapes`: backslash escapes, as in `E'…'`, where `\'` does not end the literal.
 */
function quotedString(text: string, quote: number, escapes: boolean, out: { kind: PgTokenKind }): number {
  let i = quote + 1
  for (;;) {
    const close = escapes ? escapedStringQuote(text, i) : text.indexOf("'", i)
    if (close < 0) break
    if (text.charCodeAt(close + 1) === 39) {
      i = close + 2 // '' stands for one quote
      continue
    }
    const next = continuedQuote(text, close + 1)
    if (next < 0) {
      out.kind = PgTokenKind.String
      return close + 1
    }
    // 'a'<newline>'b' is one literal, and its later segments keep the first one's escape rules.
    i = next + 1
  }
  out.kind = PgTokenKind.Unterminated
  return text.length
}

/** The next quote from `from` that a backslash does not escape, or -1. */
function escapedStringQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 39) return i
    if (c === 92) i++ // a backslash takes the next character, whatever it is, with it
  }
  return -1
}

/**
 * SQL's string continuation (`quotecontinue` in scan.l): white space that holds at least one
 * newline, and `--` comments, between a closing quote and an opening one join two literals into
 * one. Returns the offset of the continuing quote, or -1.
 */
function continuedQuote(text: string, from: number): number {
  let i = from
  // Before the first newline: spaces, tabs, form feeds and a -- comment.
  for (;;) {
    const c = text.charCodeAt(i)
    if (c === 32 || c === 9 || c === 11 || c === 12) i++
    else if (c === 45 && text.charCodeAt(i + 1) === 45) i = lineCommentEnd(text, i + 2)
    else break
  }
  if (!isNewline(text.charCodeAt(i))) return -1
  i++
  // After it: any white space, and -- comments each followed by a newline.
  for (;;) {
    const c = text.charCodeAt(i)
    if (isSpace(c)) {
      i++
    } else if (c === 45 && text.charCodeAt(i + 1) === 45) {
      const end = lineCommentEnd(text, i + 2)
      if (end >= text.length) return -1
      i = end + 1
    } else {
      return c === 39 ? i : -1
    }
  }
}

function quotedIdentifier(text: string, quote: number, out: { kind: PgTokenKind }): number {
  let i = quote + 1
  for (;;) {
    const close = text.indexOf('"', i)
    if (close < 0) {
      out.kind = PgTokenKind.Unterminated
      return text.length
    }
    if (text.charCodeAt(close + 1) === 34) {
      i = close + 2 // "" stands for one quote
      continue
    }
    out.kind = PgTokenKind.QuotedIdentifier
    return close + 1
  }
}

/** `$1` (a parameter), `$tag$…$tag$` (a dollar-quoted literal) or a lone `$`. */
function dollar(text: string, pos: number, out: { kind: PgTokenKind }): number {
  let i = pos + 1
  let c = text.charCodeAt(i)
  if (isDigit(c)) {
    while (isDigit(text.charCodeAt(i))) i++
    out.kind = PgTokenKind.Parameter
    // Identifier characters stuck to a parameter ($1abc) belong to it: never a dollar quote.
    return isIdentStart(text.charCodeAt(i)) ? identifierEnd(text, i) : i
  }
  // A tag is an identifier without "$": letters, "_", non-ASCII, and digits after the first.
  if (isIdentStart(c)) {
    do c = text.charCodeAt(++i)
    while (isIdentStart(c) || isDigit(c))
  }
  if (c !== 36) {
    // "$abc" without a closing "$" is a "$" followed by a word.
    out.kind = PgTokenKind.Other
    return pos + 1
  }
  const delimiter = text.slice(pos, i + 1)
  const close = text.indexOf(delimiter, i + 1)
  if (close < 0) {
    out.kind = PgTokenKind.Unterminated
    return text.length
  }
  out.kind = PgTokenKind.DollarString
  return close + delimiter.length
}

function identifierEnd(text: string, from: number): number {
  let end = from
  while (end < text.length && isIdentCont(text.charCodeAt(end))) end++
  return end
}

/**
 * Digits, a fraction and an exponent; identifier characters stuck to the number are part of the
 * same token (PostgreSQL ≥ 15: "trailing junk after numeric literal"), so `1e'x'` holds no `E'…'`.
 */
function number(text: string, pos: number, out: { kind: PgTokenKind }): number {
  let i = pos
  while (isDigit(text.charCodeAt(i))) i++
  // "1..2" is 1, "..", 2.
  if (text.charCodeAt(i) === 46 && text.charCodeAt(i + 1) !== 46) {
    i++
    while (isDigit(text.charCodeAt(i))) i++
  }
  const e = text.charCodeAt(i)
  if (e === 69 || e === 101) {
    let k = i + 1
    const sign = text.charCodeAt(k)
    if (sign === 43 || sign === 45) k++
    if (isDigit(text.charCodeAt(k))) {
      i = k
      while (isDigit(text.charCodeAt(i))) i++
    }
  }
  out.kind = PgTokenKind.Number
  return isIdentStart(text.charCodeAt(i)) ? identifierEnd(text, i) : i
}

/** A word, or a literal with a one-letter prefix: `E'…'`, `B'…'`, `X'…'`, `U&'…'`, `U&"…"` (and the N of `N'…'`). */
function word(text: string, pos: number, c: number, out: { kind: PgTokenKind }): number {
  const next = text.charCodeAt(pos + 1)
  if (next === 39) {
    switch (c) {
      case 69: // E
      case 101:
        return quotedString(text, pos + 1, true, out)
      case 66: // B
      case 98:
      case 88: // X
      case 120:
        return quotedString(text, pos + 1, false, out)
      case 78: // N
      case 110:
        // N'…' is the keyword NCHAR followed by a plain literal (psql: not a word either).
        out.kind = PgTokenKind.Other
        return pos + 1
    }
  } else if (next === 38 && (c === 85 || c === 117)) {
    // U&'…' and U&"…"; a "U&" followed by anything else is "U", "&" (psql: not a word).
    const quote = text.charCodeAt(pos + 2)
    if (quote === 39) return quotedString(text, pos + 2, false, out)
    if (quote === 34) return quotedIdentifier(text, pos + 2, out)
    out.kind = PgTokenKind.Other
    return pos + 1
  }
  out.kind = PgTokenKind.Word
  return identifierEnd(text, pos + 1)
}

/** Why the token at `pos`, which runs to the end of the text, is unterminated. */
export function unterminatedReason(text: string, pos: number): string {
  const c = text[pos]
  if (c === '/') return 'comment "/*" is not closed by "*/" (comments nest: each "/*" inside needs its own "*/")'
  if (c === '$') {
    const delimiter = /^\$[^$]*\$/.exec(text.slice(pos, pos + 200))?.[0] ?? '$$'
    return `dollar-quoted string ${delimiter} is not closed by ${delimiter}`
  }
  const quoteAt = c === '"' || c === "'" ? pos : /^[uU]&/.test(text.slice(pos, pos + 2)) ? pos + 2 : pos + 1
  if (text[quoteAt] === '"') return 'quoted identifier is not closed by "'
  const prefix = text.slice(pos, quoteAt)
  return `string literal ${prefix}'…' is not closed by '`
}

/** A token other than white space and comments, with its offset and text as written. */
export interface PgToken {
  readonly kind: PgTokenKind
  readonly start: number
  readonly text: string
}

/**
 * The tokens of `sql` other than white space and comments, in order, up to `limit` of them.
 * Unterminated text ends the list with an `Unterminated` token.
 */
export function significantTokens(sql: string, limit = Number.POSITIVE_INFINITY): PgToken[] {
  const tokens: PgToken[] = []
  const out = { kind: PgTokenKind.Space }
  for (let pos = 0; pos < sql.length && tokens.length < limit;) {
    const end = scanPostgresToken(sql, pos, out)
    if (out.kind !== PgTokenKind.Space && out.kind !== PgTokenKind.Comment)
      tokens.push({ kind: out.kind, start: pos, text: sql.slice(pos, end) })
    pos = end
  }
  return tokens
}
