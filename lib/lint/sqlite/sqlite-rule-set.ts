import { analyzeSqliteMigration } from '../../dialects/sqlite/sqlite-statement-rules.js'
import { pragmaEffect } from '../../dialects/sqlite/sqlite-pragma-effects.js'
import { splitSqliteStatements } from '../../dialects/sqlite/sqlite-splitter.js'
import type { RuleHit } from '../finding.js'
import type { LintFileInput, LintRuleSet, LocatedStatement } from '../rule-set.js'
import {
  type ColumnDefinition,
  type SqliteStatementFacts,
  affinityOf,
  sqliteStatementFacts,
} from './sqlite-statement-facts.js'
import { type SqliteObjects, readSqliteObjects, renameHits } from './sqlite-rename-rule.js'
import { locateSqliteStatements, nameKey, sqliteComments, sqliteTokens, unquote } from './sqlite-tokens.js'

/** The SQLite lint rules (see `LINT_RULES` for the list). */
export const sqliteRuleSet: LintRuleSet = Object.freeze<LintRuleSet>({
  engine: 'sqlite',
  split(text) {
    const split = splitSqliteStatements(text)
    if (split.problem) return { ok: false, line: split.problem.line, reason: split.problem.reason }
    return { ok: true, statements: locateSqliteStatements(text, split.statements) }
  },
  comments: sqliteComments,
  readDatabase: (session) => readSqliteObjects(session),
  lintFile(file, context) {
    const facts = file.statements.map((statement) => sqliteStatementFacts(statement.sql))
    return {
      hits: [
        ...addColumnNotNull(file, facts),
        ...rebuildAndDrops(file, facts),
        ...createWithoutIfNotExists(file, facts),
        ...affinity(file, facts),
        ...outsideTransaction(file),
        ...(context.database === undefined ? [] : renameHits(file, facts, context.database as SqliteObjects)),
      ],
    }
  },
})

function addColumnNotNull(file: LintFileInput, facts: readonly SqliteStatementFacts[]): RuleHit[] {
  const hits: RuleHit[] = []
  facts.forEach((fact, i) => {
    if (fact.kind !== 'add-column') return
    const { column } = fact
    if (!column.notNull || column.nonNullDefault || column.generated) return
    hits.push({
      ruleId: 'sqlite-add-column-not-null',
      statement: file.statements[i] as LocatedStatement,
      at: column.start,
      message: `adds column "${column.name}" as NOT NULL without a default: SQLite refuses it as soon as "${fact.table}" has a row ("Cannot add a NOT NULL column with default value NULL"), so it passes on an empty development database and fails on a real one`,
      hint: `give it a default (… NOT NULL DEFAULT <value>), or rebuild "${fact.table}" (create the new table, copy, drop, rename) with PRAGMA foreign_keys = OFF`,
    })
  })
  return hits
}

/**
 * Table rebuilds and drops:
 * - `DROP TABLE x` then `ALTER TABLE new_x RENAME TO x` while foreign keys are on: dropping the
 *   old table deletes its rows first, so ON DELETE CASCADE silently deletes the child rows in
 *   other tables (SET NULL clears them);
 * - `ALTER TABLE x RENAME TO x_old` … `DROP TABLE x_old` without `PRAGMA legacy_alter_table = ON`:
 *   since SQLite 3.26 the other tables' foreign keys follow the rename to `x_old`, which is then
 *   dropped (and with foreign keys on, the drop deletes their rows);
 * - other drops of tables and columns lose data.
 */
function rebuildAndDrops(file: LintFileInput, facts: readonly SqliteStatementFacts[]): RuleHit[] {
  const hits: RuleHit[] = []
  // The toolkit switches foreign keys off before a migration (in a transaction) that turns them
  // off anywhere; outside a transaction, each PRAGMA takes effect where it stands.
  const wholeFileOff =
    !file.noTransaction &&
    analyzeSqliteMigration(file.statements, { noTransaction: false, reservedTables: [] }).foreignKeysOff
  let foreignKeysOff = wholeFileOff
  let legacyAlterTable = false
  const created = new Set<string>()
  const renamedTo = new Map<string, string>() // new name → old name
  const dropped = new Set<string>()
  facts.forEach((fact, i) => {
    const statement = file.statements[i] as LocatedStatement
    const pragma = pragmaSetting(statement.sql)
    if (pragma?.name === 'legacy_alter_table') legacyAlterTable = pragma.on
    if (file.noTransaction && pragma !== undefined) {
      const effect = pragmaEffect(statement.sql)
      if (effect.changed.has('foreign_keys') || effect.foreignKeysOff) foreignKeysOff = effect.foreignKeysOff
    }
    if (fact.kind === 'create' && fact.object === 'table') created.add(nameKey(fact.name))
    if (fact.kind === 'rename-table') {
      const to = nameKey(fact.to)
      // new_x renamed to the x dropped before it: the documented rebuild, finished. Otherwise the
      // old table is renamed away (to be copied from and dropped), which is safe only with
      // legacy_alter_table on.
      if (dropped.has(to)) dropped.delete(to)
      else if (legacyAlterTable) created.add(to)
      else renamedTo.set(to, fact.table)
    }
    if (fact.kind === 'drop-column') {
      hits.push({
        ruleId: 'sqlite-drop-column',
        statement,
        at: fact.start,
        message: `drops column "${fact.column}" of "${fact.table}": its data is gone, and code or views still reading it break`,
        hint: 'stop using the column first and drop it in a later release; keep a copy if the data may be needed',
      })
    }
    if (fact.kind !== 'drop' || fact.object !== 'table') return
    const key = nameKey(fact.name)
    dropped.add(key)
    const replacedLater = facts.slice(i + 1).some((later) => later.kind === 'rename-table' && nameKey(later.to) === key)
    const renamedFrom = replacedLater ? undefined : renamedTo.get(key)
    renamedTo.delete(key)
    if (renamedFrom !== undefined) {
      hits.push({
        ruleId: 'sqlite-unsafe-rebuild',
        statement,
        message: `drops "${fact.name}", the old "${renamedFrom}" renamed away for a rebuild: since SQLite 3.26 the other tables' foreign keys followed that rename to "${fact.name}", so they now reference a dropped table${foreignKeysOff ? '' : ' (and with foreign keys on, the drop deletes or blocks their rows)'}`,
        hint: `rebuild in SQLite's documented order (create new_${renamedFrom}, copy, drop "${renamedFrom}", rename new_${renamedFrom} to "${renamedFrom}") with PRAGMA foreign_keys = OFF, or put PRAGMA legacy_alter_table = ON before the rename`,
      })
    } else if (replacedLater && !foreignKeysOff) {
      hits.push({
        ruleId: 'sqlite-unsafe-rebuild',
        statement,
        message: `rebuilds table "${fact.name}" with foreign keys on: dropping the old table deletes its rows first, so ON DELETE CASCADE deletes the child rows in other tables (SET NULL clears them) and the migration still succeeds`,
        hint: 'put "PRAGMA foreign_keys = OFF;" in the migration (the toolkit then runs it with foreign keys off and checks them before it commits)',
      })
    }
    if (!replacedLater && renamedFrom === undefined && !created.has(key)) {
      hits.push({
        ruleId: 'sqlite-drop-table',
        statement,
        message: `drops table "${fact.name}" and all its rows`,
        hint: 'make sure nothing reads it any more and the data is not needed (or copied elsewhere), then allow it',
      })
    }
  })
  return hits
}

/** `PRAGMA [schema.]name = value` with a boolean value, read from its tokens. */
function pragmaSetting(sql: string): { name: string; on: boolean } | undefined {
  const tokens = sqliteTokens(sql)
  if (tokens[0]?.upper !== 'PRAGMA') return undefined
  const at = tokens[2]?.text === '.' ? 3 : 1
  const name = tokens[at]
  const value = tokens[at + 1]?.text === '=' || tokens[at + 1]?.text === '(' ? tokens[at + 2] : undefined
  if (name === undefined) return undefined
  const text = value === undefined ? '' : unquote(value.text).toUpperCase()
  return { name: nameKey(unquote(name.text)), on: ['ON', '1', 'TRUE', 'YES'].includes(text) }
}

function createWithoutIfNotExists(file: LintFileInput, facts: readonly SqliteStatementFacts[]): RuleHit[] {
  const hits: RuleHit[] = []
  facts.forEach((fact, i) => {
    if (fact.kind !== 'create' || fact.ifNotExists) return
    // The new table of a rebuild is renamed later in the file: IF NOT EXISTS would reuse a leftover.
    const key = nameKey(fact.name)
    if (facts.slice(i + 1).some((later) => later.kind === 'rename-table' && nameKey(later.table) === key)) return
    const object = fact.object.toUpperCase()
    hits.push({
      ruleId: 'sqlite-create-without-if-not-exists',
      statement: file.statements[i] as LocatedStatement,
      message: `CREATE ${object} "${fact.name}" without IF NOT EXISTS: the file is not idempotent, as the user guide asks (it fails where the ${fact.object} already exists)`,
      hint: `write CREATE ${object} IF NOT EXISTS`,
    })
  })
  return hits
}

/** Declared types that say "JSON", "date" or "boolean" but get NUMERIC affinity. */
const VALUE_TYPES = new Set(['JSON', 'JSONB', 'DATE', 'DATETIME', 'TIMESTAMP', 'TIME', 'BOOLEAN', 'BOOL'])

function affinity(file: LintFileInput, facts: readonly SqliteStatementFacts[]): RuleHit[] {
  const hits: RuleHit[] = []
  const check = (statement: LocatedStatement, table: string, column: ColumnDefinition): void => {
    if (affinityOf(column.type) !== 'NUMERIC') return
    const firstWord = column.type.split(/[\s(]/)[0]?.toUpperCase() ?? ''
    if (!VALUE_TYPES.has(firstWord) && !/_json$/i.test(column.name)) return
    const kind =
      /^JSONB?$/.test(firstWord) || !VALUE_TYPES.has(firstWord) ? 'json' : /^BOOL/.test(firstWord) ? 'boolean' : 'date'
    hits.push({
      ruleId: 'sqlite-affinity-changes-values',
      statement,
      at: column.start,
      message: `column "${table}"."${column.name}" is declared ${column.type}, which SQLite gives NUMERIC affinity: ${consequence(kind)}`,
      hint:
        kind === 'json'
          ? `declare it TEXT (with CHECK (json_valid("${column.name}")) if you like), or make the table STRICT`
          : kind === 'boolean'
            ? 'declare it INTEGER (0/1, with CHECK ("' +
              column.name +
              '" IN (0, 1)) if you like), or make the table STRICT'
            : 'declare it TEXT (ISO-8601 text) or INTEGER (unix time), or make the table STRICT',
    })
  }
  facts.forEach((fact, i) => {
    const statement = file.statements[i] as LocatedStatement
    if (fact.kind === 'create' && fact.object === 'table' && !fact.strict)
      for (const column of fact.columns) check(statement, fact.name, column)
    if (fact.kind === 'add-column') check(statement, fact.table, fact.column)
  })
  return hits
}

/** What NUMERIC affinity does to values of each kind, as SQLite stores them (see the tests). */
function consequence(kind: 'json' | 'boolean' | 'date'): string {
  switch (kind) {
    case 'json':
      return "JSON text that looks like a number is stored as a number, so it does not read back as written ('1.0' reads back as 1, '1e3' as 1000)"
    case 'boolean':
      return "'1' is stored as the integer 1 while 'true' stays text, so one column holds two types"
    case 'date':
      return "a date or time written as text that looks like a number is stored as a number ('20240101' reads back as the integer 20240101, '1700000000.0' as 1700000000)"
  }
}

/**
 * Statements that cannot run in a transaction, from the dialect's own rules: the ones it refuses
 * in a transaction but accepts with `-- glorious:no-transaction`.
 */
function outsideTransaction(file: LintFileInput): RuleHit[] {
  const options = { reservedTables: [] }
  const inside = analyzeSqliteMigration(file.statements, { ...options, noTransaction: false }).problems
  const outside = new Set(
    analyzeSqliteMigration(file.statements, { ...options, noTransaction: true }).problems.map((p) => p.statement.index),
  )
  return inside
    .filter((problem) => !outside.has(problem.statement.index))
    .filter((problem) => problem.reason.includes('cannot run inside a transaction')) // not BEGIN/COMMIT
    .map((problem) => ({
      ruleId: 'sqlite-outside-transaction',
      statement: problem.statement as LocatedStatement,
      message: file.noTransaction
        ? `statement ${problem.reason}: the file runs outside a transaction, so a failure leaves the statements before it applied`
        : `statement ${problem.reason}: the runner refuses this file as it is`,
      hint: file.noTransaction
        ? 'keep such statements in a migration of their own, with nothing else that could fail'
        : problem.hint,
    }))
}
