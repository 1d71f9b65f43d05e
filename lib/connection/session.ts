import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../dialects/dialect.js'

/** An open database: the Kysely instance, its dialect, and how users know it. */
export interface DatabaseSession {
  /** The Kysely instance (a pool for server databases). Never use it inside {@link pinned}. */
  readonly db: Kysely<any>
  readonly dialect: MigrationDialect
  /** The database as users know it (a path, or a URL without its password), for messages. */
  readonly label: string
  /** Identifies the database within this process, so runs on it in one process serialise. */
  readonly lockKey: string
  /** Opened read-only: nothing can be created or written through it. */
  readonly readonly: boolean
  /**
   * Runs `fn` on ONE connection held for its whole duration: with a pool, `BEGIN`, `SAVEPOINT`,
   * `COMMIT` and session locks must all reach the same connection. Queries inside `fn` must go
   * through the connection it is given.
   */
  pinned<T>(fn: (conn: Kysely<any>) => Promise<T>): Promise<T>
  /** Closes the connection(s) if this session opened them; a Kysely instance the caller gave is left open. */
  close(): Promise<void>
}
