import { type Kysely, sql } from 'kysely'
import { significantTokens } from './postgres-lexer.js'
import { classifyPostgresStatement } from './postgres-statement-rules.js'

/**
 * Before a `CREATE INDEX CONCURRENTLY`: drops the INVALID index of the same name that an
 * interrupted earlier attempt left behind (its migrator was killed, or the server aborted the
 * build), so that running the migration again builds the index instead of failing on "already
 * exists" — or, with `IF NOT EXISTS`, silently keeping an index PostgreSQL never uses.
 *
 * Only an index that is INVALID and that no session is building right now
 * (`pg_stat_progress_create_index`) is dropped; the caller holds the migration lock and the
 * ledger says this migration has not been applied. Returns the dropped index's name, if any.
 */
export async function dropInvalidIndexLeftBehind(conn: Kysely<any>, text: string): Promise<string | undefined> {
  // Cheap test first: this runs before every statement executed alone.
  if (!/concurrently/i.test(text)) return undefined
  const tokens = significantTokens(text, 8)
  if (tokens[0]?.text.toLowerCase() !== 'create') return undefined
  const index = classifyPostgresStatement({ sql: text, index: 1, line: 1, head: [] }).buildsIndex
  if (index === undefined) return undefined
  const { rows } = await sql<{ leftover: boolean }>`
    SELECT NOT i.indisvalid
           AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid) AS leftover
    FROM pg_index i WHERE i.indexrelid = to_regclass(${index})`.execute(conn)
  if (rows[0]?.leftover !== true) return undefined
  await sql.raw(`DROP INDEX CONCURRENTLY IF EXISTS ${index}`).execute(conn)
  return index
}
