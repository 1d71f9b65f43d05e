import type { SchemaObjectChange, SqlStatement } from '../dialect.js'
import { TokenKind, identifierName, significantTokens, type SignificantToken } from './mysql-lexer.js'
import { runsUnreadStatements } from './mysql-unread-statements.js'

export interface MysqlObjectChangeOptions {
  /**
   * The database the migration runs in. A qualified name `db.t` is read as `t` when `db` is this
   * database and left out when it is another; without it, a qualified name makes the changes
   * unreadable (`undefined`).
   */
  readonly database?: string
}

/**
 * The tables and views a migration creates, drops or renames in its database, read from its
 * statements:
 *
 * - `CREATE [OR REPLACE] TABLE [IF NOT EXISTS] name …` (also `… LIKE other` and `… AS SELECT`);
 * - `CREATE [OR REPLACE] [ALGORITHM = …] [DEFINER = …] [SQL SECURITY …] VIEW [IF NOT EXISTS] name`;
 * - `DROP TABLE | TABLES | VIEW [IF EXISTS] a, b …`;
 * - `RENAME TABLE a TO b, c TO d`, `ALTER TABLE a … RENAME [TO | AS] b`.
 *
 * Temporary tables are left out. Statements that may change tables in ways the text does not
 * show (`CALL`, `EXECUTE`, compound statements, `CREATE`/`DROP SEQUENCE` (MariaDB lists sequences
 * among tables), `DROP DATABASE`, unreadable names) make the result `undefined`: the runner then
 * compares full listings instead.
 */
export function mysqlObjectChanges(
  statements: readonly SqlStatement[],
  options: MysqlObjectChangeOptions = {},
): readonly SchemaObjectChange[] | undefined {
  const changes: SchemaObjectChange[] = []
  for (const statement of statements) {
    const found = statementChanges(significantTokens(statement.sql), options)
    if (found === undefined) return undefined
    changes.push(...found)
  }
  return Object.freeze(changes)
}

function statementChanges(
  tokens: SignificantToken[],
  options: MysqlObjectChangeOptions,
): SchemaObjectChange[] | undefined {
  const words = tokens.map((token) => token.upper)
  const first = words[0]
  if (first === undefined) return []
  if (first === 'BEGIN' && (words[1] === undefined || words[1] === 'WORK')) return [] // transaction control
  // Statements whose effect on tables cannot be read from their text (any other BEGIN too).
  if (first === 'BEGIN' || runsUnreadStatements(words)) return undefined
  const reader = new NameReader(tokens, options)
  switch (first) {
    case 'CREATE':
      return createChanges(words, reader)
    case 'DROP':
      return dropChanges(words, reader)
    case 'RENAME':
      return renameChanges(words, reader)
    case 'ALTER':
      return alterChanges(words, reader)
    default:
      return []
  }
}

function createChanges(words: readonly string[], reader: NameReader): SchemaObjectChange[] | undefined {
  let at = 1
  if (words[at] === 'OR' && words[at + 1] === 'REPLACE') at += 2
  if (words[at] === 'TEMPORARY') return []
  if (words[at] === 'SEQUENCE') return undefined
  if (words[at] === 'TABLE') return createOf('table', at + 1, words, reader)
  // CREATE [ALGORITHM = x] [DEFINER = user] [SQL SECURITY x] VIEW
  if (words[at] === 'ALGORITHM' && words[at + 1] === '=') at += 3
  if (words[at] === 'DEFINER' && words[at + 1] === '=') {
    at += 3
    if (words[at] === '@') at += 2
    else if (words[at] === '(' && words[at + 1] === ')') at += 2
  }
  if (words[at] === 'SQL' && words[at + 1] === 'SECURITY') at += 3
  if (words[at] === 'VIEW') return createOf('view', at + 1, words, reader)
  return [] // indexes, routines, triggers, events, users, databases, …
}

function createOf(
  type: 'table' | 'view',
  at: number,
  words: readonly string[],
  reader: NameReader,
): SchemaObjectChange[] | undefined {
  const ifNotExists = words[at] === 'IF' && words[at + 1] === 'NOT' && words[at + 2] === 'EXISTS'
  const name = reader.read(ifNotExists ? at + 3 : at)
  if (name === undefined) return undefined
  return name.name === null ? [] : [{ kind: 'create', name: name.name, type, ifNotExists }]
}

function dropChanges(words: readonly string[], reader: NameReader): SchemaObjectChange[] | undefined {
  let at = 1
  if (words[at] === 'TEMPORARY') return []
  if (words[at] === 'SEQUENCE' || words[at] === 'DATABASE' || words[at] === 'SCHEMA') return undefined
  if (words[at] !== 'TABLE' && words[at] !== 'TABLES' && words[at] !== 'VIEW') return []
  at++
  if (words[at] === 'IF' && words[at + 1] === 'EXISTS') at += 2
  const changes: SchemaObjectChange[] = []
  for (;;) {
    const name = reader.read(at)
    if (name === undefined) return undefined
    if (name.name !== null) changes.push({ kind: 'drop', name: name.name })
    at = name.next
    if (words[at] !== ',') break
    at++
  }
  return changes
}

function renameChanges(words: readonly string[], reader: NameReader): SchemaObjectChange[] | undefined {
  if (words[1] !== 'TABLE' && words[1] !== 'TABLES') return [] // RENAME USER
  let at = 2
  if (words[at] === 'IF' && words[at + 1] === 'EXISTS') return undefined // may or may not happen
  const changes: SchemaObjectChange[] = []
  for (;;) {
    const from = reader.read(at)
    if (from === undefined) return undefined
    at = from.next
    if (words[at] === 'WAIT') at += 2
    else if (words[at] === 'NOWAIT') at++
    if (words[at] !== 'TO') return undefined
    const to = reader.read(at + 1)
    if (to === undefined) return undefined
    if (from.name !== null && to.name !== null) changes.push({ kind: 'rename', from: from.name, to: to.name })
    else if (from.name !== null)
      changes.push({ kind: 'drop', name: from.name }) // moved to another database
    else if (to.name !== null) return undefined // moved in from another database: its type is unknown
    at = to.next
    if (words[at] !== ',') break
    at++
  }
  return changes
}

function alterChanges(words: readonly string[], reader: NameReader): SchemaObjectChange[] | undefined {
  let at = 1
  if (words[at] === 'ONLINE') at++
  if (words[at] === 'IGNORE') at++
  if (words[at] === 'SEQUENCE') return undefined
  if (words[at] !== 'TABLE') return [] // views keep their names; other objects are not tables
  at++
  if (words[at] === 'IF' && words[at + 1] === 'EXISTS') return undefined
  const table = reader.read(at)
  if (table === undefined) return undefined
  // A table rename is an alter specification of its own: `RENAME [TO|AS] name` at depth 0, first
  // in the list or after a comma (`RENAME COLUMN`, `RENAME INDEX|KEY` rename parts of the table).
  let depth = 0
  let last: SchemaObjectChange[] = []
  for (let i = table.next; i < words.length; i++) {
    const word = words[i]
    if (word === '(') depth++
    else if (word === ')') depth--
    else if (word === 'RENAME' && depth === 0 && (i === table.next || words[i - 1] === ',')) {
      const next = words[i + 1]
      if (next === 'COLUMN' || next === 'INDEX' || next === 'KEY' || next === 'CONSTRAINT') continue
      const to = reader.read(next === 'TO' || next === 'AS' ? i + 2 : i + 1)
      if (to === undefined) return undefined
      if (table.name === null) return to.name === null ? [] : undefined
      last =
        to.name === null ? [{ kind: 'drop', name: table.name }] : [{ kind: 'rename', from: table.name, to: to.name }]
    }
  }
  return last
}

/** Reads `name` or `db.name` from the tokens. */
class NameReader {
  readonly #tokens: readonly SignificantToken[]
  readonly #database: string | undefined

  constructor(tokens: readonly SignificantToken[], options: MysqlObjectChangeOptions) {
    this.#tokens = tokens
    this.#database = options.database
  }

  /**
   * The name at `at` (`null` when it is in another database) and the index after it, or
   * `undefined` when the tokens there are not a name or the database is unknown.
   */
  read(at: number): { name: string | null; next: number } | undefined {
    const first = this.#name(at)
    if (first === undefined) return undefined
    if (this.#tokens[at + 1]?.text !== '.') return { name: first, next: at + 1 }
    const second = this.#name(at + 2)
    if (second === undefined || this.#database === undefined) return undefined
    return { name: first === this.#database ? second : null, next: at + 3 }
  }

  #name(at: number): string | undefined {
    const token = this.#tokens[at]
    if (token === undefined) return undefined
    if (token.kind === TokenKind.Word && /^\d+$/.test(token.text)) return undefined
    return identifierName(token)
  }
}
