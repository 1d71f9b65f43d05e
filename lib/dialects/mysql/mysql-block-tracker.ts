/**
 * Follows one statement's tokens to tell whether a `;` ends it: inside the body of a compound
 * statement it does not. The server's grammar decides that; this tracker reads just enough of it:
 *
 * - stored programs: `CREATE [OR REPLACE] [DEFINER = user] [AGGREGATE] PROCEDURE | FUNCTION |
 *   TRIGGER | EVENT …` (and `ALTER [DEFINER = user] EVENT … DO …`) whose body is a block
 *   (`[label:] BEGIN [NOT ATOMIC] … END`, `IF … END IF`, `CASE … END CASE`, `LOOP … END LOOP`,
 *   `WHILE … DO … END WHILE`, `REPEAT … UNTIL … END REPEAT`) or one simple statement;
 * - MariaDB's compound statements outside stored programs (`BEGIN NOT ATOMIC … END`, `IF …`,
 *   `CASE …`, `LOOP …`, `WHILE …`, `REPEAT …` as the first token). MySQL 8 rejects these; reading
 *   them as one statement changes nothing there, as the server fails on them either way. Labels
 *   are not allowed before them outside stored programs (MariaDB 10.11 rejects `l: BEGIN NOT
 *   ATOMIC`), so there a label does not start a block.
 *
 * Inside a block, statements are followed one by one: a block keyword opens a block only where a
 * statement begins (after `BEGIN`, `;`, `THEN`, `ELSE`, `DO` of `WHILE`, `LOOP`, `REPEAT`, a label,
 * or a `DECLARE … HANDLER FOR conditions`), so `IF(a, b, c)`, `DROP TABLE IF EXISTS`,
 * `REPEAT('x', 3)` and names such as `end` do not confuse it; a `CASE` anywhere else is an
 * expression, closed by a bare `END`.
 */

/** One significant token as the tracker sees it. */
export interface TrackedToken {
  /** The token upper-cased (ASCII) when it is a word, else as written. */
  readonly word: string
  /** Whether the token is a word (keyword or unquoted name). */
  readonly isWord: boolean
  readonly line: number
}

/** Returns the next significant token after the current one without consuming it. */
export type Peek = (ahead: number) => TrackedToken | undefined

type FrameKind = 'BEGIN' | 'IF' | 'CASE' | 'LOOP' | 'WHILE' | 'REPEAT' | 'CASE_EXPRESSION'

interface Frame {
  readonly kind: FrameKind
  readonly line: number
  /** WHILE: its `DO` was seen. REPEAT: its `UNTIL` was seen. */
  bodyMark: boolean
}

type Routine = 'PROCEDURE' | 'FUNCTION' | 'TRIGGER' | 'EVENT'

const enum Mode {
  /** Reading the first tokens to learn what kind of statement this is. */
  Head,
  /** A statement without a compound body: the next top-level `;` ends it. */
  Plain,
  /** The header of a stored program, before its body. */
  RoutineHeader,
  /** Inside a compound body. */
  Body,
}

/** Words that start a simple statement as a stored program's body (`CREATE PROCEDURE p() SELECT 1`). */
const STATEMENT_WORDS = new Set([
  'ALTER',
  'ANALYZE',
  'CALL',
  'CHECK',
  'CHECKSUM',
  'CLOSE',
  'COMMIT',
  'CREATE',
  'DEALLOCATE',
  'DECLARE',
  'DELETE',
  'DESC',
  'DESCRIBE',
  'DO',
  'DROP',
  'EXECUTE',
  'EXPLAIN',
  'FETCH',
  'FLUSH',
  'GET',
  'GRANT',
  'HANDLER',
  'INSERT',
  'ITERATE',
  'KILL',
  'LEAVE',
  'LOAD',
  'LOCK',
  'OPEN',
  'OPTIMIZE',
  'PREPARE',
  'PURGE',
  'RELEASE',
  'RENAME',
  'REPAIR',
  'REPLACE',
  'RESET',
  'RESIGNAL',
  'RETURN',
  'REVOKE',
  'ROLLBACK',
  'SAVEPOINT',
  'SELECT',
  'SET',
  'SHOW',
  'SIGNAL',
  'START',
  'TABLE',
  'TRUNCATE',
  'UNLOCK',
  'UPDATE',
  'VALUES',
  'WITH',
  'XA',
])

/** Tokens after which an `END` is an operand (a column named `end`), not the end of a CASE expression. */
const OPERAND_EXPECTED = new Set([
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'AND',
  'OR',
  'XOR',
  'NOT',
  'IS',
  'IN',
  'LIKE',
  'BETWEEN',
  'DIV',
  'MOD',
  'REGEXP',
  'RLIKE',
  'SELECT',
  '(',
  ',',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '!',
  '&',
  '|',
  '^',
  '~',
])

export class BlockTracker {
  #mode = Mode.Head
  readonly #head: string[] = []
  readonly #frames: Frame[] = []
  #atStatementStart = false
  #routine: Routine | undefined
  /** RoutineHeader: parenthesis depth, and whether the parameter list has closed. */
  #depth = 0
  #parametersDone = false
  /** RoutineHeader of a trigger: how far `FOR EACH ROW [FOLLOWS|PRECEDES name]` has been read. */
  #triggerStep = 0
  /** The body of a stored program begins at the next token. */
  #bodyNext = false
  /** Tokens to pass over (`NOT ATOMIC` after `BEGIN`, `:` after a label). */
  #skip = 0
  /** After `END` of IF/CASE/LOOP/WHILE/REPEAT: that keyword follows and belongs to the `END`. */
  #endKeyword = false
  /** Progress through `DECLARE {CONTINUE|EXIT|UNDO} HANDLER FOR condition, … statement`. */
  #declare = 0
  #previous = ''

  /** The innermost block still open, if any: a `;` does not end the statement while one is. */
  get openBlock(): { readonly keyword: string; readonly line: number } | undefined {
    const frame = this.#frames[this.#frames.length - 1]
    if (frame === undefined) return undefined
    const outer = this.#frames[0]!
    return { keyword: outer.kind === 'CASE_EXPRESSION' ? 'CASE' : outer.kind, line: outer.line }
  }

  /** A `;` outside strings and comments: returns whether it ends the statement. */
  semicolon(): boolean {
    this.#previous = ';'
    if (this.#frames.length === 0) return true
    this.#atStatementStart = true
    this.#declare = 0
    this.#endKeyword = false
    return false
  }

  /** Follows one significant token (not `;`, not whitespace or comments). */
  token(token: TrackedToken, peek: Peek): void {
    try {
      this.#token(token, peek)
    } finally {
      this.#previous = token.word
    }
  }

  #token(token: TrackedToken, peek: Peek): void {
    if (this.#skip > 0) {
      this.#skip--
      return
    }
    switch (this.#mode) {
      case Mode.Plain:
        return
      case Mode.Head:
        return this.#headToken(token, peek)
      case Mode.RoutineHeader:
        return this.#routineHeaderToken(token, peek)
      case Mode.Body:
        return this.#bodyToken(token, peek)
    }
  }

  #headToken(token: TrackedToken, peek: Peek): void {
    this.#head.push(token.word)
    if (this.#head.length === 1) {
      const word = token.isWord ? token.word : ''
      if (word === 'CREATE' || word === 'ALTER') return // a stored program, maybe
      if (
        word === 'IF' ||
        word === 'CASE' ||
        word === 'LOOP' ||
        word === 'WHILE' ||
        word === 'REPEAT' ||
        (word === 'BEGIN' && peek(1)?.word === 'NOT' && peek(2)?.word === 'ATOMIC')
      ) {
        this.#mode = Mode.Body
        this.#startStatement(token, peek)
        return
      }
      this.#mode = Mode.Plain
      return
    }
    const routine = matchRoutineHead(this.#head)
    if (routine === 'more') return
    if (routine === undefined) {
      this.#mode = Mode.Plain
      return
    }
    this.#routine = routine
    this.#mode = Mode.RoutineHeader
  }

  #routineHeaderToken(token: TrackedToken, peek: Peek): void {
    if (this.#bodyNext) return this.#beginBody(token, peek)
    const word = token.isWord ? token.word : ''
    switch (this.#routine) {
      case 'EVENT':
        if (word === 'DO') this.#bodyNext = true
        return
      case 'TRIGGER':
        // FOR EACH ROW [FOLLOWS | PRECEDES name]; DO and BEGIN are reserved, names before cannot be them.
        if (this.#triggerStep === 0 && word === 'EACH' && peek(1)?.word === 'ROW') this.#triggerStep = 1
        else if (this.#triggerStep === 1) {
          const next = peek(1)?.word
          if (next === 'FOLLOWS' || next === 'PRECEDES') {
            // Pass over the keyword and the trigger name (maybe `schema.name`).
            this.#skip = peek(3)?.word === '.' ? 4 : 2
          }
          this.#triggerStep = 2
          this.#bodyNext = true
        }
        return
      default: {
        if (!this.#parametersDone) {
          if (token.word === '(') this.#depth++
          else if (token.word === ')' && this.#depth > 0 && --this.#depth === 0) this.#parametersDone = true
          return
        }
        if (this.#depth > 0) {
          if (token.word === '(') this.#depth++
          else if (token.word === ')') this.#depth--
          return
        }
        // After the parameters: RETURNS type, characteristics, then the body. The body starts at
        // a block keyword, a label, or a statement keyword; SET in `CHARACTER SET` and in
        // `RETURNS SET(…)` is part of the header.
        if (token.word === '(') {
          this.#depth++
          return
        }
        const isLabel = token.isWord && isLabelColon(peek)
        if (
          isLabel ||
          isBlockWord(word) ||
          (STATEMENT_WORDS.has(word) &&
            !(word === 'SET' && (this.#previous === 'CHARACTER' || this.#previous === 'RETURNS')))
        ) {
          this.#beginBody(token, peek)
        }
      }
    }
  }

  /** The first token of a stored program's body: a block, or one simple statement. */
  #beginBody(token: TrackedToken, peek: Peek): void {
    this.#bodyNext = false
    const word = token.isWord ? token.word : ''
    if (isBlockWord(word) || (token.isWord && isLabelColon(peek))) {
      this.#mode = Mode.Body
      this.#startStatement(token, peek)
    } else {
      this.#mode = Mode.Plain
    }
  }

  #bodyToken(token: TrackedToken, peek: Peek): void {
    if (this.#endKeyword) {
      this.#endKeyword = false
      if (token.isWord && isBlockWord(token.word) && token.word !== 'BEGIN') return
    }
    if (this.#declare > 0 && this.#declareToken(token)) return
    if (this.#atStatementStart) return this.#startStatement(token, peek)
    if (this.#frames.length === 0) {
      // The body is closed: whatever follows (`END label`, …) runs to the next ";".
      this.#mode = Mode.Plain
      return
    }
    if (!token.isWord) return
    const top = this.#frames[this.#frames.length - 1]!
    switch (token.word) {
      case 'CASE':
        this.#frames.push({ kind: 'CASE_EXPRESSION', line: token.line, bodyMark: false })
        return
      case 'END':
        if (top.kind === 'CASE_EXPRESSION' && !OPERAND_EXPECTED.has(this.#previous)) this.#frames.pop()
        else if (top.kind === 'REPEAT' && top.bodyMark) this.#close()
        return
      case 'THEN':
      case 'ELSE':
        if (top.kind === 'IF' || top.kind === 'CASE') this.#atStatementStart = true
        return
      case 'DO':
        if (top.kind === 'WHILE' && !top.bodyMark) {
          top.bodyMark = true
          this.#atStatementStart = true
        }
        return
    }
  }

  /** The first token of a statement inside a block (or of a compound statement at top level). */
  #startStatement(token: TrackedToken, peek: Peek): void {
    this.#atStatementStart = false
    if (!token.isWord) return
    const top = this.#frames[this.#frames.length - 1]
    if (isLabelColon(peek)) {
      this.#skip = 1
      this.#atStatementStart = true
      return
    }
    switch (token.word) {
      case 'BEGIN':
        this.#frames.push({ kind: 'BEGIN', line: token.line, bodyMark: false })
        this.#atStatementStart = true
        if (peek(1)?.word === 'NOT' && peek(2)?.word === 'ATOMIC') this.#skip = 2
        return
      case 'IF':
      case 'CASE':
      case 'WHILE':
        this.#frames.push({ kind: token.word, line: token.line, bodyMark: false })
        return
      case 'LOOP':
      case 'REPEAT':
        this.#frames.push({ kind: token.word, line: token.line, bodyMark: false })
        this.#atStatementStart = true
        return
      case 'END':
        this.#close()
        return
      case 'ELSE':
        if (top?.kind === 'IF' || top?.kind === 'CASE') this.#atStatementStart = true
        return
      case 'UNTIL':
        if (top?.kind === 'REPEAT') top.bodyMark = true
        return
      case 'DECLARE':
        this.#declare = 1
        return
    }
  }

  #close(): void {
    const frame = this.#frames.pop()
    if (frame !== undefined && frame.kind !== 'BEGIN') this.#endKeyword = true
  }

  /**
   * Follows `DECLARE {CONTINUE|EXIT|UNDO} HANDLER FOR condition [, condition]… statement`, where a
   * condition is `SQLSTATE [VALUE] 'xxxxx'`, `NOT FOUND`, `SQLWARNING`, `SQLEXCEPTION`, an error
   * number or a condition name. Returns whether the token was part of it.
   */
  #declareToken(token: TrackedToken): boolean {
    const word = token.word
    switch (this.#declare) {
      case 1:
        this.#declare = word === 'CONTINUE' || word === 'EXIT' || word === 'UNDO' ? 2 : 0
        return this.#declare !== 0
      case 2:
        this.#declare = word === 'HANDLER' ? 3 : 0
        return this.#declare !== 0
      case 3:
        this.#declare = word === 'FOR' ? 4 : 0
        return this.#declare !== 0
      case 4:
        this.#declare = word === 'SQLSTATE' ? 5 : word === 'NOT' ? 7 : 8
        return true
      case 5:
        this.#declare = word === 'VALUE' ? 6 : 8
        return true
      case 6:
      case 7:
        this.#declare = 8
        return true
      case 8:
        if (word === ',') {
          this.#declare = 4
          return true
        }
        // The handler's statement starts here.
        this.#declare = 0
        this.#atStatementStart = true
        return false
    }
    return false
  }
}

function isBlockWord(word: string): boolean {
  return (
    word === 'BEGIN' || word === 'IF' || word === 'CASE' || word === 'LOOP' || word === 'WHILE' || word === 'REPEAT'
  )
}

/** A label: a name followed by `:` (not `:=`). */
function isLabelColon(peek: Peek): boolean {
  const next = peek(1)
  return next !== undefined && next.word === ':' && peek(2)?.word !== '='
}

/**
 * Reads `CREATE [OR REPLACE] [DEFINER = user] [AGGREGATE] PROCEDURE|FUNCTION|TRIGGER|EVENT` and
 * `ALTER [DEFINER = user] EVENT` from the statement's first tokens: the kind of stored program,
 * `undefined` when the statement is something else, or `'more'` when more tokens are needed.
 */
export function matchRoutineHead(tokens: readonly string[]): Routine | 'more' | undefined {
  let at = 1
  const alter = tokens[0] === 'ALTER'
  if (!alter && tokens[at] === 'OR') {
    if (tokens[at + 1] === undefined) return 'more'
    if (tokens[at + 1] !== 'REPLACE') return undefined
    at += 2
  }
  if (tokens[at] === 'DEFINER') {
    at++
    if (tokens[at] === undefined) return 'more'
    if (tokens[at] !== '=') return undefined
    at++
    const user = tokens[at]
    if (user === undefined) return 'more'
    at++
    if (user === 'CURRENT_USER' || user === 'CURRENT_ROLE') {
      if (tokens[at] === undefined) return 'more'
      if (tokens[at] === '(') {
        if (tokens[at + 1] === undefined) return 'more'
        at += 2
      }
    } else {
      if (tokens[at] === undefined) return 'more'
      if (tokens[at] === '@') {
        if (tokens[at + 1] === undefined) return 'more'
        at += 2
      }
    }
  }
  if (!alter && tokens[at] === 'AGGREGATE') at++
  const word = tokens[at]
  if (word === undefined) return 'more'
  if (word === 'EVENT') return 'EVENT'
  if (alter) return undefined
  return word === 'PROCEDURE' || word === 'FUNCTION' || word === 'TRIGGER' ? word : undefined
}
