import type { SplitResult, SqlStatement } from '../dialect.js'
import { BlockTracker, type Peek, type TrackedToken } from './mysql-block-tracker.js'
import { TokenKind, isSpace, scanToken, significantTokens, type LexerOptions, type LexerState } from './mysql-lexer.js'

/** A statement of a MySQL/MariaDB migration, with where it was found. */
export interface MysqlStatement extends SqlStatement {
  /** 1-based column of the statement's first token (in UTF-16 code units, as JavaScript counts). */
  readonly column: number
  /** 0-based offset of the statement's first token in the text. */
  readonly offset: number
  /**
   * What ended it: `;` (kept in `sql`), the `DELIMITER` the file set (left out of `sql`, as the
   * `mysql` client leaves it out of what it sends), or the end of the text.
   */
  readonly terminator: ';' | 'delimiter' | 'end-of-text'
  /**
   * The `sql_mode` lexing the statement was read under, when an earlier statement of the text
   * changed it (`SET sql_mode = 'NO_BACKSLASH_ESCAPES'`): read its tokens with these.
   */
  readonly lexer?: LexerOptions
}

export interface MysqlSplitResult extends SplitResult {
  readonly statements: readonly MysqlStatement[]
}

export interface MysqlSplitOptions extends LexerOptions {}

// Enough tokens to read `CREATE OR REPLACE DEFINER = 'u' @ 'h' SQL SECURITY INVOKER VIEW db . v`.
const HEAD_TOKENS = 16

/**
 * Splits MySQL/MariaDB SQL text into statements where the server would end them, as the `mysql`
 * client does, and better:
 *
 * - `;` inside strings (`'…'`, `"…"`, with backslash escapes unless `noBackslashEscapes`), quoted
 *   identifiers (`` `…` ``) and comments (`#`, `-- `, `/* *\/`) does not end a statement;
 * - the content of executable comments (`/*! … *\/`, `/*!50001 … *\/`, `/*M! … *\/`) is code; a
 *   statement that ends inside one is a problem (the server would end it there too, and then
 *   reject both halves);
 * - a compound statement is one statement without any `DELIMITER`: `CREATE PROCEDURE | FUNCTION |
 *   TRIGGER | EVENT … BEGIN … END` with nested blocks, `IF`, `CASE`, loops and labels, and
 *   MariaDB's `BEGIN NOT ATOMIC … END` (see `BlockTracker`). `BEGIN;` and `BEGIN WORK` stay
 *   transaction statements;
 * - `DELIMITER x` lines are honoured as the `mysql` client honours them: only as the first word of
 *   a line, when no statement is pending; the rest of the line is the command, the delimiter is
 *   its first word (or a quoted string); `DELIMITER ;` restores the default. After `DELIMITER $$`
 *   a statement ends at `$$` (left out of its text) and, as the client sends each `$$`-chunk with
 *   multi-statements on, also at a top-level `;`. The delimiter is matched anywhere outside strings
 *   and comments, even inside a word or in the `*\/` closing an executable comment (which then
 *   stays open: a problem), as the client does.
 *
 * Each statement's text runs unaltered from its first token to its `;` inclusive (to its last token
 * for the other terminators). Empty statements and trailing comments are dropped; the last
 * statement may omit its terminator. Unterminated strings, comments and blocks are reported as a
 * `problem` naming the line where they begin.
 *
 * The client's own commands are not SQL, and the server rejects them: a backslash command (`\g`,
 * `\G`, `\c`, …; `\N` is SQL's NULL) outside strings and comments, or a long-form command
 * (`source`, `charset`, `ego`, …) as the first word of a line with no statement pending, is a
 * `problem` naming its line, so that nothing of the file runs. The client also takes `--x` at the start of a line for a comment;
 * the server does not, and neither does this splitter (a `--` comment needs whitespace after it).
 *
 * @example
 * ```ts
 * splitMysqlStatements("CREATE PROCEDURE p() BEGIN SELECT ';'; END;\nCALL p()")
 * // → statements: [{ index: 1, line: 1, sql: "CREATE PROCEDURE p() BEGIN SELECT ';'; END;" },
 * //                { index: 2, line: 2, sql: 'CALL p()' }]
 * ```
 */
export function splitMysqlStatements(text: string, options: MysqlSplitOptions = {}): MysqlSplitResult {
  return new Splitter(text, options).run()
}

interface PendingStatement {
  readonly offset: number
  readonly line: number
  readonly column: number
  readonly head: string[]
  readonly tracker: BlockTracker
  lastSignificantEnd: number
}

class Splitter {
  readonly #text: string
  /** Changed by the statements that set the session's sql_mode (see `sqlModeAfter`). */
  #options: MysqlSplitOptions
  /** The options the text starts under: a statement read under others records them. */
  readonly #initial: MysqlSplitOptions
  /** What `@var = @@sql_mode` saved, for `SET sql_mode = @var` (mysqldump's header and trailer). */
  readonly #savedModes = new Map<string, LexerOptions>()
  readonly #statements: MysqlStatement[] = []
  readonly #lexer: LexerState = { kind: TokenKind.Space, inExecutableComment: false }
  /** The client's delimiter; `;` is the default. */
  #delimiter = ';'
  #statement: PendingStatement | undefined
  /** Line of the executable comment that is open, for its problem. */
  #executableLine = 0
  /** The delimiter was found in the "*\/" that would have closed the executable comment. */
  #delimiterInCloser = false
  // Incremental line counting: `#line` is the line of offset `#countedTo`.
  #line = 1
  #lineStart = 0
  #countedTo = 0

  constructor(text: string, options: MysqlSplitOptions) {
    this.#text = text
    this.#options = options
    this.#initial = options
  }

  run(): MysqlSplitResult {
    const text = this.#text
    for (let pos = 0; pos < text.length;) {
      if (this.#delimiter !== ';' && text.startsWith(this.#delimiter, pos)) {
        const problem = this.#finish(pos, 'delimiter')
        if (problem) return problem
        pos += this.#delimiter.length
        continue
      }
      let end = scanToken(text, pos, this.#lexer, this.#options)
      const kind = this.#lexer.kind
      if (kind === TokenKind.Unterminated) return this.#problem(this.#lineAt(pos), unterminatedReason(text, pos))
      if (kind === TokenKind.Space) {
        pos = end
        continue
      }
      if (kind === TokenKind.Semi) {
        if (this.#statement !== undefined) {
          if (this.#statement.tracker.semicolon()) {
            const problem = this.#finish(end, ';')
            if (problem) return problem
          } else {
            this.#statement.lastSignificantEnd = end
          }
        }
        pos = end
        continue
      }
      if (kind === TokenKind.Word && this.#delimiter !== ';') {
        // The client finds its delimiter even inside a word.
        const cut = text.indexOf(this.#delimiter, pos + 1)
        if (cut >= 0 && cut < end) end = cut
      }
      if (kind === TokenKind.ExecutableClose && this.#delimiter !== ';' && text.startsWith(this.#delimiter, pos + 1)) {
        // And in the "*/" that closes an executable comment (`*///` with `DELIMITER //`): it sends
        // the statement up to the "*", the comment still open.
        this.#lexer.inExecutableComment = true
        this.#delimiterInCloser = true
        end = pos + 1
      }
      if (this.#statement === undefined && kind === TokenKind.Word && this.#isLineStart(pos)) {
        const command = CLIENT_COMMANDS[text.slice(pos, end).toLowerCase()]
        const after = text.charCodeAt(end)
        if (command !== undefined && (end >= text.length || isSpace(after) || after === 59)) {
          return this.#problem(this.#lineAt(pos), clientCommandReason(text.slice(pos, end), command))
        }
      }
      if (kind === TokenKind.Other && text.charCodeAt(pos) === 92 && !this.#lexer.inExecutableComment) {
        // A backslash outside strings and comments: a command of the client (\G, \g, \c, \.),
        // which the server rejects; only \N (NULL) is SQL.
        const next = text[pos + 1] ?? ''
        if (next !== 'N') {
          return this.#problem(this.#lineAt(pos), clientCommandReason(`\\${next}`, BACKSLASH_COMMANDS[next] ?? ''))
        }
      }
      if (this.#statement === undefined && kind === TokenKind.Word && this.#isDelimiterCommand(pos, end)) {
        const result = this.#delimiterCommand(pos, end)
        if (typeof result !== 'number') return result
        pos = result
        continue
      }
      if (kind === TokenKind.ExecutableOpen) this.#executableLine = this.#lineAt(pos)
      this.#significant(pos, end, kind)
      pos = end
    }
    if (this.#lexer.inExecutableComment) {
      return this.#problem(this.#executableLine, 'executable comment "/*!" is not closed by "*/"')
    }
    const statement = this.#statement
    if (statement !== undefined) {
      const open = statement.tracker.openBlock
      if (open !== undefined) return this.#problem(open.line, notClosedReason(open.keyword, 'at the end of the file'))
      this.#push(statement, statement.lastSignificantEnd, 'end-of-text')
    }
    return { statements: this.#statements }
  }

  #significant(pos: number, end: number, kind: TokenKind): void {
    const text = this.#text
    let statement = this.#statement
    if (statement === undefined) {
      const line = this.#lineAt(pos)
      statement = {
        offset: pos,
        line,
        column: pos - this.#lineStart + 1,
        head: [],
        tracker: new BlockTracker(),
        lastSignificantEnd: end,
      }
      this.#statement = statement
    }
    statement.lastSignificantEnd = end
    // The markers of executable comments are not part of what the statement says.
    if (kind === TokenKind.ExecutableOpen || kind === TokenKind.ExecutableClose) return
    const raw = text.slice(pos, end)
    if (statement.head.length < HEAD_TOKENS) statement.head.push(raw)
    const line = this.#lineAt(pos)
    // The tracker peeks only while it reads this token: one lookahead serves every token.
    const ahead = this.#ahead
    ahead.found.length = 0
    ahead.pos = end
    ahead.state.inExecutableComment = this.#lexer.inExecutableComment
    statement.tracker.token(trackedToken(raw, kind, line), this.#peek)
  }

  /** The lookahead of the token the tracker is reading: what it found so far, and where it is. */
  readonly #ahead = {
    found: [] as (TrackedToken | undefined)[],
    pos: 0,
    state: { kind: TokenKind.Space, inExecutableComment: false } as LexerState,
  }

  /** Looks ahead at the significant tokens after the current one, stopping at the delimiter. */
  readonly #peek: Peek = (count) => {
    const text = this.#text
    const { found, state } = this.#ahead
    while (found.length < count) {
      let token: TrackedToken | undefined
      let pos = this.#ahead.pos
      while (pos < text.length) {
        if (this.#delimiter !== ';' && text.startsWith(this.#delimiter, pos)) {
          pos = text.length
          break
        }
        let end = scanToken(text, pos, state, this.#options)
        const kind = state.kind
        if (kind === TokenKind.Unterminated) {
          pos = text.length
          break
        }
        if (kind === TokenKind.Word && this.#delimiter !== ';') {
          const cut = text.indexOf(this.#delimiter, pos + 1)
          if (cut >= 0 && cut < end) end = cut
        }
        const start = pos
        pos = end
        if (kind === TokenKind.Space || kind === TokenKind.ExecutableOpen || kind === TokenKind.ExecutableClose)
          continue
        token = trackedToken(text.slice(start, end), kind, 0)
        break
      }
      this.#ahead.pos = pos
      found.push(token)
      if (token === undefined) break
    }
    return found[count - 1]
  }

  /** Ends the pending statement (if any) at a terminator; a block still open there is a problem. */
  #finish(end: number, terminator: ';' | 'delimiter'): MysqlSplitResult | undefined {
    const statement = this.#statement
    if (statement === undefined) return undefined
    if (terminator === 'delimiter') {
      const open = statement.tracker.openBlock
      if (open !== undefined)
        return this.#problem(
          open.line,
          notClosedReason(open.keyword, `before the delimiter "${this.#delimiter}" on line ${this.#lineAt(end)}`),
        )
    }
    if (this.#lexer.inExecutableComment && this.#delimiterInCloser) {
      return this.#problem(
        this.#executableLine,
        `the delimiter "${this.#delimiter}" on line ${this.#lineAt(end)} takes the "/" of the "*/" that would ` +
          'close the executable comment "/*! … */", as the mysql client reads it, so the comment is never closed: ' +
          `put a space between "*/" and "${this.#delimiter}"`,
      )
    }
    if (this.#lexer.inExecutableComment) {
      return this.#problem(
        this.#executableLine,
        `the statement ends at "${terminator === ';' ? ';' : this.#delimiter}" on line ${this.#lineAt(end)} ` +
          'inside an executable comment "/*! … */", where the server would end it too: ' +
          'close the comment before the terminator',
      )
    }
    this.#push(statement, terminator === ';' ? end : statement.lastSignificantEnd, terminator)
    return undefined
  }

  #push(statement: PendingStatement, end: number, terminator: MysqlStatement['terminator']): void {
    const sql = this.#text.slice(statement.offset, end)
    const changed = this.#options !== this.#initial
    this.#statements.push(
      Object.freeze({
        index: this.#statements.length + 1,
        line: statement.line,
        column: statement.column,
        offset: statement.offset,
        sql,
        head: Object.freeze(statement.head),
        terminator,
        ...(changed ? { lexer: this.#options } : {}),
      }),
    )
    this.#statement = undefined
    // The server reads the statements after a SET of the session's sql_mode under the new mode,
    // and the mysql client, which asks the server after each statement, splits them so.
    if (statement.head[0]?.toUpperCase() === 'SET') {
      const next = sqlModeAfter(sql, this.#options, this.#savedModes)
      if (next !== undefined) this.#options = next
    }
  }

  /** `DELIMITER` as the first word of its line (after whitespace only), followed by whitespace. */
  #isDelimiterCommand(pos: number, end: number): boolean {
    const text = this.#text
    if (end - pos !== 9 || text.slice(pos, end).toLowerCase() !== 'delimiter') return false
    const after = text.charCodeAt(end)
    if (end < text.length && after !== 32 && after !== 9 && after !== 13 && after !== 10) return false
    return this.#isLineStart(pos)
  }

  /** The token at `pos` is the first of its line (whitespace only before it), outside an executable comment. */
  #isLineStart(pos: number): boolean {
    if (this.#lexer.inExecutableComment) return false
    const text = this.#text
    for (let i = pos - 1; i >= 0; i--) {
      const c = text.charCodeAt(i)
      if (c === 10) return true
      if (!isSpace(c)) return false
    }
    return true
  }

  /** Reads `DELIMITER x` up to the end of its line; returns where the next line starts, or a problem. */
  #delimiterCommand(pos: number, wordEnd: number): number | MysqlSplitResult {
    const text = this.#text
    const newline = text.indexOf('\n', wordEnd)
    const lineEnd = newline < 0 ? text.length : newline
    const argument = readDelimiterArgument(text.slice(wordEnd, lineEnd))
    const line = this.#lineAt(pos)
    if (argument === '') return this.#problem(line, 'DELIMITER must be followed by a delimiter (such as $$ or ;)')
    if (argument.includes('\\')) return this.#problem(line, `the delimiter "${argument}" contains a backslash`)
    this.#delimiter = argument
    return lineEnd
  }

  #problem(line: number, reason: string): MysqlSplitResult {
    return { statements: this.#statements, problem: { line, reason } }
  }

  #lineAt(offset: number): number {
    const text = this.#text
    if (offset < this.#countedTo) {
      // Rare (a problem reported for an earlier token): count from the start.
      this.#line = 1
      this.#lineStart = 0
      this.#countedTo = 0
    }
    for (let i = text.indexOf('\n', this.#countedTo); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
      this.#line++
      this.#lineStart = i + 1
    }
    this.#countedTo = offset
    return this.#line
  }
}

/** The sql_mode words that make `"…"` an identifier: ANSI_QUOTES and the modes that include it. */
const ANSI_QUOTES_MODES = new Set(['ANSI_QUOTES', 'ANSI', 'DB2', 'MAXDB', 'MSSQL', 'ORACLE', 'POSTGRESQL'])

/** How to read a statement's tokens: under the sql_mode lexing the splitter found it under. */
export function lexingOf(statement: SqlStatement): LexerOptions | undefined {
  return (statement as Partial<MysqlStatement>).lexer
}

/** The lexing a sql_mode value gives: its backslash and double-quote rules. */
function modeLexing(mode: string): LexerOptions {
  const words = mode
    .toUpperCase()
    .split(',')
    .map((word) => word.trim())
  return {
    noBackslashEscapes: words.includes('NO_BACKSLASH_ESCAPES'),
    ansiQuotes: words.some((word) => ANSI_QUOTES_MODES.has(word)),
  }
}

/**
 * The lexing after a `SET` statement, when it sets the session's sql_mode (else `undefined`):
 * to a string (`'ANSI,NO_BACKSLASH_ESCAPES'`), to `DEFAULT` or `''`, to a user variable that an
 * earlier `SET @v = @@sql_mode` saved (noted in `saved`), or to `CONCAT(@@sql_mode, ',…')` (the
 * modes named added) or `REPLACE(@@sql_mode, '…', '')` (removed). Any other value is not read:
 * the lexing stays as it was. `SET GLOBAL` and `SET STATEMENT … FOR` leave the session as it is.
 */
export function sqlModeAfter(
  sql: string,
  current: LexerOptions,
  saved: Map<string, LexerOptions>,
): LexerOptions | undefined {
  const tokens = significantTokens(sql, current).filter((token) => token.kind !== TokenKind.Semi)
  const words = tokens.map((token) => token.upper)
  if (words[0] !== 'SET' || words[1] === 'STATEMENT') return undefined
  let result: LexerOptions | undefined
  const mode = (): LexerOptions => result ?? current
  let i = 1
  while (i < tokens.length) {
    // The target: [SESSION | LOCAL | GLOBAL] name, @@[session. | local. | global.]name, or @var.
    let scope = 'SESSION'
    let user: string | undefined
    if (words[i] === 'SESSION' || words[i] === 'LOCAL' || words[i] === 'GLOBAL' || words[i]?.startsWith('PERSIST')) {
      scope = words[i] as string
      i++
    } else if (words[i] === '@' && words[i + 1] === '@') {
      i += 2
      if (['SESSION', 'LOCAL', 'GLOBAL'].includes(words[i] as string) && words[i + 1] === '.') {
        scope = words[i] as string
        i += 2
      }
    } else if (words[i] === '@') {
      user = words[i + 1]
      i++
    }
    const target = words[i]
    i++
    if (words[i] === ':' && words[i + 1] === '=') i += 2
    else if (words[i] === '=') i++
    // The value: up to the next comma outside parentheses.
    const start = i
    let depth = 0
    while (i < tokens.length && !(depth === 0 && words[i] === ',')) {
      if (words[i] === '(') depth++
      else if (words[i] === ')') depth--
      i++
    }
    const value = tokens.slice(start, i)
    const valueWords = words.slice(start, i)
    i++ // the comma
    const readsMode =
      valueWords
        .join(' ')
        .replace(/@ @ (SESSION|LOCAL) \. /g, '@ @ ')
        .includes('@ @ SQL_MODE') && !valueWords.includes('GLOBAL')
    const literals = value
      .filter((token) => token.kind === TokenKind.String)
      .map((token) => {
        const quote = token.text[0] as string
        return token.text.slice(1, -1).replaceAll(quote + quote, quote)
      })
    let next: LexerOptions | undefined
    if (value.length === 1 && value[0]?.kind === TokenKind.String) next = modeLexing(literals[0] as string)
    else if (valueWords.length === 1 && valueWords[0] === 'DEFAULT') next = modeLexing('')
    else if (valueWords.length === 2 && valueWords[0] === '@') next = saved.get(valueWords[1] as string)
    else if (readsMode && valueWords.length === 3)
      next = mode() // @@sql_mode itself
    else if (readsMode && (valueWords[0] === 'CONCAT' || valueWords[0] === 'CONCAT_WS')) {
      const added = modeLexing(literals.join(','))
      next = {
        noBackslashEscapes: Boolean(mode().noBackslashEscapes || added.noBackslashEscapes),
        ansiQuotes: Boolean(mode().ansiQuotes || added.ansiQuotes),
      }
    } else if (readsMode && valueWords[0] === 'REPLACE') {
      const removed = modeLexing(literals[0] ?? '')
      next = {
        noBackslashEscapes: Boolean(mode().noBackslashEscapes && !removed.noBackslashEscapes),
        ansiQuotes: Boolean(mode().ansiQuotes && !removed.ansiQuotes),
      }
    }
    if (user !== undefined) {
      if (next !== undefined) saved.set(user, next)
      else saved.delete(user)
    } else if (target === 'SQL_MODE' && scope !== 'GLOBAL' && !scope.startsWith('PERSIST') && next !== undefined) {
      result = next
    }
  }
  return result
}

function trackedToken(raw: string, kind: TokenKind, line: number): TrackedToken {
  const isWord = kind === TokenKind.Word
  return { word: isWord ? asciiUpper(raw) : raw, isWord, line }
}

/** ASCII-only upper case: keywords are ASCII, and `toUpperCase()` would fold `ı` into `I`. */
function asciiUpper(word: string): string {
  let lower = false
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i)
    if (c >= 0x80) return word.replace(/[a-z]+/g, (s) => s.toUpperCase())
    if (c >= 97 && c <= 122) lower = true
  }
  return lower ? word.toUpperCase() : word
}

/**
 * The client's reading of the DELIMITER argument: its first word, or a string quoted with
 * `'`, `"` or `` ` `` (a backslash before the quote escapes it). The client ends an unquoted
 * delimiter at a space only; here any whitespace ends it (a tab or CR is never meant to be in it).
 */
export function readDelimiterArgument(rest: string): string {
  const trimmed = rest.replace(/^[ \t\r\v\f]+/, '')
  const quote = trimmed[0]
  if (quote === "'" || quote === '"' || quote === '`') {
    let value = ''
    for (let i = 1; i < trimmed.length; i++) {
      const c = trimmed[i]!
      if (c === '\\' && trimmed[i + 1] === quote) {
        value += quote
        i++
      } else if (c === quote) {
        return value
      } else {
        value += c
      }
    }
    return '' // unclosed quote: the client takes no delimiter
  }
  const match = /^[^\s]*/.exec(trimmed)
  return match ? match[0] : ''
}

/**
 * The `mysql` client's own commands in their long form, which it reads as the first word of a
 * line when no statement is pending (`help`, which the server also answers, is left out), with
 * what to do instead.
 */
const CLIENT_COMMANDS: Readonly<Record<string, string>> = {
  source: "put that file's statements in this migration, or in a migration of their own",
  charset: 'write SET NAMES … as a statement (it is put back after the migration)',
  ego: 'end the statement with ";"',
  go: 'end the statement with ";"',
  clear: 'remove it and the statement it cancels',
  connect: 'remove it: a migration runs on the database it is applied to',
  exit: 'remove it',
  quit: 'remove it',
  print: 'remove it',
  prompt: 'remove it',
  rehash: 'remove it',
  status: 'remove it',
  system: 'remove it: a migration runs SQL only',
  tee: 'remove it',
  notee: 'remove it',
  pager: 'remove it',
  nopager: 'remove it',
  edit: 'remove it',
  warnings: 'remove it',
  nowarning: 'remove it',
}

/** The client's backslash commands, with what to do instead. */
const BACKSLASH_COMMANDS: Readonly<Record<string, string>> = {
  g: 'end the statement with ";"',
  G: 'end the statement with ";"',
  c: 'remove it and the statement it cancels',
  '.': "put that file's statements in this migration, or in a migration of their own",
  C: 'write SET NAMES … as a statement (it is put back after the migration)',
  u: 'remove it: a migration runs on the database it is applied to',
  r: 'remove it: a migration runs on the database it is applied to',
  '!': 'remove it: a migration runs SQL only',
}

function clientCommandReason(command: string, hint: string): string {
  return (
    `"${command}" is a command of the mysql client, not SQL (the server rejects it); glorious-migrate sends each ` +
    `statement to the server as it is: ${hint || 'remove it'}`
  )
}

function notClosedReason(keyword: string, where: string): string {
  const closer = keyword === 'BEGIN' ? 'END' : `END ${keyword}`
  return `${keyword} is not closed by "${closer}" ${where}`
}

function unterminatedReason(text: string, pos: number): string {
  switch (text[pos]) {
    case "'":
      return 'string literal is not closed'
    case '"':
      return 'double-quoted string is not closed'
    case '`':
      return 'quoted identifier starting with ` is not closed'
    default:
      return 'comment "/*" is not closed by "*/"'
  }
}
