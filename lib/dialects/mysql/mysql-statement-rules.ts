import type { MigrationAnalysis, SqlStatement, StatementProblem } from '../dialect.js'
import { TokenKind, identifierName, significantTokens, type SignificantToken } from './mysql-lexer.js'
import { lexingOf } from './mysql-splitter.js'
import { mysqlObjectChanges } from './mysql-object-changes.js'
import { runsUnreadStatements } from './mysql-unread-statements.js'
import { MIGRATION_LOCK_PREFIX } from './mysql-lock.js'

/**
 * How a MySQL/MariaDB migration runs:
 * - `transaction`: no statement commits implicitly (only DML and the like): the whole migration
 *   runs in one transaction and stays atomic;
 * - `statement-progress`: at least one statement commits implicitly (DDL, …), so no transaction
 *   can hold the migration: it runs statement by statement, its progress recorded after each;
 * - `no-transaction`: the file opted out (`-- glorious:no-transaction`).
 */
export type MysqlTransactionMode = 'transaction' | 'statement-progress' | 'no-transaction'

/** What the rules found about one statement. */
export interface MysqlStatementAnalysis {
  readonly statement: SqlStatement
  /**
   * Whether the statement commits the open transaction implicitly (or may: `CALL`, `EXECUTE` and
   * compound statements run statements that cannot be seen here).
   */
  readonly commitsImplicitly: boolean
  /** Why it commits, e.g. `DDL (CREATE TABLE)` or `may run DDL (CALL)`. */
  readonly commitReason: string | undefined
  /**
   * Whether the statement only changes the session (a `SET` of session or user variables, `SET
   * NAMES`, …): a resumed migration runs those of its applied statements again, so that the
   * statements after them run under the session they were written for.
   */
  readonly sessionOnly: boolean
}

export interface MysqlMigrationAnalysis extends Pick<
  MigrationAnalysis,
  'problems' | 'connectionSettings' | 'objectChanges'
> {
  readonly mode: MysqlTransactionMode
  readonly statements: readonly MysqlStatementAnalysis[]
}

export interface MysqlAnalyzeOptions {
  readonly noTransaction: boolean
  readonly reservedTables: readonly string[]
  /** The migration's database, to read `db.table` names (see `mysqlObjectChanges`). */
  readonly database?: string
}

const TRANSACTION_HINT =
  'remove it: the toolkit runs a migration in one transaction when it can (only DML), and ' +
  'statement by statement with recorded progress when a statement commits implicitly'

/**
 * The MySQL/MariaDB rules for a migration's statements:
 * - which statements commit implicitly (MySQL 8.0 Reference Manual 15.3.3 "Statements That Cause
 *   an Implicit Commit"; MariaDB Knowledge Base "SQL statements That Cause an Implicit Commit"):
 *   they decide between `transaction` and `statement-progress`;
 * - transaction control (`BEGIN`, `START TRANSACTION`, `COMMIT`, `ROLLBACK` but not `ROLLBACK TO
 *   SAVEPOINT`, `SET autocommit`, `SET TRANSACTION`, `XA …`) would break the toolkit's own
 *   transaction or progress records: refused;
 * - `USE db` would move the rest of the migration, and the ledger, to another database: refused;
 * - no statement may name the toolkit's own tables (`_migrations`, `db._migrations`, quoted with
 *   backticks or, under ANSI_QUOTES, double quotes). Names are compared without regard to case:
 *   table names are case-sensitive on Linux with `lower_case_table_names = 0` (this machine's
 *   MariaDB), but not on Windows or macOS, and a name differing from the ledger's only in case
 *   is refused everywhere.
 */
export function analyzeMysqlMigration(
  statements: readonly SqlStatement[],
  options: MysqlAnalyzeOptions,
): MysqlMigrationAnalysis {
  const problems: StatementProblem[] = []
  const settings = new Set<string>()
  const analyses: MysqlStatementAnalysis[] = []
  for (const statement of statements) {
    const tokens = significantTokens(statement.sql, lexingOf(statement))
    const words = tokens.map((token) => token.upper)
    const reserved = reservedTableIn(tokens, options.reservedTables)
    if (reserved !== undefined) {
      problems.push({
        statement,
        reason: `refers to "${reserved}", the toolkit's own bookkeeping table`,
        hint: 'migrations must not read or change it; use "glorious migrate rollback" to edit the ledger',
      })
    }
    const control = transactionControl(words)
    if (control !== undefined) {
      problems.push({ statement, reason: `(${control}) controls the transaction itself`, hint: TRANSACTION_HINT })
    } else if (words[0] === 'USE') {
      problems.push({
        statement,
        reason: '(USE) switches to another database',
        hint: "remove it: a migration runs in the database it is applied to; name other databases' tables as db.table if you must",
      })
    }
    const release = releasesMigrationLock(tokens)
    if (release !== undefined) {
      problems.push({
        statement,
        reason: `(${release}) releases the toolkit's migration lock, which is held until the run ends`,
        hint: "release only locks of your own, by name: RELEASE_LOCK('my-lock')",
      })
    }
    const assigned = words[0] === 'SET' && control === undefined ? sessionSettings(tokens) : undefined
    for (const setting of assigned?.session ?? []) settings.add(setting)
    // A routine, a prepared statement or a compound statement may set any session variable
    // unseen (a procedure's SET foreign_key_checks = 0 outlives its CALL): the settings that
    // matter to the statements after it, and to the toolkit's own, are put back.
    if (runsUnreadStatements(words)) for (const setting of SESSION_STATE) settings.add(setting)
    const commitReason = control === undefined ? implicitCommit(words) : undefined
    analyses.push(
      Object.freeze({
        statement,
        commitsImplicitly: commitReason !== undefined,
        commitReason,
        sessionOnly: assigned !== undefined && commitReason === undefined && !assigned.global && !assigned.scoped,
      }),
    )
  }
  const mode: MysqlTransactionMode = options.noTransaction
    ? 'no-transaction'
    : analyses.some((analysis) => analysis.commitsImplicitly)
      ? 'statement-progress'
      : 'transaction'
  return Object.freeze({
    mode,
    problems: Object.freeze(problems),
    connectionSettings: Object.freeze([...settings]),
    objectChanges: mysqlObjectChanges(statements, options.database === undefined ? {} : { database: options.database }),
    statements: Object.freeze(analyses),
  })
}

/** Statements that never commit implicitly. Anything not listed is taken to commit (or may). */
const NO_COMMIT = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'REPLACE',
  'DO',
  'WITH',
  'VALUES',
  'TABLE',
  'SHOW',
  'EXPLAIN',
  'DESCRIBE',
  'DESC',
  'HELP',
  'HANDLER',
  'PREPARE',
  'DEALLOCATE',
  'SAVEPOINT',
  'RELEASE',
  'ROLLBACK', // only ROLLBACK TO SAVEPOINT gets here
  'CHECKSUM',
  'KILL',
  'SIGNAL',
  'RESIGNAL',
  'GET',
  'PURGE',
  '(',
])

/** Statements that commit implicitly before they run, whatever follows their first word. */
const DDL_LIKE: ReadonlyMap<string, string> = new Map([
  ['ALTER', 'DDL'],
  ['RENAME', 'DDL'],
  ['TRUNCATE', 'DDL'],
  ['GRANT', 'account management'],
  ['REVOKE', 'account management'],
  ['OPTIMIZE', 'table maintenance'],
  ['REPAIR', 'table maintenance'],
  // Listed by both manuals; MariaDB 10.11 keeps the transaction open on InnoDB (measured), but a
  // migration may run on MySQL 8 or another engine.
  ['CACHE', 'CACHE INDEX'],
  ['FLUSH', 'FLUSH'],
  ['RESET', 'RESET'],
  ['LOCK', 'LOCK TABLES'],
  ['UNLOCK', 'UNLOCK TABLES (commits when tables are locked)'],
  ['STOP', 'replication control'],
  ['CHANGE', 'replication control'],
  ['INSTALL', 'plugin management'],
  ['UNINSTALL', 'plugin management'],
  ['SHUTDOWN', 'SHUTDOWN'],
])

/** Why the statement commits implicitly, or `undefined` when it does not. */
function implicitCommit(words: readonly string[]): string | undefined {
  const first = words[0]
  if (first === undefined) return undefined
  const named = (kind: string): string => `${kind} (${words.slice(0, 2).join(' ')})`
  switch (first) {
    case 'CREATE':
    case 'DROP': {
      let at = 1
      if (words[at] === 'OR' && words[at + 1] === 'REPLACE') at += 2
      // CREATE/DROP TEMPORARY TABLE do not commit (both manuals); other DDL on temporary tables does.
      if (words[at] === 'TEMPORARY') return undefined
      return named('DDL')
    }
    case 'ANALYZE': {
      // ANALYZE TABLE commits; MariaDB's `ANALYZE SELECT …` only runs and explains a query.
      const table =
        words[1] === 'TABLE' || words[1] === 'TABLES' || words[1] === 'LOCAL' || words[1] === 'NO_WRITE_TO_BINLOG'
      return table ? named('table maintenance') : undefined
    }
    case 'CHECK':
      return named('table maintenance')
    case 'LOAD':
      // LOAD INDEX INTO CACHE commits; LOAD DATA and LOAD XML commit only on NDB tables (MySQL manual).
      return words[1] === 'INDEX' ? named('LOAD INDEX INTO CACHE') : undefined
    case 'START':
      return named('replication control') // START TRANSACTION is transaction control, handled before
    case 'SET':
      return setCommits(words)
    case 'CALL':
      return 'may run DDL (CALL)'
    case 'EXECUTE':
      return 'may run DDL (EXECUTE)'
    case 'BEGIN':
    case 'IF':
    case 'CASE':
    case 'LOOP':
    case 'WHILE':
    case 'REPEAT':
      return `may run DDL (compound statement ${first})`
  }
  const kind = DDL_LIKE.get(first)
  if (kind !== undefined) return named(kind)
  if (NO_COMMIT.has(first)) return undefined
  return `not known to keep the transaction open (${first})`
}

/**
 * `SET PASSWORD` and `SET DEFAULT ROLE` (account management) commit; `SET STATEMENT … FOR stmt`
 * may. Other SETs, `SET ROLE` included (measured on MariaDB 10.11), do not.
 */
function setCommits(words: readonly string[]): string | undefined {
  const second = words[1]
  if (second === 'PASSWORD') return 'account management (SET PASSWORD)'
  if (second === 'DEFAULT' && words[2] === 'ROLE') return 'account management (SET DEFAULT ROLE)'
  if (second === 'STATEMENT') return 'may run DDL (SET STATEMENT … FOR)'
  return undefined
}

/** The transaction-control statement, named, or `undefined`. */
function transactionControl(words: readonly string[]): string | undefined {
  const [first, second] = words
  switch (first) {
    case 'BEGIN':
      return second === 'NOT' ? undefined : 'BEGIN' // BEGIN NOT ATOMIC is a compound statement
    case 'COMMIT':
      return 'COMMIT'
    case 'XA':
      return 'XA'
    case 'START':
      return second === 'TRANSACTION' ? 'START TRANSACTION' : undefined
    case 'ROLLBACK': {
      // ROLLBACK [WORK] TO [SAVEPOINT] name only rewinds to a savepoint.
      const at = second === 'WORK' ? 2 : 1
      return words[at] === 'TO' ? undefined : 'ROLLBACK'
    }
    case 'SET':
      if (second === 'TRANSACTION') return 'SET TRANSACTION'
      return setsAutocommit(words) ? 'SET autocommit' : undefined
  }
  return undefined
}

/** Whether a SET assigns the system variable autocommit (`@autocommit` is a user variable). */
function setsAutocommit(words: readonly string[]): boolean {
  for (let i = 1; i < words.length; i++) {
    if (words[i] !== 'AUTOCOMMIT') continue
    const userVariable = words[i - 1] === '@' && words[i - 2] !== '@'
    if (!userVariable) return true
  }
  return false
}

/**
 * The session variables the runner reads before a migration that may change them without a
 * `SET` of its own (`CALL`, `EXECUTE`, compound statements) and puts back after it: those that
 * change what later statements, or the toolkit's own reads and ledger writes, do.
 */
const SESSION_STATE: readonly string[] = [
  'sql_mode',
  'foreign_key_checks',
  'unique_checks',
  'autocommit',
  'time_zone',
  'character_set_client',
  'character_set_connection',
  'character_set_results',
  'collation_connection',
  'sql_quote_show_create',
  'sql_safe_updates',
  'sql_auto_is_null',
  'lock_wait_timeout',
  'innodb_lock_wait_timeout',
]

/**
 * The variables `SET NAMES` and `SET CHARACTER SET` assign: the same four for both (MariaDB KB,
 * MySQL manual 15.7.6.2-3; CHARACTER SET takes the connection's from the database).
 */
const CHARSET_VARIABLES: readonly string[] = [
  'character_set_client',
  'character_set_connection',
  'character_set_results',
  'collation_connection',
]

/**
 * The session variables a SET changes, lower-cased (`sql_mode`, `foreign_key_checks`, and for
 * `SET NAMES` and `SET CHARACTER SET` the character set variables they assign), so the runner
 * can put them back after the migration. User variables (`@x`) are left out; `SET GLOBAL`
 * changes the server, not the session (`global` says the statement has such an assignment);
 * `scoped`: a `SET STATEMENT … FOR`, whose settings last for its statement only.
 */
function sessionSettings(tokens: readonly SignificantToken[]): {
  session: string[]
  global: boolean
  scoped: boolean
} {
  const words = tokens.map((token) => token.upper)
  const settings: string[] = []
  let global = false
  if (words[1] === 'STATEMENT') return { session: [], global, scoped: true }
  // Account statements: SET ROLE changes the session's privileges (no variable), SET PASSWORD
  // and SET DEFAULT ROLE change the server's accounts (they commit implicitly).
  if (words[1] === 'PASSWORD' || words[1] === 'ROLE' || (words[1] === 'DEFAULT' && words[2] === 'ROLE'))
    return { session: [], global, scoped: false }
  let depth = 0
  let expectName = true
  for (let i = 1; i < tokens.length; i++) {
    const word = words[i]!
    if (word === '(') depth++
    else if (word === ')') depth--
    if (depth > 0) continue
    if (word === ',') {
      expectName = true
      continue
    }
    if (!expectName) continue
    expectName = false
    if (word === 'NAMES' || word === 'CHARSET' || (word === 'CHARACTER' && words[i + 1] === 'SET')) {
      settings.push(...CHARSET_VARIABLES)
      continue
    }
    let at = i
    let scope = 'SESSION'
    if (word === 'GLOBAL' || word === 'SESSION' || word === 'LOCAL' || word === 'PERSIST' || word === 'PERSIST_ONLY') {
      scope = word
      at++
    } else if (word === '@' && words[i + 1] === '@') {
      at += 2
      const qualifier = words[at]
      if ((qualifier === 'GLOBAL' || qualifier === 'SESSION' || qualifier === 'LOCAL') && words[at + 1] === '.') {
        scope = qualifier
        at += 2
      }
    } else if (word === '@') {
      continue // a user variable
    }
    const token = tokens[at]
    const name = token === undefined ? undefined : identifierName(token)
    if (scope === 'GLOBAL' || scope === 'PERSIST' || scope === 'PERSIST_ONLY') global = true
    else if (name !== undefined) settings.push(name.toLowerCase())
    i = at
  }
  return { session: settings, global, scoped: false }
}

/**
 * `RELEASE_ALL_LOCKS()`, or `RELEASE_LOCK('glorious-migrate:…')` (any letter case): the lock the
 * run holds (`mysql-lock.ts`). A name computed at run time is caught by effect instead.
 */
function releasesMigrationLock(tokens: readonly SignificantToken[]): string | undefined {
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as SignificantToken
    if (token.kind !== TokenKind.Word) continue
    if (token.upper === 'RELEASE_ALL_LOCKS') return 'RELEASE_ALL_LOCKS'
    const name = tokens[i + 2]
    if (
      token.upper === 'RELEASE_LOCK' &&
      tokens[i + 1]?.text === '(' &&
      name?.kind === TokenKind.String &&
      name.text.slice(1).toLowerCase().startsWith(MIGRATION_LOCK_PREFIX)
    )
      return `RELEASE_LOCK(${name.text})`
  }
  return undefined
}

function reservedTableIn(tokens: readonly SignificantToken[], reserved: readonly string[]): string | undefined {
  if (reserved.length === 0) return undefined
  const wanted = new Map(reserved.map((name) => [name.toLowerCase(), name]))
  for (const token of tokens) {
    const name = identifierName(token)
    if (name === undefined) continue
    const found = wanted.get(name.toLowerCase())
    if (found !== undefined) return found
  }
  return undefined
}
