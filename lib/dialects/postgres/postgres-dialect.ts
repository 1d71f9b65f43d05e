import { createHash } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type {
  DialectCapabilities,
  MigrationAnalysis,
  MigrationDialect,
  SchemaObject,
  SchemaObjectChange,
  TransactionMode,
} from '../dialect.js'
import { describePostgresError, postgresCode, postgresErrorFacts, postgresRetryableReason } from './postgres-errors.js'
import { dropInvalidIndexLeftBehind } from './postgres-invalid-index.js'
import { significantTokens } from './postgres-lexer.js'
import { acquirePostgresLock } from './postgres-lock.js'
import { postgresOneMessage } from './postgres-one-message.js'
import { describePostgresLocks } from './postgres-plan-locks.js'
import type { PostgresObjectChange } from './postgres-object-changes.js'
import { splitPostgresStatements } from './postgres-splitter.js'
import { analyzePostgresMigration, classifyPostgresStatement } from './postgres-statement-rules.js'

const CAPABILITIES: DialectCapabilities = Object.freeze({
  transactionalDdl: true,
  // A run-wide transaction would hold early migrations' ACCESS EXCLUSIVE locks until the end.
  runStrategy: 'per-migration-transaction',
  lockScope: 'session',
  caseInsensitiveNames: false,
  batchStatements: true,
})

const SETTING_NAME = /^[a-z_][a-z0-9_.]*$/

/**
 * Stands for every setting a session may change, when a migration changes settings it does not
 * name (`RESET ALL`, `set_config(<expression>, …, false)`, a `SET` inside a `DO` block):
 * {@link readEverySetting} and {@link restoreEverySetting} put back whichever changed. Before,
 * such a change leaked into the rest of the run (`session_replication_role = replica` switched
 * off the next migrations' foreign keys; `RESET ALL` their `lock_timeout`).
 */
const EVERY_SETTING = 'glorious.every_setting'

/**
 * PostgreSQL: statements split where psql splits them, each migration in a transaction of its
 * own (DDL is transactional), a session advisory lock for the run, a bounded `lock_timeout` for
 * migration statements, and errors with PostgreSQL's position, DETAIL, HINT and SQLSTATE.
 */
export const postgresDialect: MigrationDialect = Object.freeze<MigrationDialect>({
  name: 'postgres',
  capabilities: CAPABILITIES,

  split: splitPostgresStatements,
  significantTokens: (text) => significantTokens(text).map((token) => token.text),

  analyze(statements, options): MigrationAnalysis {
    const analysis = analyzePostgresMigration(statements, options)
    const outside = analysis.mode !== 'transaction'
    const mode: TransactionMode = outside ? 'no-transaction' : 'transaction'
    return Object.freeze({
      mode,
      transaction: outside ? 'outside' : 'inside',
      foreignKeysOff: false,
      // Deferred constraints are checked at each migration's own COMMIT, which fails that migration.
      checkDeferredForeignKeys: false,
      editsSchemaDirectly: false,
      problems: analysis.problems,
      connectionSettings: analysis.connectionSettings.some((name) => name === 'all' || !SETTING_NAME.test(name))
        ? [EVERY_SETTING]
        : analysis.connectionSettings,
      objectChanges: schemaObjectChanges(analysis.objectChanges),
      notes: Object.freeze([
        ...(analysis.mode === 'no-transaction-required'
          ? ['runs outside a transaction: its statements cannot run inside one']
          : []),
        ...analysis.caveats.map(
          (caveat) => `statement ${caveat.statement.index} (line ${caveat.statement.line}): ${caveat.note}`,
        ),
      ]),
    })
  },

  describeLocks: describePostgresLocks,
  oneMessage: postgresOneMessage,

  async prepareConnection(conn, settings) {
    // Every migration statement waits at most this long for a table lock, so a migration queued
    // behind a long transaction cannot stall the application's queries on that table.
    await sql`SELECT set_config('lock_timeout', ${`${Math.floor(settings.statementLockTimeoutMs)}ms`}, false)`.execute(
      conn,
    )
    return async () => {
      await sql`RESET lock_timeout`.execute(conn)
    }
  },

  async beginTransaction(conn) {
    await sql`BEGIN`.execute(conn)
  },
  async commit(conn) {
    await sql`COMMIT`.execute(conn)
  },
  async rollback(conn) {
    // Outside a transaction PostgreSQL only warns.
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
    const { rows } = await sql<{
      label: string
    }>`SELECT current_database() || '/' || current_schema() AS label`.execute(conn)
    return acquirePostgresLock(conn, lockTimeoutMs, `postgres ${rows[0]?.label ?? ''}`)
  },

  async executeStatement(conn, text) {
    // A CREATE INDEX CONCURRENTLY run again after an interruption rebuilds the INVALID index it left.
    await dropInvalidIndexLeftBehind(conn, text)
    await sql.raw(text).execute(conn)
  },

  async tableExists(conn, table) {
    const { rows } = await sql<{ found: boolean }>`
      SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = current_schema() AND c.relname = ${table} AND c.relkind IN ('r', 'p')) AS found`.execute(
      conn,
    )
    return rows[0]?.found === true
  },
  async columnNames(conn, table) {
    const { rows } = await sql<{ name: string }>`
      SELECT a.attname AS name FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relname = ${table} AND c.relkind IN ('r', 'p')
        AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`.execute(conn)
    return rows.map((row) => row.name)
  },

  async listSchemaObjects(conn): Promise<readonly SchemaObject[]> {
    const { rows } = await sql<{ schema: string; name: string; relkind: string; oid: number; current: boolean }>`
      SELECT n.nspname AS schema, c.relname AS name, c.relkind, c.oid, n.nspname = current_schema() AS current
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`.execute(conn)
    return rows.map((row) => ({
      name: row.current ? row.name : `${row.schema}.${row.name}`,
      type: row.relkind === 'v' ? 'view' : row.relkind === 'm' ? 'materialized-view' : 'table',
      identity: String(row.oid),
    }))
  },

  // PostgreSQL always enforces foreign keys (a migration cannot switch them off for the run), and
  // checks deferred ones at each migration's own COMMIT.
  async foreignKeysEnabled() {
    return true
  },
  async setForeignKeys() {},
  async foreignKeyViolations() {
    return []
  },
  async deferredForeignKeyTables() {
    return []
  },

  async readSetting(conn, name) {
    if (name === EVERY_SETTING) return readEverySetting(conn)
    if (!SETTING_NAME.test(name)) return undefined
    const { rows } = await sql<{ value: string | null }>`SELECT current_setting(${name}, true) AS value`.execute(conn)
    return rows[0]?.value ?? undefined
  },
  async writeSetting(conn, name, value) {
    if (name === EVERY_SETTING) return restoreEverySetting(conn, value)
    if (!SETTING_NAME.test(name)) return
    await sql`SELECT set_config(${name}, ${value}, false)`.execute(conn)
  },

  async guardReservedTables() {
    // No connection-local guard exists without superuser rights; the runner compares fingerprints.
    return undefined
  },

  async reservedTablesFingerprint(conn, reservedTables, options) {
    // Definitions: each table's identity, storage, columns, triggers, rules and policies, and what
    // an unqualified name resolves to (a temporary table would shadow it). Rows: in a transaction,
    // the server's own counters of rows this transaction inserted, updated and deleted in them
    // (pg_stat_xact_user_tables): no scan, and no write escapes them, whatever name it used.
    const { rows } = await sql<Record<string, unknown>>`
      SELECT t.name,
             c.oid::text AS oid, c.relfilenode::text AS storage, to_regclass(quote_ident(t.name))::oid::text AS resolves_to,
             (SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull::text, ',' ORDER BY a.attnum)
                FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
             (SELECT string_agg(tg.tgname || ':' || tg.tgenabled::text, ',' ORDER BY tg.tgname) FROM pg_trigger tg WHERE tg.tgrelid = c.oid) AS triggers,
             (SELECT count(*) FROM pg_rewrite r WHERE r.ev_class = c.oid)::text AS rules,
             (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)::text AS policies,
             c.relrowsecurity AS rls,
             ${
               options.rows === 'changes'
                 ? sql`(SELECT s.n_tup_ins || ':' || s.n_tup_upd || ':' || s.n_tup_del FROM pg_stat_xact_user_tables s WHERE s.relid = c.oid)`
                 : sql`''`
             } AS writes
      FROM unnest(${sql.val([...reservedTables])}::text[]) AS t(name)
      LEFT JOIN pg_namespace n ON n.nspname = current_schema()
      LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.name
      ORDER BY t.name`.execute(conn)
    const hash = createHash('sha256').update(JSON.stringify(rows))
    if (options.rows === 'content') {
      for (const table of reservedTables) {
        if (!(await postgresDialect.tableExists(conn, table))) continue
        const { rows: content } = await sql<{ digest: string | null }>`
          SELECT md5(string_agg(t::text, E'\n' ORDER BY t::text)) AS digest FROM ${sql.table(table)} AS t`.execute(conn)
        hash.update(content[0]?.digest ?? '')
      }
    }
    return hash.digest('hex')
  },

  describeError(error, database, lockTimeoutMs) {
    return describePostgresError(error, database, lockTimeoutMs)
  },
  errorMessage(error) {
    return error instanceof Error ? error.message : String(error)
  },
  errorFacts: postgresErrorFacts,
  async cleanupAfterFailure(conn, statement) {
    // A no-transaction file that failed inside a transaction of its own (after its own BEGIN)
    // left the session in that aborted transaction: every later statement of the run, of any
    // skill, would fail with "current transaction is aborted". It is rolled back here.
    const rolledBack = await rollBackAbortedTransaction(conn)
    // What a failed statement outside a transaction leaves behind (an INVALID index), and how to remove it.
    const onFailure = classifyPostgresStatement(statement).onFailure
    const notes = [
      rolledBack
        ? 'It failed inside the transaction the file opened itself (BEGIN), which was rolled back: the statements since that BEGIN were undone.'
        : undefined,
      onFailure,
    ].filter((note) => note !== undefined)
    return notes.length === 0 ? undefined : notes.join(' ')
  },
  retryableReason: postgresRetryableReason,
})

// The settings a session can change (not `transaction_*`, which belong to the transaction under
// way), with the role first: restoring it first gives back the rights the others may need.
const SETTABLE = `(SELECT 'role' AS name UNION ALL SELECT name FROM pg_catalog.pg_settings
  WHERE context IN ('user', 'superuser') AND name NOT LIKE 'transaction\\_%') AS s`

/** Every settable setting's current value, as JSON text: what {@link restoreEverySetting} puts back. */
async function readEverySetting(conn: Kysely<any>): Promise<string> {
  const { rows } = await sql<{ settings: string }>`
    SELECT pg_catalog.json_object_agg(s.name, pg_catalog.current_setting(s.name))::text AS settings
    FROM ${sql.raw(SETTABLE)}`.execute(conn)
  return rows[0]?.settings ?? '{}'
}

/** Puts back every setting that differs from `saved` ({@link readEverySetting}), the role first, each on its own. */
async function restoreEverySetting(conn: Kysely<any>, saved: string): Promise<void> {
  const values = JSON.parse(saved) as Record<string, string>
  const { rows } = await sql<{ name: string }>`
    SELECT s.name FROM ${sql.raw(SETTABLE)}
    WHERE pg_catalog.current_setting(s.name) IS DISTINCT FROM (${saved}::pg_catalog.json ->> s.name)`.execute(conn)
  const changed = rows.map((row) => row.name).sort((a, b) => Number(b === 'role') - Number(a === 'role'))
  let failed: unknown
  for (const name of changed) {
    const value = values[name]
    if (value === undefined) continue
    await sql`SELECT pg_catalog.set_config(${name}, ${value}, false)`.execute(conn).catch((error: unknown) => {
      failed ??= error
    })
  }
  if (failed !== undefined) throw failed
}

/** Rolls back the session's transaction when it is an aborted one (SQLSTATE 25P02 on any query); whether it did. */
async function rollBackAbortedTransaction(conn: Kysely<any>): Promise<boolean> {
  try {
    await sql`SELECT 1`.execute(conn)
    return false
  } catch (error) {
    if (postgresCode(error) !== '25P02') return false // in_failed_sql_transaction
    await sql`ROLLBACK`.execute(conn)
    return true
  }
}

/**
 * The splitter's object changes as ownership tracking sees them; `undefined` (compare listings
 * instead) when a change names a schema or moves an object between schemas, where only the
 * server knows which name it resolves to.
 */
function schemaObjectChanges(
  changes: readonly PostgresObjectChange[] | undefined,
): readonly SchemaObjectChange[] | undefined {
  if (changes === undefined) return undefined
  const result: SchemaObjectChange[] = []
  for (const change of changes) {
    if (change.type === 'enum' || change.type === 'type') continue
    if (change.kind === 'set-schema' || change.schema !== undefined) return undefined
    const type = change.type === 'foreign-table' ? 'table' : change.type
    if (change.kind === 'create')
      result.push({ kind: 'create', name: change.name, type, ifNotExists: change.ifNotExists || change.orReplace })
    else if (change.kind === 'drop') {
      if (change.cascade) return undefined // dependent views go too
      result.push({ kind: 'drop', name: change.name })
    } else result.push({ kind: 'rename', from: change.from, to: change.to })
  }
  return Object.freeze(result)
}
