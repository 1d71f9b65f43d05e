import { type Kysely, sql } from 'kysely'

/**
 * A lock that serialises migrators while a `no-transaction` migration runs, when the database's
 * own write lock cannot be held. It is the write lock of a small side database beside the main
 * file (`<db>.glorious-lock`): SQLite waits for it with its busy handler, and the operating
 * system releases it when the holder exits, even on `kill -9`, so it can never go stale.
 */
export async function acquireSqliteLock(conn: Kysely<any>, lockTimeoutMs: number): Promise<() => Promise<void>> {
  const { rows } = await sql<{ name: string; file: string }>`PRAGMA database_list`.execute(conn)
  const file = rows.find((row) => row.name === 'main')?.file
  if (!file) return async () => {} // in-memory or temporary: no other process can see it
  const { default: Database } = await import('better-sqlite3')
  const lock = new Database(`${file}.glorious-lock`, { timeout: lockTimeoutMs })
  try {
    lock.exec('BEGIN EXCLUSIVE')
  } catch (error) {
    lock.close()
    throw error
  }
  return async () => {
    lock.exec('COMMIT')
    lock.close()
  }
}
