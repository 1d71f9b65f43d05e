import type { SplitResult, SqlStatement } from '../dialect.js'
import { PgTokenKind, scanPostgresToken, unterminatedReason } from './postgres-lexer.js'

/** A statement of a PostgreSQL migration, with where it starts in its file. */
export interface PostgresStatement extends SqlStatement {
  /** 1-based column of the statement's first token, counted in characters as PostgreSQL counts them. */
  readonly column: number
  /** Offset of the statement's first token in the text given to the splitter (a JavaScript string index). */
  readonly offset: number
}

export interface PostgresSplitResult extends SplitResult {
  readonly statements: readonly PostgresStatement[]
  readonly problem?: {
    readonly line: number
    readonly column: number
    /** Offset in the text of where the problem starts (the unclosed literal, the `\\`, …). */
    readonly offset: number
    readonly reason: string
  }
}

// Enough tokens to read `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "s" . "i" ON …` and
// `ALTER MATERIALIZED VIEW IF EXISTS s . v RENAME TO w`.
const HEAD_TOKENS = 12

const NO_PSQL = 'migrations run without psql'

/**
 * Splits PostgreSQL migration text into statements where psql would send them to the server:
 * at a `;` outside literals, quoted identifiers, comments, parentheses and the `BEGIN … END`
 * body of a `CREATE [OR REPLACE] FUNCTION|PROCEDURE` (psql's own rule: between those, it counts
 * the words BEGIN, CASE and END). Literals are read as the PostgreSQL 15 server reads them:
 * `'…'` with `''`, `E'…'` with backslash escapes, `U&'…'`, `$tag$…$tag$`, nested `/* *\/`
 * comments, and string continuation across newlines.
 *
 * Empty statements and comments between statements are dropped; a last statement may omit its
 * `;`. Each statement's text is unaltered, from its first token to its `;`. psql meta-commands
 * (`\i`, `\set`, …) and `COPY … FROM stdin`, which need psql, are reported as a problem, as is
 * text that ends inside a literal, comment, parenthesis or function body.
 *
 * @example
 * ```ts
 * splitPostgresStatements("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT ';'")
 * // → statements: [{ index: 1, line: 1, column: 1, offset: 0, sql: 'CREATE FUNCTION … LANGUAGE sql;' },
 * //                { index: 2, line: 2, column: 1, offset: 65, sql: "SELECT ';'" }]
 * ```
 */
export function splitPostgresStatements(text: string): PostgresSplitResult {
  const statements: PostgresStatement[] = []
  const token = { kind: PgTokenKind.Space }
  const lines = new LineCounter(text)

  let stmtStart = -1 // offset of the current statement's first token
  let lastSignificantEnd = 0
  let head: string[] = []
  const openParens: number[] = [] // offsets of the "(" not closed yet
  // psql's BEGIN … END tracking (psqlscan.l): the first letters of the statement's first four
  // words when they are CREATE, OR, REPLACE, FUNCTION or PROCEDURE, and the BEGIN/CASE depth.
  let words = 0
  let firstLetters = ''
  let beginDepth = 0
  let copy: CopyState = CopyState.NotCopy

  const finish = (end: number): void => {
    const { line, column } = lines.at(stmtStart)
    statements.push(
      Object.freeze({
        index: statements.length + 1,
        line,
        column,
        offset: stmtStart,
        sql: text.slice(stmtStart, end),
        head: Object.freeze(head),
      }),
    )
    stmtStart = -1
    head = []
    words = 0
    firstLetters = ''
    copy = CopyState.NotCopy
  }
  const problem = (at: number, reason: string): PostgresSplitResult => ({
    statements,
    problem: { ...lines.at(at), offset: at, reason },
  })

  // A byte order mark is no token (the file reader removes it; this keeps the splitter safe without).
  for (let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0; pos < text.length;) {
    const end = scanPostgresToken(text, pos, token)
    const kind = token.kind
    if (kind === PgTokenKind.Space || kind === PgTokenKind.Comment) {
      pos = end
      continue
    }
    if (kind === PgTokenKind.Unterminated) return problem(pos, unterminatedReason(text, pos))
    if (kind === PgTokenKind.Backslash) return problem(pos, metaCommandReason(text, pos))
    if (kind === PgTokenKind.Semicolon) {
      if (openParens.length === 0 && beginDepth === 0) {
        if (stmtStart >= 0) finish(end)
        pos = end
        continue
      }
    } else if (kind === PgTokenKind.OpenParen) {
      openParens.push(pos)
    } else if (kind === PgTokenKind.CloseParen) {
      openParens.pop() // psql never lets the depth go below zero
    } else if (kind === PgTokenKind.Word) {
      const word = asciiLower(text, pos, end)
      if (words < 4) firstLetters += ROUTINE_WORDS.has(word) ? word[0] : ' '
      words++
      if (openParens.length === 0 && isRoutineDefinition(firstLetters)) {
        if (word === 'begin') beginDepth++
        else if (word === 'case' && beginDepth > 0) beginDepth++
        else if (word === 'end' && beginDepth > 0) beginDepth--
      }
      if (openParens.length === 0) {
        copy = nextCopyState(copy, words, word)
        if (copy === CopyState.FromStdin)
          return problem(
            stmtStart,
            `COPY … FROM ${text.slice(pos, end)} needs psql to send the data that follows it in the file: ` +
              `${NO_PSQL}; use INSERT statements, or COPY FROM a file on the server`,
          )
      }
    }
    if (stmtStart < 0) stmtStart = pos
    if (head.length < HEAD_TOKENS) head.push(text.slice(pos, end))
    lastSignificantEnd = end
    pos = end
  }

  if (stmtStart >= 0) {
    if (openParens.length > 0) return problem(openParens[0]!, 'parenthesis "(" is not closed by ")"')
    if (beginDepth > 0)
      return problem(
        stmtStart,
        'the BEGIN … END body of this CREATE FUNCTION/PROCEDURE is not closed: psql counts the words ' +
          'BEGIN, CASE and END outside literals to find its end; close the body with END, and quote any ' +
          'name spelled begin, case or end ("begin")',
      )
    finish(lastSignificantEnd)
  }
  return { statements }
}

const ROUTINE_WORDS = new Set(['create', 'function', 'procedure', 'or', 'replace'])

/** CREATE FUNCTION, CREATE PROCEDURE, CREATE OR REPLACE FUNCTION|PROCEDURE, as psql tests it. */
function isRoutineDefinition(firstLetters: string): boolean {
  if (firstLetters[0] !== 'c') return false
  const second = firstLetters[1]
  if (second === 'f' || second === 'p') return true
  return second === 'o' && firstLetters[2] === 'r' && (firstLetters[3] === 'f' || firstLetters[3] === 'p')
}

const enum CopyState {
  NotCopy,
  Copy,
  From,
  FromStdin,
}

/** Follows `COPY … FROM STDIN` (outside parentheses) word by word. */
function nextCopyState(state: CopyState, words: number, word: string): CopyState {
  if (words === 1) return word === 'copy' ? CopyState.Copy : CopyState.NotCopy
  switch (state) {
    case CopyState.Copy:
      return word === 'from' ? CopyState.From : CopyState.Copy
    case CopyState.From:
      return word === 'stdin' ? CopyState.FromStdin : CopyState.NotCopy
    default:
      return state
  }
}

/** ASCII-only lower case, as PostgreSQL compares keywords (`pg_strcasecmp`). */
function asciiLower(text: string, start: number, end: number): string {
  if (end - start > 12) return '' // longer than any word the splitter looks for
  let word = ''
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    word += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c)
  }
  return word
}

function metaCommandReason(text: string, pos: number): string {
  const name = /^\\(?:[A-Za-z0-9_]+|[^\sA-Za-z0-9_])?/.exec(text.slice(pos, pos + 40))?.[0] ?? '\\'
  return `psql meta-command ${name} is not SQL: remove it; ${NO_PSQL}`
}

/** Lines and columns of offsets, counted forward once (offsets are asked for in increasing order). */
class LineCounter {
  readonly #text: string
  #line = 1
  #lineStart = 0
  #countedTo = 0

  constructor(text: string) {
    this.#text = text
  }

  at(offset: number): { line: number; column: number } {
    if (offset < this.#countedTo) return lineAndColumn(this.#text, offset)
    const text = this.#text
    for (let i = text.indexOf('\n', this.#countedTo); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
      this.#line++
      this.#lineStart = i + 1
    }
    this.#countedTo = offset
    return { line: this.#line, column: codePoints(text, this.#lineStart, offset) + 1 }
  }
}

/**
 * Where in its file PostgreSQL's error `position` (1-based, counted in characters) points, for an
 * error in `statement` sent on its own: the 1-based line and column in `text`, the file's text
 * the statement was split from.
 */
export function statementPositionInFile(
  text: string,
  statement: PostgresStatement,
  position: number,
): { line: number; column: number } {
  let offset = statement.offset
  const end = statement.offset + statement.sql.length
  for (let n = 1; n < position && offset < end; n++) offset += (text.codePointAt(offset) ?? 0) >= 0x10000 ? 2 : 1
  return lineAndColumn(text, offset)
}

/** The 1-based line and column (in characters) of `offset` in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++
    lineStart = i + 1
  }
  return { line, column: codePoints(text, lineStart, offset) + 1 }
}

/** Characters (code points, as PostgreSQL counts them) in `text` from `start` to `end`. */
function codePoints(text: string, start: number, end: number): number {
  let count = 0
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c < 0xdc00 || c > 0xdfff) count++ // a low surrogate completes the character counted before it
  }
  return count
}
