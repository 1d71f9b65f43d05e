import type { MigrationLocks, PlannedLock, SqlStatement } from '../dialect.js'
import { type PgTableLock, blocksText, postgresStatementLocks } from './postgres-lock-levels.js'
import { PARSER_MISSING, loadPostgresParser } from './postgres-parser.js'

const QUEUE_NOTE =
  'a statement waiting for its lock makes later queries on the table wait behind it (at most lock_timeout; a migration in a transaction is then rolled back and tried again)'

/**
 * The locks a PostgreSQL migration's statements take, for the plan: each statement parsed with
 * PostgreSQL's own parser and looked up in the table of lock levels. Without the parser, no
 * locks and a note saying why.
 */
export async function describePostgresLocks(statements: readonly SqlStatement[]): Promise<MigrationLocks> {
  const parse = await loadPostgresParser()
  if (!parse) {
    return Object.freeze({
      run: [],
      statements: statements.map(() => []),
      statementNotes: statements.map(() => undefined),
      notes: [`locks not shown: ${PARSER_MISSING}`],
    })
  }
  const locks: (readonly PlannedLock[])[] = []
  const notes: (string | undefined)[] = []
  for (const statement of statements) {
    let stmts: readonly { readonly stmt: Record<string, unknown> }[]
    try {
      stmts = parse(statement.sql).stmts ?? []
    } catch (error) {
      locks.push([])
      notes.push(`not parsed (${error instanceof Error ? error.message : String(error)}): locks unknown`)
      continue
    }
    const found = stmts.map((entry) => postgresStatementLocks(entry.stmt))
    locks.push(Object.freeze(found.flatMap((result) => result.locks.map(plannedLock))))
    const note = found.map((result) => result.note).filter((text) => text !== undefined)
    notes.push(note.length > 0 ? note.join('; ') : undefined)
  }
  const queues = locks.some((list) => list.some((lock) => lock.mode !== 'ACCESS SHARE'))
  return Object.freeze({
    run: [],
    statements: Object.freeze(locks),
    statementNotes: Object.freeze(notes),
    notes: queues ? [QUEUE_NOTE] : [],
  })
}

function plannedLock(lock: PgTableLock): PlannedLock {
  const on = lock.indexTable ? `the table of index ${lock.relation}` : lock.relation
  return Object.freeze({ mode: lock.mode, on, blocks: blocksText(lock.mode, on) })
}
