import { createHash } from 'node:crypto'
import { type Kysely, type RawBuilder, sql } from 'kysely'
import type {
  DialectCapabilities,
  MigrationAnalysis,
  MigrationDialect,
  ReservedTablesDefinitions,
  SchemaObject,
  SqlStatement,
  TransactionMode,
} from '../dialect.js'
import {
  ER_NO_SUCH_TABLE,
  describeMysqlError,
  isUndefinedTableOrColumn,
  mysqlErrno,
  mysqlErrorFacts,
  mysqlMessage,
  mysqlRetryableReason,
} from './mysql-errors.js'
import { identifierName, quoteIdent, significantTokens } from './mysql-lexer.js'
import { lexingOf } from './mysql-splitter.js'
import { runsUnreadStatements } from './mysql-unread-statements.js'
import { acquireMysqlLock, holdsMigrationLock } from './mysql-lock.js'
import { describeMysqlLocks } from './mysql-plan-locks.js'
import { probeMysqlStatement } from './mysql-probe.js'
import { splitMysqlStatements } from './mysql-splitter.js'
import { analyzeMysqlMigration } from './mysql-statement-rules.js'

const CAPABILITIES: DialectCapabilities = Object.freeze({
  // DDL commits implicitly before and after: a migration with DDL cannot be atomic.
  transactionalDdl: false,
  runStrategy: 'statement-progress',
  lockScope: 'session',
  caseInsensitiveNames: false,
  batchStatements: false,
})

const SETTING_NAME = /^[a-z_][a-z0-9_]*$/

/**
 * MySQL and MariaDB: statements split as the `mysql` client does (compound statements need no
 * DELIMITER), a migration with only DML runs atomically in one transaction, one whose statements
 * commit implicitly runs statement by statement with its progress recorded, the lock is a named
 * `GET_LOCK` held by the run's session, and metadata lock waits are bounded.
 */
export const mysqlDialect: MigrationDialect = Object.freeze<MigrationDialect>({
  name: 'mysql',
  capabilities: CAPABILITIES,

  split: (text) => splitMysqlStatements(text),
  significantTokens: (text) => significantTokens(text).map((token) => token.text),

  analyze(statements, options): MigrationAnalysis {
    const analysis = analyzeMysqlMigration(statements, options)
    const mode: TransactionMode =
      analysis.mode === 'transaction'
        ? 'transaction'
        : analysis.mode === 'no-transaction'
          ? 'no-transaction'
          : 'statement-by-statement'
    const commits = analysis.statements.filter((statement) => statement.commitsImplicitly)
    return Object.freeze({
      mode,
      transaction: analysis.mode === 'transaction' ? 'inside' : 'outside',
      // FOREIGN_KEY_CHECKS = 0 takes effect at once, in or out of a transaction; it is restored
      // after the migration like any session setting.
      foreignKeysOff: false,
      checkDeferredForeignKeys: false,
      editsSchemaDirectly: false,
      problems: analysis.problems,
      connectionSettings: analysis.connectionSettings,
      objectChanges: analysis.objectChanges,
      notes: Object.freeze(
        commits.length > 0 && analysis.mode === 'statement-progress'
          ? [
              `runs statement by statement with its progress recorded: ${commits.length} of its statements commit implicitly (first: statement ${commits[0]?.statement.index}, ${commits[0]?.commitReason})`,
            ]
          : [],
      ),
      implicitCommits: Object.freeze(analysis.statements.map((statement) => statement.commitsImplicitly)),
      sessionOnly: Object.freeze(analysis.statements.map((statement) => statement.sessionOnly)),
    })
  },

  describeLocks: async (statements) => describeMysqlLocks(statements),

  async prepareConnection(conn, settings) {
    const { rows } = await sql<{ lock_wait: number; innodb_wait: number }>`
      SELECT @@SESSION.lock_wait_timeout AS lock_wait, @@SESSION.innodb_lock_wait_timeout AS innodb_wait`.execute(conn)
    // Bounded waits for table locks (metadata locks for DDL, row locks for DML), so a migration
    // queued behind a long transaction cannot stall the application; 0 means no bound.
    const seconds =
      settings.statementLockTimeoutMs === 0 ? 31536000 : Math.max(1, Math.ceil(settings.statementLockTimeoutMs / 1000))
    await sql
      .raw(`SET SESSION lock_wait_timeout = ${seconds}, SESSION innodb_lock_wait_timeout = ${seconds}`)
      .execute(conn)
    return async () => {
      const previous = rows[0]
      if (previous) {
        await sql
          .raw(
            `SET SESSION lock_wait_timeout = ${Number(previous.lock_wait)}, SESSION innodb_lock_wait_timeout = ${Number(previous.innodb_wait)}`,
          )
          .execute(conn)
      }
    }
  },

  async beginTransaction(conn) {
    await sql`START TRANSACTION`.execute(conn)
  },
  async commit(conn) {
    await sql`COMMIT`.execute(conn)
  },
  async rollback(conn) {
    await sql`ROLLBACK`.execute(conn)
  },
  async savepoint(conn, name) {
    await sql.raw(`SAVEPOINT ${name}`).execute(conn)
  },
  async releaseSavepoint(conn, name) {
    await sql.raw(`RELEASE SAVEPOINT ${name}`).execute(conn)
  },
  async rollbackToSavepoint(conn, name) {
    await sql.raw(`ROLLBACK TO SAVEPOINT ${name}`).execute(conn)
    await sql.raw(`RELEASE SAVEPOINT ${name}`).execute(conn)
  },

  async acquireLock(conn, lockTimeoutMs) {
    const { rows } = await sql<{ db: string | null }>`SELECT DATABASE() AS db`.execute(conn)
    return acquireMysqlLock(conn, lockTimeoutMs, `mysql ${rows[0]?.db ?? ''}`)
  },

  async executeStatement(conn, text) {
    // A statement that may release user locks (RELEASE_ALL_LOCKS(), a RELEASE_LOCK of a name it
    // computes, in a procedure or dynamic SQL) must not release the toolkit's: another migrator
    // would run beside this one. Checked by effect around such statements only (one round trip
    // each before and after); the lock is taken back and the statement fails.
    const held = mayReleaseLocks(text) ? await holdsMigrationLock(conn) : undefined
    await sql.raw(text).execute(conn)
    if (held?.held && !(await holdsMigrationLock(conn)).held) {
      await sql`SELECT GET_LOCK(${held.name}, 0)`.execute(conn)
      throw new Error(
        `it released the toolkit's migration lock (${held.name}), which must be held until the run ends: another migrator could have run beside this one. Release only locks of your own, by name (RELEASE_LOCK('my-lock')), never RELEASE_ALL_LOCKS()`,
      )
    }
  },

  async tableExists(conn, table) {
    const { rows } = await sql`
      SELECT 1 AS found FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ${table} AND TABLE_TYPE = 'BASE TABLE'`.execute(conn)
    return rows.length > 0
  },
  async columnNames(conn, table) {
    const { rows } = await sql<{ name: string }>`
      SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ${table} ORDER BY ORDINAL_POSITION`.execute(conn)
    return rows.map((row) => row.name)
  },
  async listSchemaObjects(conn, names): Promise<readonly SchemaObject[]> {
    // By name, one equality each: MariaDB then reads those tables alone, where the whole listing
    // reads every table of the schema (milliseconds with a few hundred).
    const { rows } =
      names === undefined
        ? await sql<{ name: string; type: string }>`
            SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES
            WHERE TABLE_SCHEMA = DATABASE()`.execute(conn)
        : names.length === 0
          ? { rows: [] }
          : await sql<{ name: string; type: string }>`${sql.join(
              [...new Set(names)].map(
                (name) => sql`SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES
                  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ${name}`,
              ),
              sql` UNION ALL `,
            )}`.execute(conn)
    return rows.map((row) => ({
      name: row.name,
      type: row.type === 'VIEW' ? 'view' : 'table',
      identity: undefined,
    }))
  },

  async foreignKeysEnabled(conn) {
    const { rows } = await sql<{ on: number }>`SELECT @@SESSION.foreign_key_checks AS \`on\``.execute(conn)
    return Number(rows[0]?.on) === 1
  },
  async setForeignKeys(conn, enabled) {
    await sql.raw(`SET SESSION foreign_key_checks = ${enabled ? 1 : 0}`).execute(conn)
  },
  // MySQL has no check of existing rows against foreign keys, and no deferred constraints.
  async foreignKeyViolations() {
    return []
  },
  async deferredForeignKeyTables() {
    return []
  },

  async readSetting(conn, name) {
    if (!SETTING_NAME.test(name)) return undefined
    const { rows } = await sql
      .raw<{ value: unknown }>(`SELECT @@SESSION.${name} AS value`)
      .execute(conn)
      .catch(() => ({ rows: [] as { value: unknown }[] }))
    const value = rows[0]?.value
    return value === undefined || value === null ? undefined : String(value)
  },
  async writeSetting(conn, name, value) {
    if (!SETTING_NAME.test(name)) return
    await sql
      .raw(`SET SESSION ${name} = ${/^-?\d+$/.test(value) ? value : `'${value.replaceAll("'", "''")}'`}`)
      .execute(conn)
  },

  async guardReservedTables() {
    return undefined
  },
  async reservedTablesFingerprint(conn, reservedTables, options) {
    // The same text as read below: the rows' part is `rowsText` of every existing table's sums.
    if (options.known !== undefined && options.except === undefined) {
      return options.rows === 'none'
        ? options.known.definitions.fingerprint
        : `${options.known.definitions.fingerprint}:${options.known.rows}`
    }
    const definitions = await reservedDefinitions(conn, reservedTables, undefined)
    if (options.rows === 'none') return definitions.fingerprint
    return `${definitions.fingerprint}:${(await reservedRows(conn, reservedTables, definitions, options.except)).text}`
  },
  async reservedTablesState(conn, reservedTables, options) {
    const known = options.known as MysqlReservedDefinitions | undefined
    const definitions =
      known !== undefined && options.since === undefined
        ? known
        : await reservedDefinitions(
            conn,
            reservedTables,
            known !== undefined && options.since?.every(cannotChangeTriggers) ? known.triggers : undefined,
          )
    if (options.knownRows !== undefined && options.writes === undefined) {
      return { definitions, rows: options.knownRows }
    }
    const read = await reservedRows(conn, reservedTables, definitions, options.except, options.writes)
    const writes = options.writes
    const except = options.except
    return {
      definitions,
      rows: options.knownRows ?? read.text,
      afterWrites:
        writes === undefined
          ? undefined
          : async () => {
              // What those rows are now, against what they were: the sums move by the difference.
              const now = await reservedRows(conn, reservedTables, definitions, undefined, writes, except)
              const sums = new Map(read.sums)
              const move = (table: string, sign: bigint, part: { n: bigint; sum: bigint } | undefined) => {
                const total = sums.get(table)
                if (total === undefined || part === undefined) return
                sums.set(table, { n: total.n + sign * part.n, sum: total.sum + sign * part.sum })
              }
              move(writes.table, -1n, read.written)
              move(writes.table, 1n, now.written)
              move(reservedTables[0] as string, 1n, now.ledgerRow)
              return rowsText(sums)
            },
    }
  },

  probeStatement: probeMysqlStatement,
  cannotReachReservedTables,

  describeError(error, database, lockTimeoutMs) {
    return describeMysqlError(error, database, lockTimeoutMs)
  },
  errorMessage: mysqlMessage,
  errorFacts: mysqlErrorFacts,
  retryableReason: mysqlRetryableReason,
  isUndefinedTableOrColumn,
})

/**
 * Whether a statement may release user locks: it says RELEASE (RELEASE_LOCK, RELEASE_ALL_LOCKS,
 * in any spelling, in a string of dynamic SQL too), or runs statements that cannot be read here
 * (CALL, EXECUTE, a compound statement). A stored function called from other statements is not
 * seen.
 */
function mayReleaseLocks(text: string): boolean {
  return /release/i.test(text) || runsUnreadStatements(significantTokens(text).map((token) => token.upper))
}

/** The definitions as `reservedDefinitions` reads them, with the part for triggers on its own. */
interface MysqlReservedDefinitions extends ReservedTablesDefinitions {
  readonly triggers: string
}

/**
 * The definitions of the toolkit's tables: for each, its absence, or its `SHOW CREATE TABLE`
 * (which also gives its columns; an absent table is its error, ~0.1 ms, where information_schema's
 * lookup by name costs milliseconds right after DDL), and the triggers on them — read in one query
 * (information_schema reads each table's trigger file: ~0.25 ms a table), or taken from
 * `triggers` when the caller knows they cannot have changed.
 */
async function reservedDefinitions(
  conn: Kysely<any>,
  reservedTables: readonly string[],
  triggers: string | undefined,
): Promise<MysqlReservedDefinitions> {
  const { rows: meta } =
    triggers === undefined
      ? await sql<{ tbl: string }>`${sql.join(
          reservedTables.map(
            (table) =>
              sql`SELECT EVENT_OBJECT_TABLE AS tbl, TRIGGER_NAME AS name, ACTION_TIMING AS timing, EVENT_MANIPULATION AS event, ACTION_ORDER AS seq, ACTION_STATEMENT AS body
                FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = ${table}`,
          ),
          sql` UNION ALL `,
        )} ORDER BY 1, 2`.execute(conn)
      : { rows: [] }
  const hash = createHash('sha256')
  const columns = new Map<string, string[]>()
  for (const table of reservedTables) {
    let definition: Record<string, unknown>[] | undefined
    try {
      definition = (await sql.raw<Record<string, unknown>>(`SHOW CREATE TABLE ${quoteIdent(table)}`).execute(conn)).rows
    } catch (error) {
      if (mysqlErrno(error) !== ER_NO_SUCH_TABLE) throw error // absent
    }
    if (definition === undefined) {
      hash.update(`${table}:absent;`)
      continue
    }
    hash.update(JSON.stringify([table, definition]))
    const create = definition[0]?.['Create Table']
    const names =
      typeof create === 'string'
        ? [...create.matchAll(/^ {2}`((?:[^`]|``)+)` /gm)].map((match) => `\`${match[1]}\``)
        : []
    // A view under a reserved name (`Create View`): its columns from the catalog.
    columns.set(table, names.length > 0 ? names : await columnsOf(conn, table))
  }
  const triggersPart = triggers ?? createHash('sha256').update(JSON.stringify(meta)).digest('hex')
  hash.update(triggersPart)
  return Object.freeze({ fingerprint: hash.digest('hex'), columns, triggers: triggersPart })
}

/**
 * Whether a statement certainly cannot create or drop a trigger, whatever table it names: DML
 * (stored functions and triggers it may run cannot use dynamic SQL, nor create triggers), and
 * `CREATE TABLE | INDEX | VIEW`, `ALTER TABLE` without `RENAME`, `DROP INDEX | VIEW`, `SET` (not
 * `SET STATEMENT … FOR`). Anything else — `CREATE | DROP TRIGGER`, `EXECUTE` (a prepared
 * `CREATE TRIGGER` runs), `CALL`, compound statements, `DROP | RENAME TABLE` (a table's triggers
 * go with it) — may.
 */
function cannotChangeTriggers(statement: SqlStatement): boolean {
  const words = significantTokens(statement.sql).map((token) => token.upper)
  const [first, second] = words
  switch (first) {
    case 'INSERT':
    case 'UPDATE':
    case 'DELETE':
    case 'REPLACE':
    case 'SELECT':
    case 'WITH':
      return true
    case 'SET':
      return second !== 'STATEMENT'
    case 'ALTER':
      return (second === 'TABLE' || (second === 'ONLINE' && words[2] === 'TABLE')) && !words.includes('RENAME')
    case 'DROP':
      return second === 'INDEX' || second === 'VIEW'
    case 'CREATE': {
      const kind = words.find((word, i) => i > 0 && i < 14 && CREATE_KINDS.has(word))
      return kind === 'TABLE' || kind === 'INDEX' || kind === 'VIEW'
    }
    default:
      return false
  }
}

/**
 * Whether a statement certainly cannot reach the toolkit's tables: `CREATE [OR REPLACE]
 * [TEMPORARY] TABLE` without a query (`… SELECT` runs the functions it calls, which may write any
 * table; DEFAULT, CHECK and generated columns refuse stored functions), `CREATE … INDEX`,
 * `ALTER [ONLINE] [IGNORE] TABLE`, `CREATE [OR REPLACE] [ALGORITHM = …] [SQL SECURITY …] VIEW` and
 * `CREATE [OR REPLACE] TRIGGER` (creating a view or a trigger runs nothing; a trigger runs when a
 * later statement fires it, and that statement is guarded) — with no `DEFINER` clause, no
 * executable comment, and no name anywhere in it (any part of a qualified name, quoted or not, in
 * any letter case, nor anywhere in its text: a string such as a FEDERATED table's `CONNECTION`)
 * that is one of the toolkit's tables. Everything else — DML, `DROP` (`DROP
 * TRIGGER t` may drop a trigger of the toolkit's tables without naming them), `RENAME`, `CALL`,
 * `EXECUTE`, `SET`, … — may.
 */
export function cannotReachReservedTables(statement: SqlStatement, reservedTables: readonly string[]): boolean {
  if (/\/\*[!M]/i.test(statement.sql)) return false
  const reserved = new Set(reservedTables.map((table) => table.toLowerCase()))
  // Anywhere in the text, strings and comments included (a FEDERATED table's CONNECTION string).
  const text = statement.sql.toLowerCase()
  for (const table of reserved) if (text.includes(table)) return false
  const tokens = significantTokens(statement.sql, lexingOf(statement))
  for (const token of tokens) {
    const name = identifierName(token)
    if (name !== undefined && reserved.has(name.toLowerCase())) return false
    if (token.upper === 'DEFINER') return false
  }
  const words = tokens.map((token) => token.upper)
  let at = 1
  const skip = (...options: string[]) => {
    if (options.includes(words[at] as string)) at++
  }
  if (words[0] === 'ALTER') {
    skip('ONLINE')
    skip('IGNORE')
    return words[at] === 'TABLE'
  }
  if (words[0] !== 'CREATE') return false
  if (words[at] === 'OR' && words[at + 1] === 'REPLACE') at += 2
  switch (words[at]) {
    case 'TEMPORARY':
    case 'TABLE':
      skip('TEMPORARY')
      // No query: `… SELECT`, and MySQL 8's `… TABLE t` and `… VALUES` (a second TABLE).
      return (
        words[at] === 'TABLE' &&
        !words.includes('SELECT') &&
        !words.includes('VALUES') &&
        words.indexOf('TABLE', at + 1) < 0
      )
    case 'TRIGGER':
      return true
    default:
  }
  skip('ONLINE', 'OFFLINE')
  skip('UNIQUE', 'FULLTEXT', 'SPATIAL')
  if (words[at] === 'INDEX') return true
  if (words[at] === 'ALGORITHM' && words[at + 1] === '=') at += 3
  if (words[at] === 'SQL' && words[at + 1] === 'SECURITY') at += 3
  return words[at] === 'VIEW'
}

/** The object words a `CREATE` may name after its options; the first one found is what it creates. */
const CREATE_KINDS = new Set([
  'TABLE',
  'INDEX',
  'VIEW',
  'TRIGGER',
  'PROCEDURE',
  'FUNCTION',
  'EVENT',
  'DATABASE',
  'SCHEMA',
  'SEQUENCE',
  'USER',
  'ROLE',
  'SERVER',
  'PACKAGE',
])

interface RowSum {
  readonly n: bigint
  readonly sum: bigint
}

/**
 * The count and a checksum of each existing toolkit table's rows (all but the ledger row
 * `except`, which the toolkit itself updates as a migration progresses), in one round trip. The
 * checksum is a sum over rows, so the part of the rows the toolkit writes next (`writes`) is read
 * with it, and later read again alone (`only`) to carry the sums forward.
 * No per-transaction counters here: the rows themselves (a few thousand at most).
 *
 * @param only read only the `writes` rows and the ledger row `only` (not the totals)
 */
async function reservedRows(
  conn: Kysely<any>,
  reservedTables: readonly string[],
  definitions: ReservedTablesDefinitions,
  except: { readonly skill: string; readonly version: number } | undefined,
  writes?: { readonly table: string; readonly column: string; readonly keys: readonly string[] },
  only?: { readonly skill: string; readonly version: number },
): Promise<{ text: string; sums: Map<string, RowSum>; written?: RowSum; ledgerRow?: RowSum }> {
  const sumOf = (table: string, label: string, where: string): RawBuilder<unknown>[] => {
    const columns = definitions.columns.get(table)
    if (columns === undefined) return []
    return [
      sql.raw(
        `SELECT ${quoteString(label)} AS tbl, COUNT(*) AS n, ` +
          `COALESCE(SUM(CRC32(CONCAT_WS(0x1f, ${columns.length > 0 ? columns.join(', ') : "''"}))), 0) AS sum ` +
          `FROM ${quoteIdent(table)}${where}`,
      ),
    ]
  }
  const ledger = reservedTables[0] as string
  const keyOf = (row: { skill: string; version: number }) =>
    `skill_name = ${quoteString(row.skill)} AND version = ${Number(row.version)}`
  const parts = [
    ...(only === undefined
      ? reservedTables.flatMap((table) =>
          sumOf(table, table, except && table === ledger ? ` WHERE NOT (${keyOf(except)})` : ''),
        )
      : sumOf(ledger, '~ledger-row', ` WHERE ${keyOf(only)}`)),
    ...(writes === undefined || writes.keys.length === 0
      ? []
      : sumOf(
          writes.table,
          '~written',
          ` WHERE ${quoteIdent(writes.column)} IN (${writes.keys.map(quoteString).join(', ')})`,
        )),
  ]
  const sums = new Map<string, RowSum>()
  if (parts.length === 0) return { text: '', sums }
  const { rows } = await sql<{ tbl: string; n: unknown; sum: unknown }>`${sql.join(parts, sql` UNION ALL `)}`.execute(
    conn,
  )
  for (const row of rows) sums.set(row.tbl, { n: BigInt(String(row.n)), sum: BigInt(String(row.sum)) })
  const written = writes === undefined ? undefined : (sums.get('~written') ?? { n: 0n, sum: 0n })
  const ledgerRow = sums.get('~ledger-row')
  sums.delete('~written')
  sums.delete('~ledger-row')
  return {
    text: rowsText(sums),
    sums,
    ...(written === undefined ? {} : { written }),
    ...(ledgerRow === undefined ? {} : { ledgerRow }),
  }
}

/** The rows part of a state: each table's count and checksum, in the order of the tables. */
function rowsText(sums: ReadonlyMap<string, RowSum>): string {
  return JSON.stringify(
    [...sums]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([table, { n, sum }]) => [table, n.toString(), sum.toString()]),
  )
}

async function columnsOf(conn: Kysely<any>, table: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ${table} ORDER BY ORDINAL_POSITION`.execute(conn)
  return rows.map((row) => quoteIdent(row.name))
}

function quoteString(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`
}
