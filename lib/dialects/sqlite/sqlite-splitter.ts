import type { SplitResult, SqlStatement } from '../dialect.js'
import { TokenKind, scanToken } from './sqlite-lexer.js'

// States and transitions of sqlite3_complete() (SQLite's complete.c), kept as data so they can be
// compared line by line with the original.
const enum State {
  Invalid = 0,
  Start = 1,
  Normal = 2,
  Explain = 3,
  Create = 4,
  Trigger = 5,
  Semi = 6,
  End = 7,
}

const enum Token {
  Semi = 0,
  Ws = 1,
  Other = 2,
  Explain = 3,
  Create = 4,
  Temp = 5,
  Trigger = 6,
  End = 7,
}

// prettier-ignore
const TRANSITIONS: readonly (readonly State[])[] = [
  /*                 SEMI WS OTHER EXPLAIN CREATE TEMP TRIGGER END */
  /* 0 INVALID */   [1,   0,   2,     3,     4,    2,     2,    2],
  /* 1 START   */   [1,   1,   2,     3,     4,    2,     2,    2],
  /* 2 NORMAL  */   [1,   2,   2,     2,     2,    2,     2,    2],
  /* 3 EXPLAIN */   [1,   3,   3,     2,     4,    2,     2,    2],
  /* 4 CREATE  */   [1,   4,   2,     2,     2,    4,     5,    2],
  /* 5 TRIGGER */   [6,   5,   5,     5,     5,    5,     5,    5],
  /* 6 SEMI    */   [6,   6,   5,     5,     5,    5,     5,    7],
  /* 7 END     */   [1,   7,   5,     5,     5,    5,     5,    5],
]

// Enough tokens to read `CREATE VIRTUAL TABLE IF NOT EXISTS main . name` and `PRAGMA main . x = y`.
const HEAD_WORDS = 10

/**
 * Splits SQLite SQL text into statements exactly where `sqlite3_complete()` would consider each
 * one complete: `;` inside strings, quoted identifiers (`"…"`, `[…]`, `` `…` ``) and comments
 * does not end a statement, and a `CREATE TRIGGER … BEGIN …; …; END;` is one statement.
 *
 * Empty statements (`;;`) and trailing comments are dropped; a last statement without `;` is
 * kept. Statement text runs from its first token to its `;` inclusive, unaltered.
 *
 * @example
 * ```ts
 * splitSqliteStatements("CREATE TABLE t (a TEXT DEFAULT ';'); -- done\nINSERT INTO t VALUES ('x')")
 * // → statements: [{ index: 1, line: 1, sql: "CREATE TABLE t (a TEXT DEFAULT ';');" },
 * //                { index: 2, line: 2, sql: "INSERT INTO t VALUES ('x')" }]
 * ```
 */
export function splitSqliteStatements(text: string): SplitResult {
  const statements: SqlStatement[] = []
  const token = { kind: TokenKind.Space }
  let state: State = State.Start
  let stmtStart = -1 // offset of the current statement's first significant token
  let stmtLine = 0
  let lastSignificantEnd = 0
  let head: string[] = []
  let line = 1
  let lineCountedTo = 0

  const lineAt = (offset: number): number => {
    for (let i = text.indexOf('\n', lineCountedTo); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++
    lineCountedTo = offset
    return line
  }
  const finish = (end: number): void => {
    statements.push(
      Object.freeze({ index: statements.length + 1, line: stmtLine, sql: text.slice(stmtStart, end), head }),
    )
    stmtStart = -1
    head = []
  }

  for (let pos = 0; pos < text.length;) {
    const end = scanToken(text, pos, token)
    let klass: Token
    switch (token.kind) {
      case TokenKind.Unterminated:
        return { statements, problem: { line: lineAt(pos), reason: unterminatedReason(text, pos) } }
      case TokenKind.Space:
        klass = Token.Ws
        break
      case TokenKind.Semi:
        klass = Token.Semi
        break
      case TokenKind.Word:
        klass = keywordToken(text, pos, end)
        break
      default:
        klass = Token.Other
    }
    if (klass !== Token.Ws && klass !== Token.Semi) {
      if (stmtStart < 0) {
        stmtStart = pos
        stmtLine = lineAt(pos)
      }
      if (head.length < HEAD_WORDS) head.push(text.slice(pos, end))
      lastSignificantEnd = end
    }
    state = TRANSITIONS[state]![klass]!
    if (klass === Token.Semi && state === State.Start) {
      if (stmtStart >= 0) finish(end)
    }
    pos = end
  }

  if (stmtStart >= 0) {
    // In END state the trigger body is closed ("…; END"): like any last statement, it may omit
    // its ";" (sqlite3_complete() of the text plus ";" is true, and SQLite prepares it as it is).
    if (state === State.Trigger || state === State.Semi) {
      return {
        statements,
        problem: { line: stmtLine, reason: 'CREATE TRIGGER is not closed by "END;"' },
      }
    }
    finish(lastSignificantEnd)
  }
  return { statements }
}

function keywordToken(text: string, start: number, end: number): Token {
  const length = end - start
  if (length < 3 || length > 9) return Token.Other
  // ASCII case folding only, as SQLite's sqlite3StrNICmp(): toUpperCase() would turn "trıgger"
  // (dotless ı, U+0131) into "TRIGGER", which SQLite, comparing bytes, does not.
  let word = ''
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0x80) return Token.Other
    word += String.fromCharCode(c >= 97 && c <= 122 ? c - 32 : c)
  }
  switch (word) {
    case 'CREATE':
      return Token.Create
    case 'TRIGGER':
      return Token.Trigger
    case 'TEMP':
    case 'TEMPORARY':
      return Token.Temp
    case 'END':
      return Token.End
    case 'EXPLAIN':
      return Token.Explain
    default:
      return Token.Other
  }
}

function unterminatedReason(text: string, pos: number): string {
  switch (text[pos]) {
    case "'":
      return 'string literal is not closed'
    case '/':
      return 'comment "/*" is not closed by "*/"'
    default:
      return `quoted identifier starting with ${text[pos]} is not closed`
  }
}
