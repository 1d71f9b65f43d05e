/**
 * A private in-memory SQLite database, where the introspector asks SQLite itself what it would
 * do (store a default, resolve a view's columns) without writing to the database it describes.
 * better-sqlite3 is loaded here, on first use, like the rest of codegen.
 *
 * @module
 */

/** The part of a better-sqlite3 database the introspector uses. */
export interface ScratchDatabase {
  exec(sql: string): unknown
  prepare(sql: string): {
    run(...values: unknown[]): unknown
    get(...values: unknown[]): unknown
    columns(): { name: string; column: string | null; table: string | null }[]
  }
  close(): unknown
}

export async function openScratchDatabase(): Promise<ScratchDatabase> {
  const { default: Database } = await import('better-sqlite3')
  return new Database(':memory:') as unknown as ScratchDatabase
}
