import type { EngineName } from '../dialects/dialect.js'
import type { LintRuleInfo } from './finding.js'

const rule = (engine: EngineName, id: string, summary: string, needsDatabase = false): LintRuleInfo =>
  Object.freeze(needsDatabase ? { id, engine, summary, needsDatabase } : { id, engine, summary })

/**
 * Every lint rule, by engine. Kept apart from the rules themselves so that `-- glorious:allow`
 * ids can be checked (and documented) without loading any engine's parser.
 */
export const LINT_RULES: readonly LintRuleInfo[] = Object.freeze([
  rule(
    'sqlite',
    'sqlite-add-column-not-null',
    'ADD COLUMN … NOT NULL without a non-NULL DEFAULT (SQLite refuses it once the table has rows)',
  ),
  rule(
    'sqlite',
    'sqlite-unsafe-rebuild',
    'a table rebuild with foreign keys on, or by renaming the old table away (foreign keys follow it)',
  ),
  rule('sqlite', 'sqlite-create-without-if-not-exists', 'CREATE TABLE/INDEX/VIEW/TRIGGER without IF NOT EXISTS'),
  rule('sqlite', 'sqlite-drop-table', 'DROP TABLE (data loss)'),
  rule('sqlite', 'sqlite-drop-column', 'ALTER TABLE … DROP COLUMN (data loss)'),
  rule(
    'sqlite',
    'sqlite-rename-used-elsewhere',
    "renaming a table or column that another skill's views or triggers use",
    true,
  ),
  rule('sqlite', 'sqlite-affinity-changes-values', 'JSON/date/boolean columns declared with a NUMERIC-affinity type'),
  rule('sqlite', 'sqlite-outside-transaction', 'statements that cannot run in a transaction (VACUUM, ATTACH, …)'),
  rule('postgres', 'pg-lock-without-timeout', "a lock taken with no lock_timeout when the toolkit's is off"),
  rule('postgres', 'pg-index-without-concurrently', 'CREATE INDEX without CONCURRENTLY on an existing table'),
  rule('postgres', 'pg-constraint-without-not-valid', 'ADD CONSTRAINT FOREIGN KEY/CHECK without NOT VALID'),
  rule('postgres', 'pg-alter-column-type', 'ALTER COLUMN … TYPE (rewrites the table)'),
  rule('postgres', 'pg-set-not-null', 'SET NOT NULL (scans the table under an exclusive lock)'),
  rule('postgres', 'pg-volatile-default', 'ADD COLUMN with a volatile default (rewrites the table)'),
  rule('postgres', 'pg-rename', 'renaming a table or column (breaks running code)'),
  rule('postgres', 'pg-drop', 'dropping a table or column (data loss, breaks running code)'),
  rule('postgres', 'pg-int-primary-key', 'int/serial primary keys (overflow at 2^31)'),
  rule('postgres', 'pg-timestamp-without-time-zone', '`timestamp` without time zone'),
  rule('postgres', 'pg-concurrently-in-transaction', 'CONCURRENTLY inside a transaction'),
  rule('mysql', 'mysql-alter-without-algorithm', 'ALTER TABLE without ALGORITHM=INSTANT|INPLACE where one applies'),
  rule('mysql', 'mysql-dml-with-ddl', 'data changes in a file with DDL (no atomicity)'),
  rule('mysql', 'mysql-implicit-commit', 'statements other than plain DDL that commit implicitly'),
])

/** The rules of one engine. */
export function rulesOf(engine: EngineName): readonly LintRuleInfo[] {
  return LINT_RULES.filter((info) => info.engine === engine)
}

/** Whether an id names a rule of any engine. */
export function isKnownRule(id: string): boolean {
  return LINT_RULES.some((info) => info.id === id)
}
