import { sql } from 'kysely'
import type { OneMessageTransactions, ReservedTablesIdentity } from '../dialect.js'
import { postgresCode } from './postgres-errors.js'

/** The SQLSTATE the reserved-table check raises (class `GM`: not one PostgreSQL uses). */
const CHECK_FAILED = 'GM001'

// Locks a statement may take on the toolkit's tables without changing them: reading, `SELECT …
// FOR UPDATE`, and ShareUpdateExclusive, which a database-wide `ANALYZE` takes on every table.
const HARMLESS_LOCKS = ['AccessShareLock', 'RowShareLock', 'ShareUpdateExclusiveLock']

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
 * so objects the migration creates cannot stand in for `pg_locks` or its operators.
 */
export const postgresOneMessage: OneMessageTransactions = Object.freeze<OneMessageTransactions>({
  async readReservedTables(conn, reservedTables) {
    const { rows } = await sql<{ name: string; oid: string | null }>`
      SELECT t.name, pg_catalog.to_regclass(pg_catalog.quote_ident(t.name))::pg_catalog.oid::text AS oid
      FROM pg_catalog.unnest(${sql.val([...reservedTables])}::text[]) AS t(name)`.execute(conn)
    return Object.freeze({ tables: new Map(rows.map((row) => [row.name, row.oid])) })
  },

  reservedTablesCheck(identity: ReservedTablesIdentity): string {
    const present = [...identity.tables].filter((entry): entry is [string, string] => entry[1] !== null)
    const values = present.map(([name, oid]) => `(${oid}::pg_catalog.oid, ${literal(name)})`).join(', ')
    const locks =
      present.length === 0
        ? ''
        : `SELECT r.name || ' ' || l.mode INTO found
    FROM pg_catalog.pg_locks l JOIN (VALUES ${values}) AS r(oid, name) ON l.relation OPERATOR(pg_catalog.=) r.oid
    WHERE l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() AND l.locktype OPERATOR(pg_catalog.=) 'relation'
      AND l.granted AND l.mode OPERATOR(pg_catalog.<>) ALL (ARRAY[${HARMLESS_LOCKS.map(literal).join(', ')}])
    LIMIT 1;
  IF found IS NOT NULL THEN RAISE EXCEPTION USING ERRCODE = '${CHECK_FAILED}', MESSAGE = found; END IF;
`
    const resolves = [...identity.tables]
      .map(
        ([name, oid]) =>
          `  IF pg_catalog.to_regclass(${literal(`"${name}"`)})::pg_catalog.oid IS DISTINCT FROM ${oid === null ? 'NULL' : `${oid}::pg_catalog.oid`} THEN RAISE EXCEPTION USING ERRCODE = '${CHECK_FAILED}', MESSAGE = ${literal(`${name} resolves`)}; END IF;\n`,
      )
      .join('')
    return `DO $glorious_check$\nDECLARE found text;\nBEGIN\n  ${locks}${resolves}END\n$glorious_check$`
  },

  reservedTablesCheckFailure(error) {
    if (postgresCode(error) !== CHECK_FAILED) return undefined
    const [table = '?', mode = ''] = String((error as Error).message).split(' ')
    if (mode === 'resolves') return `made the name ${table} resolve to another table (a temporary table or search_path)`
    if (mode === 'RowExclusiveLock') return `wrote to ${table}`
    return `altered, truncated, dropped or locked ${table} (it took its ${mode})`
  },

  inline({ sql: text, parameters }) {
    // Only the toolkit's own queries come here: identifiers and placeholders, no literals whose
    // text a `$n` could sit in.
    if (text.includes("'")) throw new Error(`cannot inline parameters into a query with literals: ${text}`)
    return text.replace(/\$(\d+)/g, (_, index: string) => {
      const position = Number(index) - 1
      if (position < 0 || position >= parameters.length) throw new Error(`no parameter $${index} for: ${text}`)
      return inlineValue(parameters[position])
    })
  },

  // statement_timestamp() is when the server received the message the statement came in.
  elapsedMsExpression:
    '(EXTRACT(EPOCH FROM pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) pg_catalog.statement_timestamp()) OPERATOR(pg_catalog.*) 1000)::pg_catalog.int4',
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
