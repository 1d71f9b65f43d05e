import type { SchemaObjectChange, SqlStatement } from '../dialect.js'
import { unquoteSqliteName as unquote } from './sqlite-lexer.js'

/**
 * The tables and views a migration creates, drops or renames in the main schema, read from its
 * statements (`CREATE [VIRTUAL] TABLE|VIEW [IF NOT EXISTS] name`, `DROP TABLE|VIEW name`,
 * `ALTER TABLE name RENAME TO other`). Temporary and attached-schema objects are left out.
 *
 * @returns the changes in statement order, or `undefined` when a statement that may change the
 *   set of tables could not be read (the runner then compares full listings instead).
 */
export function sqliteObjectChanges(statements: readonly SqlStatement[]): readonly SchemaObjectChange[] | undefined {
  const changes: SchemaObjectChange[] = []
  for (const statement of statements) {
    const words = statement.head.map((word) => word.toUpperCase())
    const first = words[0]
    if (first === 'CREATE') {
      let at = 1
      if (words[at] === 'TEMP' || words[at] === 'TEMPORARY') continue
      if (words[at] === 'UNIQUE' || words[at] === 'INDEX' || words[at] === 'TRIGGER') continue
      const virtual = words[at] === 'VIRTUAL'
      if (virtual) at++
      const type = words[at] === 'TABLE' ? 'table' : words[at] === 'VIEW' && !virtual ? 'view' : undefined
      if (type === undefined) return undefined
      at++
      const ifNotExists = words[at] === 'IF' && words[at + 1] === 'NOT' && words[at + 2] === 'EXISTS'
      if (ifNotExists) at += 3
      const name = qualifiedName(statement.head, at)
      if (name === undefined) return undefined
      if (name !== null) changes.push({ kind: 'create', name, type, ifNotExists })
    } else if (first === 'DROP') {
      if (words[1] !== 'TABLE' && words[1] !== 'VIEW') continue // indexes and triggers
      const at = words[2] === 'IF' && words[3] === 'EXISTS' ? 4 : 2
      const name = qualifiedName(statement.head, at)
      if (name === undefined) return undefined
      if (name !== null) changes.push({ kind: 'drop', name })
    } else if (first === 'ALTER' && words[1] === 'TABLE') {
      // ALTER TABLE [schema.]name RENAME TO other; ADD/DROP/RENAME COLUMN keep the table's name.
      const from = qualifiedName(statement.head, 2)
      if (from === undefined) return undefined
      const next = statement.head[3] === '.' ? 5 : 3
      if (words[next] !== 'RENAME' || words[next + 1] !== 'TO') continue
      const to = statement.head[next + 2]
      if (to === undefined || !isName(to)) return undefined
      if (from !== null) changes.push({ kind: 'rename', from, to: unquote(to) })
    }
  }
  return changes
}

/**
 * Reads `name` or `schema.name` at `at`: the unquoted name, `null` for an object outside the main
 * schema, or `undefined` when the tokens are not a name.
 */
function qualifiedName(head: readonly string[], at: number): string | null | undefined {
  const first = head[at]
  if (first === undefined || !isName(first)) return undefined
  if (head[at + 1] !== '.') return unquote(first)
  const second = head[at + 2]
  if (second === undefined || !isName(second)) return undefined
  return unquote(first).toLowerCase() === 'main' ? unquote(second) : null
}

function isName(token: string): boolean {
  return /^["'`[]/.test(token) || /^[\p{L}\p{N}_$\u0080-\uffff]+$/u.test(token)
}
