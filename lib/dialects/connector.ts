import type { Kysely } from 'kysely'
import type { DatabaseTarget } from '../connection/database-options.js'
import type { DatabaseSession } from '../connection/session.js'
import type { EngineName, MigrationDialect } from './dialect.js'

/** How a session is opened. */
export interface OpenSettings {
  /** Read-only use (status, history, verify, dry runs): nothing is created or written. */
  readonly readonly: boolean
  readonly lockTimeoutMs: number
  /** SQLite: journal mode of a database file this call creates. */
  readonly journalMode: 'wal' | 'delete'
  /** SQLite: `PRAGMA foreign_keys` for the connection. */
  readonly foreignKeys: boolean
  /** SQLite: extensions to load. */
  readonly extensions: readonly string[]
  /** PostgreSQL: the schema of the ledger and the connection's `search_path`. */
  readonly schema: string | undefined
  /** Server databases: `lock_timeout` for migration statements, in milliseconds (0 = none). */
  readonly statementLockTimeoutMs: number
}

/**
 * How an engine connects: one per engine folder (`<engine>-connector.ts`), the only code that
 * imports the engine's driver (lazily).
 */
export interface EngineConnector {
  readonly engine: EngineName
  /** The dialect without a connection: splitting and analysis for checks of files only. */
  readonly dialect: MigrationDialect
  /** Whether the target database exists. Never creates anything. */
  exists(target: Exclude<DatabaseTarget, { kind: 'kysely' }>, settings: OpenSettings): Promise<boolean>
  /**
   * A read-only session on the target if it exists, else `undefined`, in one connection (the
   * servers' `exists` and `open` would connect twice). Without it, `exists` then `open` are used.
   */
  openExisting?(
    target: Exclude<DatabaseTarget, { kind: 'kysely' }>,
    settings: OpenSettings,
  ): Promise<DatabaseSession | undefined>
  /** Opens the target; a writable open creates the database when it is missing (where the engine can). */
  open(target: Exclude<DatabaseTarget, { kind: 'kysely' }>, settings: OpenSettings): Promise<DatabaseSession>
  /** Wraps a Kysely instance the caller owns (never closed by the session). */
  adopt(db: Kysely<any>, settings: OpenSettings): Promise<DatabaseSession>
}
