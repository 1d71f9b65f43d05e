import type { SqliteDatabase, SqliteStatement } from 'kysely'

/**
 * Wraps a better-sqlite3 database so that Kysely's driver, which prepares every query afresh,
 * reuses one prepared statement per SQL text (the ledger insert of every migration is the same
 * text). Fewer live statements matter on SQLite: each schema change walks all of them.
 */
export function withStatementCache(database: SqliteDatabase, capacity = 64): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>()
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      const cached = cache.get(sql)
      if (cached) {
        cache.delete(sql) // re-insert: the Map's order is the least-recently-used order
        cache.set(sql, cached)
        return cached
      }
      const statement = database.prepare(sql)
      cache.set(sql, statement)
      if (cache.size > capacity) cache.delete(cache.keys().next().value as string)
      return statement
    },
  }
}
