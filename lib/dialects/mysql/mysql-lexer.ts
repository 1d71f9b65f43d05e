/**
 * The token classes the MySQL/MariaDB statement splitter needs, read as the server's own lexer
 * reads them (MariaDB 10.11 `sql_lex.cc`, checked against the server itself):
 *
 * - `'…'` and `"…"` strings: a doubled quote or, unless `NO_BACKSLASH_ESCAPES` is on, a backslash
 *   escapes the next character; with `ANSI_QUOTES`, `"…"` is an identifier (no backslash escapes);
 * - `` `…` `` identifiers: only a doubled backtick escapes;
 * - `#` comments and `-- ` comments to the end of the line; `--` starts a comment only when the
 *   next character is whitespace, a control character or the end of the text (`1--1` is `1 - -1`);
 * - `/* … *\/` comments, not nested (the first `*\/` closes them, as on the server);
 * - executable comments `/*! … *\/`, `/*!50001 … *\/` and MariaDB's `/*M! … *\/`: their content is
 *   SQL the server runs, so it is read as tokens; the opener and the closing `*\/` are tokens of
 *   their own. (A version above the server's makes the server skip the content; the splitter,
 *   knowing no server, always reads it as code. Only a `;` inside such a skipped comment is read
 *   differently, and mysqldump never writes one.)
 */
export const enum TokenKind {
  Semi,
  /** Whitespace or a plain comment. */
  Space,
  /** A word made of identifier characters (keywords, names, numbers). */
  Word,
  /** A string literal: `'…'`, or `"…"` without `ANSI_QUOTES`. */
  String,
  /** A quoted identifier: `` `…` ``, or `"…"` with `ANSI_QUOTES`. */
  QuotedIdentifier,
  /** The opener of an executable comment: `/*!`, `/*!50001`, `/*M!100100`. */
  ExecutableOpen,
  /** The `*\/` closing an executable comment. */
  ExecutableClose,
  /** Any other single character (operators, parentheses, `@`, `:`, …). */
  Other,
  /** Input ended inside a string, quoted identifier or comment. */
  Unterminated,
}

export interface LexerOptions {
  /** `sql_mode` `NO_BACKSLASH_ESCAPES`: a backslash is an ordinary character in strings. */
  readonly noBackslashEscapes?: boolean
  /** `sql_mode` `ANSI_QUOTES`: `"…"` is an identifier, not a string. */
  readonly ansiQuotes?: boolean
}

/** The lexer's state between tokens: whether it is inside an executable comment. */
export interface LexerState {
  kind: TokenKind
  inExecutableComment: boolean
}

/** Identifier characters of unquoted names: ASCII letters, digits, `_`, `$` and U+0080 and above. */
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

/** Whitespace as the server's `my_isspace()`: space, \t, \n, \v, \f, \r. */
export function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13)
}

/**
 * Returns the end offset of the token starting at `pos`, with its kind in `state.kind`; `state`
 * also carries whether an executable comment is open, and is reused by callers so the hot loop
 * allocates nothing.
 */
export function scanToken(text: string, pos: number, state: LexerState, options: LexerOptions = {}): number {
  const c = text.charCodeAt(pos)
  switch (c) {
    case 59: // ;
      state.kind = TokenKind.Semi
      return pos + 1
    case 32:
    case 9:
    case 10:
    case 11:
    case 12:
    case 13: {
      let end = pos + 1
      while (end < text.length && isSpace(text.charCodeAt(end))) end++
      state.kind = TokenKind.Space
      return end
    }
    case 35: // #
      return lineComment(text, pos, state)
    case 45: // -
      if (text.charCodeAt(pos + 1) === 45) {
        // "--" followed by whitespace, a control character or the end of the text.
        const next = text.charCodeAt(pos + 2)
        if (pos + 2 >= text.length || next <= 32 || next === 127) return lineComment(text, pos, state)
      }
      break
    case 42: // *
      if (state.inExecutableComment && text.charCodeAt(pos + 1) === 47) {
        state.inExecutableComment = false
        state.kind = TokenKind.ExecutableClose
        return pos + 2
      }
      break
    case 47: // /
      if (text.charCodeAt(pos + 1) === 42) return blockComment(text, pos, state)
      break
    case 39: // '
      return quoted(text, pos, state, !options.noBackslashEscapes, TokenKind.String)
    case 34: // "
      return options.ansiQuotes
        ? quoted(text, pos, state, false, TokenKind.QuotedIdentifier)
        : quoted(text, pos, state, !options.noBackslashEscapes, TokenKind.String)
    case 96: // `
      return quoted(text, pos, state, false, TokenKind.QuotedIdentifier)
    default:
      if (isIdChar(c)) {
        let end = pos + 1
        while (end < text.length && isIdChar(text.charCodeAt(end))) end++
        state.kind = TokenKind.Word
        return end
      }
  }
  state.kind = TokenKind.Other
  return pos + 1
}

function lineComment(text: string, pos: number, state: LexerState): number {
  // The server ends these comments at "\n" only; a "\r" before it belongs to the comment.
  const newline = text.indexOf('\n', pos)
  state.kind = TokenKind.Space
  return newline < 0 ? text.length : newline
}

function blockComment(text: string, pos: number, state: LexerState): number {
  const third = text.charCodeAt(pos + 2)
  const executable = third === 33 /* ! */ || (third === 77 /* M */ && text.charCodeAt(pos + 3) === 33)
  if (executable && !state.inExecutableComment) {
    let end = pos + (third === 33 ? 3 : 4)
    while (end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++ // version
    state.inExecutableComment = true
    state.kind = TokenKind.ExecutableOpen
    return end
  }
  const close = text.indexOf('*/', pos + 2)
  if (close < 0) {
    state.kind = TokenKind.Unterminated
    return text.length
  }
  state.kind = TokenKind.Space
  return close + 2
}

function quoted(text: string, pos: number, state: LexerState, backslashEscapes: boolean, kind: TokenKind): number {
  const quote = text.charCodeAt(pos)
  for (let end = pos + 1; end < text.length; end++) {
    const d = text.charCodeAt(end)
    if (d === 92 /* \ */ && backslashEscapes) {
      end++
    } else if (d === quote) {
      if (text.charCodeAt(end + 1) === quote) {
        end++ // doubled quote
        continue
      }
      state.kind = kind
      return end + 1
    }
  }
  state.kind = TokenKind.Unterminated
  return text.length
}

/** A significant token of a statement: no whitespace, comments or executable-comment markers. */
export interface SignificantToken {
  readonly kind: TokenKind
  /** As written. */
  readonly text: string
  /** Words upper-cased (ASCII only), other tokens as written. */
  readonly upper: string
}

/** The significant tokens of one statement's text, for the statement rules. */
export function significantTokens(sql: string, options: LexerOptions = {}): SignificantToken[] {
  const tokens: SignificantToken[] = []
  const state: LexerState = { kind: TokenKind.Space, inExecutableComment: false }
  for (let pos = 0; pos < sql.length;) {
    const end = scanToken(sql, pos, state, options)
    const kind = state.kind
    if (kind !== TokenKind.Space && kind !== TokenKind.ExecutableOpen && kind !== TokenKind.ExecutableClose) {
      const text = sql.slice(pos, end)
      tokens.push({
        kind,
        text,
        upper: kind === TokenKind.Word ? text.replace(/[a-z]+/g, (s) => s.toUpperCase()) : text,
      })
    }
    pos = end
  }
  return tokens
}

/** A name written as a quoted identifier (backquotes, any backquote in it doubled). */
export function quoteIdent(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``
}

/** The name a word or quoted identifier stands for: quotes removed and doubled quotes undone. */
export function identifierName(token: SignificantToken): string | undefined {
  if (token.kind === TokenKind.Word) return token.text
  if (token.kind !== TokenKind.QuotedIdentifier && !(token.kind === TokenKind.String && token.text[0] === '"'))
    return undefined
  const quote = token.text[0]!
  return token.text
    .slice(1, -1)
    .split(quote + quote)
    .join(quote)
}
