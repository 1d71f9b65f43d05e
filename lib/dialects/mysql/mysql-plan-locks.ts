import type { MigrationLocks, PlannedLock, SqlStatement } from '../dialect.js'
import { TokenKind, identifierName, significantTokens, type SignificantToken } from './mysql-lexer.js'

/**
 * The locks a MySQL/MariaDB migration's statements take, for the plan, read from their text:
 *
 * - DDL takes an exclusive metadata lock on its table (MySQL 8.0 Reference Manual 10.11.4
 *   "Metadata Locking", 17.12 "InnoDB and Online DDL"): online DDL holds it only at its start and
 *   end, as its `ALGORITHM` and `LOCK` clauses allow; `DROP`, `TRUNCATE`, `RENAME` and `CREATE
 *   TRIGGER` hold it throughout;
 * - DML takes a shared metadata lock (which blocks DDL on the table) and InnoDB row locks on the
 *   rows it changes, held until its transaction ends.
 */
export function describeMysqlLocks(statements: readonly SqlStatement[]): MigrationLocks {
  const locks = statements.map((statement) => Object.freeze(statementLocks(significantTokens(statement.sql))))
  const anyDdl = locks.some((list) => list.some((lock) => lock.mode === EXCLUSIVE_MDL))
  return Object.freeze({
    run: [],
    statements: Object.freeze(locks),
    statementNotes: statements.map(() => undefined),
    notes: anyDdl
      ? [
          'a DDL statement first waits for every open transaction that used its table, and queries on the table queue behind it meanwhile (at most lock_wait_timeout)',
        ]
      : [],
  })
}

const EXCLUSIVE_MDL = 'metadata lock (exclusive)'
const SHARED_MDL = 'metadata lock (shared) + row locks'

function statementLocks(tokens: readonly SignificantToken[]): PlannedLock[] {
  const words = tokens.map((token) => token.upper)
  const reader = new Names(tokens)
  let at = 1
  switch (words[0]) {
    case 'ALTER': {
      if (words[at] === 'ONLINE') at++
      if (words[at] === 'IGNORE') at++
      if (words[at] !== 'TABLE') return []
      at++
      if (words[at] === 'IF' && words[at + 1] === 'EXISTS') at += 2
      const table = reader.read(at)
      return table ? [onlineDdl(table.name, words)] : []
    }
    case 'CREATE': {
      if (words[at] === 'OR' && words[at + 1] === 'REPLACE') at += 2
      if (words[at] === 'UNIQUE' || words[at] === 'FULLTEXT' || words[at] === 'SPATIAL') at++
      if (words[at] === 'INDEX') return tableAfterOn(words, reader, at, (table) => onlineDdl(table, words))
      if (words.includes('TRIGGER')) return tableAfterOn(words, reader, words.indexOf('TRIGGER'), held)
      return [] // a new table, view, routine…: nothing existing waits
    }
    case 'DROP': {
      if (words[at] === 'INDEX') return tableAfterOn(words, reader, at, (table) => onlineDdl(table, words))
      if (words[at] === 'TEMPORARY') return []
      if (words[at] !== 'TABLE' && words[at] !== 'TABLES' && words[at] !== 'VIEW') return []
      at++
      if (words[at] === 'IF' && words[at + 1] === 'EXISTS') at += 2
      return [...new Set(reader.list(at))].map(held)
    }
    case 'RENAME':
      if (words[1] !== 'TABLE' && words[1] !== 'TABLES') return []
      return [...new Set(reader.list(2, 'TO'))].map(held)
    case 'TRUNCATE': {
      const table = reader.read(words[1] === 'TABLE' ? 2 : 1)
      return table ? [held(table.name)] : []
    }
    case 'OPTIMIZE': {
      const table = reader.read(words[1] === 'TABLE' ? 2 : words[2] === 'TABLE' ? 3 : 1)
      return table ? [onlineDdl(table.name, words)] : []
    }
    case 'INSERT':
    case 'REPLACE': {
      while (['LOW_PRIORITY', 'DELAYED', 'HIGH_PRIORITY', 'IGNORE', 'INTO'].includes(words[at] ?? '')) at++
      const table = reader.read(at)
      return table ? [dml(table.name)] : []
    }
    case 'UPDATE': {
      while (words[at] === 'LOW_PRIORITY' || words[at] === 'IGNORE') at++
      const table = reader.read(at)
      return table ? [dml(table.name)] : []
    }
    case 'DELETE': {
      while (['LOW_PRIORITY', 'QUICK', 'IGNORE'].includes(words[at] ?? '')) at++
      if (words[at] !== 'FROM') return []
      const table = reader.read(at + 1)
      return table ? [dml(table.name)] : []
    }
    default:
      return []
  }
}

/** `… name ON table`: the table of `CREATE INDEX`, `DROP INDEX`, `CREATE TRIGGER`. */
function tableAfterOn(
  words: readonly string[],
  reader: Names,
  from: number,
  lock: (table: string) => PlannedLock,
): PlannedLock[] {
  const on = words.indexOf('ON', from)
  const table = on < 0 ? undefined : reader.read(on + 1)
  return table ? [lock(table.name)] : []
}

/** A DDL statement that holds its exclusive metadata lock throughout. */
function held(table: string): PlannedLock {
  return Object.freeze({ mode: EXCLUSIVE_MDL, on: table, blocks: `blocks reads and writes on ${table}` })
}

function dml(table: string): PlannedLock {
  return Object.freeze({
    mode: SHARED_MDL,
    on: table,
    blocks: `blocks DDL on ${table}, and writes to the rows it changes until it commits`,
  })
}

/** An online-DDL statement: what it blocks follows its `ALGORITHM` and `LOCK` clauses. */
function onlineDdl(table: string, words: readonly string[]): PlannedLock {
  const algorithm = clause(words, 'ALGORITHM')
  const lock = clause(words, 'LOCK')
  const detail = [algorithm && `ALGORITHM=${algorithm}`, lock && `LOCK=${lock}`].filter(Boolean).join(', ')
  const briefly = `blocks reads and writes on ${table} only briefly, at its start and end`
  const blocks =
    lock === 'EXCLUSIVE'
      ? `blocks reads and writes on ${table}`
      : lock === 'SHARED'
        ? `blocks writes on ${table}`
        : lock === 'NONE' || algorithm === 'INSTANT' || algorithm === 'NOCOPY'
          ? briefly
          : algorithm === 'COPY'
            ? `blocks writes on ${table} (the table is copied)`
            : `${briefly}; writes too while it runs unless the change can be made in place`
  return Object.freeze({
    mode: EXCLUSIVE_MDL,
    on: table,
    blocks,
    detail: detail === '' ? 'no ALGORITHM or LOCK clause: the server picks the least locking it can' : detail,
  })
}

/** The value of `NAME [=] value` at the statement's top level (ALGORITHM, LOCK), upper-cased. */
function clause(words: readonly string[], name: string): string | undefined {
  let depth = 0
  for (let i = 0; i < words.length; i++) {
    const word = words[i]
    if (word === '(') depth++
    else if (word === ')') depth--
    else if (word === name && depth === 0 && i > 2) {
      const value = words[i + 1] === '=' ? words[i + 2] : words[i + 1]
      if (value !== undefined && /^[A-Z]+$/.test(value)) return value
    }
  }
  return undefined
}

/** Reads `name` or `db.name` from a statement's tokens, as written. */
class Names {
  constructor(private readonly tokens: readonly SignificantToken[]) {}

  read(at: number): { name: string; next: number } | undefined {
    const first = this.name(at)
    if (first === undefined) return undefined
    if (this.tokens[at + 1]?.text !== '.') return { name: first, next: at + 1 }
    const second = this.name(at + 2)
    return second === undefined ? undefined : { name: `${first}.${second}`, next: at + 3 }
  }

  /** `a, b, …` (or, with `pair`, `a TO b, c TO d`, both names of each pair). */
  list(at: number, pair?: string): string[] {
    const names: string[] = []
    for (;;) {
      const name = this.read(at)
      if (!name) return names
      names.push(name.name)
      at = name.next
      if (pair !== undefined && this.tokens[at]?.upper === pair) {
        at++
        continue
      }
      if (this.tokens[at]?.text !== ',') return names
      at++
    }
  }

  private name(at: number): string | undefined {
    const token = this.tokens[at]
    if (token === undefined || (token.kind === TokenKind.Word && /^\d+$/.test(token.text))) return undefined
    return identifierName(token)
  }
}
