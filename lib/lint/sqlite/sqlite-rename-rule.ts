import { sql } from 'kysely'
import type { DatabaseSession } from '../../connection/session.js'
import { readOwnership } from '../../ledger/ownership-rows.js'
import type { RuleHit } from '../finding.js'
import type { LintFileInput, LocatedStatement } from '../rule-set.js'
import type { SqliteStatementFacts } from './sqlite-statement-facts.js'
import { isName, nameKey, sqliteTokens, unquote } from './sqlite-tokens.js'

/** A view or trigger of the database, with the names it mentions and the skill it belongs to. */
export interface SqliteDependent {
  readonly type: 'view' | 'trigger'
  readonly name: string
  /** The table a trigger is on (for a view, its own name). */
  readonly table: string
  /** The skill that owns it (a view's creator; a trigger's table's creator), when recorded. */
  readonly skill: string | undefined
  /** Every name its SQL mentions, as name keys. */
  readonly names: ReadonlySet<string>
}

export interface SqliteObjects {
  readonly dependents: readonly SqliteDependent[]
}

/** Reads the views and triggers of the database and who owns them. */
export async function readSqliteObjects(session: DatabaseSession): Promise<SqliteObjects> {
  return session.pinned(async (conn) => {
    const owners = await readOwnership(conn, session.dialect)
    const rows = await sql<{ type: 'view' | 'trigger'; name: string; tbl_name: string; sql: string | null }>`
      SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('view', 'trigger') AND sql IS NOT NULL`.execute(
      conn,
    )
    const dependents = rows.rows.map((row) => {
      const names = new Set(
        sqliteTokens(row.sql ?? '')
          .filter(isName)
          .map((token) => nameKey(unquote(token.text))),
      )
      const owner = owners.get(row.type === 'view' ? row.name : row.tbl_name)
      return Object.freeze({ type: row.type, name: row.name, table: row.tbl_name, skill: owner?.skill, names })
    })
    return Object.freeze({ dependents })
  })
}

/**
 * Renames of a table or column that views or triggers of another skill use. SQLite (3.26+, with
 * `legacy_alter_table` off) rewrites those objects to the new name — so another skill's schema
 * changes under it — and with `legacy_alter_table = ON` leaves them pointing at a name that no
 * longer exists; either way that skill's code that uses the old name breaks.
 */
export function renameHits(
  file: LintFileInput,
  facts: readonly SqliteStatementFacts[],
  objects: SqliteObjects,
): RuleHit[] {
  const hits: RuleHit[] = []
  const createdHere = new Set<string>()
  facts.forEach((fact, i) => {
    if (fact.kind === 'create') createdHere.add(nameKey(fact.name))
    if (fact.kind !== 'rename-table' && fact.kind !== 'rename-column') return
    const table = nameKey(fact.table)
    if (createdHere.has(table)) return // the new table of a rebuild: nothing else can use it yet
    const column = fact.kind === 'rename-column' ? nameKey(fact.column) : undefined
    const users = objects.dependents.filter(
      (object) =>
        object.skill !== file.skill &&
        (object.names.has(table) || nameKey(object.table) === table) &&
        (column === undefined || object.names.has(column)),
    )
    if (users.length === 0) return
    const what = fact.kind === 'rename-table' ? `table "${fact.table}"` : `column "${fact.table}"."${fact.column}"`
    const listed = users
      .slice(0, 3)
      .map(
        (user) =>
          `${user.type} "${user.name}" (${user.skill === undefined ? 'no skill recorded' : `skill "${user.skill}"`})`,
      )
      .join(', ')
    hits.push({
      ruleId: 'sqlite-rename-used-elsewhere',
      statement: file.statements[i] as LocatedStatement,
      message: `renames ${what}, which ${listed}${users.length > 3 ? ` and ${users.length - 3} more` : ''} use: SQLite rewrites them to the new name (or, with legacy_alter_table = ON, leaves them broken), so another skill's schema changes under it and its code using the old name breaks`,
      hint: 'keep the old name (add the new table or column beside it and copy), or change the other skill in the same release',
    })
  })
  return hits
}
