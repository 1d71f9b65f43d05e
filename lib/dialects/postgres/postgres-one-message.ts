import { sql } from 'kysely'
import type { OneMessageTransactions, ReservedTablesIdentity } from '../dialect.js'
import { postgresCode } from './postgres-errors.js'

// The check fails by casting a text that names what it found to an integer: a plain statement
// that fails only when it finds something. A PL/pgSQL DO block would be compiled and planned
// anew for every migration: measured here, 0.38 ms a migration against 0.17 ms for these two
// statements, on migrations that take about 1.5 ms.
const MARKER = 'glorious-check:'
const CAST_FAILED = '22P02'

// Locks a statement may take on the toolkit's tables without changing them: reading, `SELECT …
// FOR UPDATE`, and ShareUpdateExclusive, which a database-wide `ANALYZE` takes on every table.
const HARMLESS_LOCKS = ['AccessShareLock', 'RowShareLock', 'ShareUpdateExclusiveLock']

// Drops the session's temporary tables, views, sequences, functions and types (nothing when it has none).
const DROP_TEMPORARY_OBJECTS = 'DISCARD TEMP'

// When the current migration of a several-migration message started (see `startClock`).
const START_SETTING = 'glorious.migration_started'
const EPOCH_NOW = 'EXTRACT(EPOCH FROM pg_catalog.clock_timestamp())'
const NOTED = `pg_catalog.current_setting('${START_SETTING}', true)`
// NULLIF would look its operator up through search_path: spelled with the catalog's own.
const START_NOTED = `CASE WHEN ${NOTED} OPERATOR(pg_catalog.<>) '' THEN ${NOTED}::pg_catalog.numeric END`

/**
 * PostgreSQL's one-message transactions: a migration's `BEGIN`, statements, ledger row and
 * `COMMIT` go in one simple-query message, so a migration costs one round trip.
 *
 * The toolkit's tables are checked by effect in the same message, after the statements and
 * before the ledger row: any lock stronger than reading that the transaction holds on them means
 * it wrote to them or changed their definition (every write and every `ALTER`, `DROP`,
 * `TRUNCATE`, `CREATE TRIGGER|RULE|POLICY` takes one, through whatever name, function or trigger
 * it went), and each name must still resolve to the table it resolved to before (a temporary
 * table or a `search_path` change would shadow it). Everything in the check is schema-qualified,
 * and compares with the catalog's own operators, so objects the migration creates (or a
 * `search_path` it sets by dynamic SQL) cannot stand in for `pg_locks`, its functions or operators.
 */
export const postgresOneMessage: OneMessageTransactions = Object.freeze<OneMessageTransactions>({
  async readReservedTables(conn, reservedTables) {
    const { rows } = await sql<{ name: string; oid: string | null }>`
      SELECT t.name, pg_catalog.to_regclass(pg_catalog.quote_ident(t.name))::pg_catalog.oid::text AS oid
      FROM pg_catalog.unnest(${sql.val([...reservedTables])}::text[]) AS t(name)`.execute(conn)
    return Object.freeze({ tables: new Map(rows.map((row) => [row.name, row.oid])) })
  },

  reservedTablesCheck(identity: ReservedTablesIdentity): string {
    const tables = [...identity.tables]
    const present = tables.filter((entry): entry is [string, string] => entry[1] !== null)
    const fail = (what: string) => `CAST(${literal(`${MARKER} `)} OPERATOR(pg_catalog.||) ${what} AS pg_catalog.int4)`
    const statements: string[] = []
    if (present.length > 0) {
      const relation = 'l.relation::pg_catalog.int8'
      const names = present.map(([name, oid]) => `WHEN ${relation} OPERATOR(pg_catalog.=) ${oid} THEN ${literal(name)}`)
      statements.push(
        `SELECT ${fail(`(CASE ${names.join(' ')} END) OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) l.mode`)}
FROM pg_catalog.pg_locks l
WHERE l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() AND l.locktype OPERATOR(pg_catalog.=) 'relation'
  AND ${relation} OPERATOR(pg_catalog.=) ANY (ARRAY[${present.map(([, oid]) => oid).join(', ')}]::pg_catalog.int8[])
  AND l.mode OPERATOR(pg_catalog.<>) ALL (ARRAY[${HARMLESS_LOCKS.map(literal).join(', ')}])`,
      )
    }
    const rows = tables.map(
      ([name, oid]) =>
        `(${literal(name)}, pg_catalog.to_regclass(${literal(`"${name}"`)})::pg_catalog.oid::pg_catalog.int8, ${oid ?? 'NULL'}::pg_catalog.int8)`,
    )
    // IS DISTINCT FROM, spelled with the catalog's own operators only.
    statements.push(
      `SELECT ${fail(`r.name OPERATOR(pg_catalog.||) ' resolves'`)}
FROM (VALUES ${rows.join(', ')}) AS r(name, now, was)
WHERE CASE WHEN r.now IS NULL OR r.was IS NULL THEN (r.now IS NULL) OPERATOR(pg_catalog.<>) (r.was IS NULL)
           ELSE r.now OPERATOR(pg_catalog.<>) r.was END`,
    )
    // Temporary objects die with the migration that made them, not with the run's session: a
    // temporary table left behind would shadow a table for the next migrations of the run (their
    // INSERTs going into it and vanishing), and a file reading another's scratch table would
    // pass in one run and fail in another. Inside the transaction, so a rollback keeps them.
    statements.push(DROP_TEMPORARY_OBJECTS)
    return statements.join(';\n')
  },

  reservedTablesCheckFailure(error) {
    if (postgresCode(error) !== CAST_FAILED) return undefined
    const found = new RegExp(`${MARKER} (\\S+) (\\w+)`).exec(String((error as Error).message))
    if (!found) return undefined
    const [, table, mode] = found
    if (mode === 'resolves') return `made the name ${table} resolve to another table (a temporary table or search_path)`
    if (mode === 'RowExclusiveLock') return `wrote to ${table}`
    return `altered, truncated, dropped or locked ${table} (it took its ${mode})`
  },

  inline({ sql: text, parameters }) {
    // Only the toolkit's own queries come here: identifiers, placeholders and plain literals
    // (quoted names and literals skipped whole, so a `$n` inside one stays text); nothing with a
    // backslash to misread.
    if (text.includes('\\')) throw new Error(`cannot inline parameters into a query with backslashes: ${text}`)
    return text.replace(/"(?:[^"]|"")*"|'(?:[^']|'')*'|\$(\d+)/g, (match, index: string | undefined) => {
      if (index === undefined) return match
      const position = Number(index) - 1
      if (position < 0 || position >= parameters.length) throw new Error(`no parameter $${index} for: ${text}`)
      return inlineValue(parameters[position])
    })
  },

  deferDurability: 'SET LOCAL synchronous_commit = off',

  // Seconds since the epoch as numeric text: read back the same whatever DateStyle or TimeZone
  // say. Local to the transaction, so the next message's first migration finds it empty.
  startClock: `SELECT pg_catalog.set_config('${START_SETTING}', ${EPOCH_NOW}::pg_catalog.text, true)`,

  // statement_timestamp() is when the server received the message the statement came in.
  elapsedMsExpression: `((${EPOCH_NOW} OPERATOR(pg_catalog.-) COALESCE(${START_NOTED}, EXTRACT(EPOCH FROM pg_catalog.statement_timestamp()))) OPERATOR(pg_catalog.*) 1000)::pg_catalog.int4`,
})

/**
 * A parameter as the literal `pg` would have sent: text of unknown type, which the server reads
 * as the column's type exactly as it reads a parameter (`'1'` into an integer or a boolean).
 */
function inlineValue(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'string') return literal(value)
  if (typeof value === 'number' && Number.isFinite(value)) return literal(String(value))
  if (typeof value === 'bigint') return literal(String(value))
  if (typeof value === 'boolean') return literal(value ? 'true' : 'false')
  throw new TypeError(`cannot inline a ${typeof value} parameter`)
}

/**
 * A string literal that reads the same whatever `standard_conforming_strings` says: with a
 * backslash in it, an `E'…'` literal with backslashes doubled (as `pg`'s own `escapeLiteral`).
 */
function literal(text: string): string {
  if (text.includes('\u0000')) throw new TypeError('a text value cannot hold a NUL character on PostgreSQL')
  const quoted = text.replace(/'/g, "''")
  return text.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`
}
