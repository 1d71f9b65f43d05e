import type { Kysely } from 'kysely'
import type { GloriousMigrateError } from '../errors.js'

/** One statement of a migration file, as the dialect's splitter found it. */
export interface SqlStatement {
  /** 1-based position of the statement in its file. */
  readonly index: number
  /** 1-based line of the statement's first token in the file. */
  readonly line: number
  /** The statement text, unaltered, from its first token to its terminator. */
  readonly sql: string
  /** The first few tokens as written, for classification (`PRAGMA`, `foreign_keys`, `=`, `OFF`, …). */
  readonly head: readonly string[]
}

export interface SplitResult {
  readonly statements: readonly SqlStatement[]
  /** Set when the text cannot be split (an unterminated string, comment or trigger). */
  readonly problem?: { readonly line: number; readonly reason: string }
}

/**
 * How a migration must be run:
 * - `transaction`: in a transaction (batched with its neighbours, each in its own savepoint);
 * - `foreign-keys-off`: in its own transaction, with foreign keys switched off before it begins
 *   and checked before it commits (SQLite's table-rebuild idiom);
 * - `no-transaction`: statement by statement, outside any transaction (opt-in only).
 */
export type TransactionMode = 'transaction' | 'foreign-keys-off' | 'no-transaction'

/** A statement that cannot run in the mode the migration asked for. */
export interface StatementProblem {
  readonly statement: SqlStatement
  readonly reason: string
  readonly hint: string
}

export interface MigrationAnalysis {
  readonly mode: TransactionMode
  readonly problems: readonly StatementProblem[]
  /** Connection settings the migration changes, restored after it so no migration leaks into the next. */
  readonly connectionSettings: readonly string[]
  /**
   * The tables and views the migration creates, drops or renames, read from its statements, or
   * `undefined` when they cannot be read (then the runner compares listings before and after).
   */
  readonly objectChanges: readonly SchemaObjectChange[] | undefined
}

/** A change to the set of tables and views, as a statement declares it. */
export type SchemaObjectChange =
  | { readonly kind: 'create'; readonly name: string; readonly type: 'table' | 'view'; readonly ifNotExists: boolean }
  | { readonly kind: 'drop'; readonly name: string }
  | { readonly kind: 'rename'; readonly from: string; readonly to: string }

/** A table or view, as far as ownership tracking needs to know it. */
export interface SchemaObject {
  readonly name: string
  readonly type: 'table' | 'view'
  /** Identity that survives a rename (SQLite: rootpage), or `undefined` when the dialect has none. */
  readonly identity: string | undefined
}

/** A foreign-key violation as reported by the database. */
export interface ForeignKeyViolation {
  readonly table: string
  readonly rowid: number | null
  readonly parent: string
}

/**
 * Everything that differs between database engines, behind one small interface: statement
 * splitting, which statements may run in a transaction, how the migration lock is taken, and
 * the few catalog queries the runner needs. The runner and the ledger never look past it.
 */
export interface MigrationDialect {
  readonly name: 'sqlite' | 'postgres' | 'mysql'

  /** Splits migration text into statements, exactly where the engine's own client would. */
  split(text: string): SplitResult

  /**
   * Decides how a migration must run and which of its statements cannot run that way (including
   * any reference to the toolkit's own `reservedTables`).
   */
  analyze(
    statements: readonly SqlStatement[],
    options: { readonly noTransaction: boolean; readonly reservedTables: readonly string[] },
  ): MigrationAnalysis

  /**
   * Prepares a connection for a migration run (lock wait, …) and returns a function that puts
   * the connection's settings back.
   */
  prepareConnection(db: Kysely<any>, lockTimeoutMs: number): Promise<() => Promise<void>>

  /** Begins a transaction that holds the database's migration lock until it ends. */
  beginLockedTransaction(db: Kysely<any>): Promise<void>
  commit(db: Kysely<any>): Promise<void>
  rollback(db: Kysely<any>): Promise<void>
  savepoint(db: Kysely<any>, name: string): Promise<void>
  releaseSavepoint(db: Kysely<any>, name: string): Promise<void>
  rollbackToSavepoint(db: Kysely<any>, name: string): Promise<void>

  /**
   * Holds a lock that serialises migrators outside any transaction (for `no-transaction`
   * migrations) and returns its release function.
   */
  acquireSessionLock(db: Kysely<any>, lockTimeoutMs: number): Promise<() => Promise<void>>

  /** Runs one statement of a migration. */
  executeStatement(db: Kysely<any>, sql: string): Promise<void>

  tableExists(db: Kysely<any>, table: string): Promise<boolean>
  columnNames(db: Kysely<any>, table: string): Promise<readonly string[]>

  listSchemaObjects(db: Kysely<any>): Promise<readonly SchemaObject[]>

  foreignKeysEnabled(db: Kysely<any>): Promise<boolean>
  setForeignKeys(db: Kysely<any>, enabled: boolean): Promise<void>
  foreignKeyViolations(db: Kysely<any>): Promise<readonly ForeignKeyViolation[]>

  readSetting(db: Kysely<any>, name: string): Promise<string | undefined>
  writeSetting(db: Kysely<any>, name: string, value: string): Promise<void>

  /**
   * Checks the database's own structure before a run writes to it, so a damaged database is
   * reported instead of being written to. Throws a clear error when it is damaged.
   */
  checkIntegrity?(db: Kysely<any>, database: string): Promise<void>

  /** Turns a driver error into a clear one (lock timeout, read-only, not a database, …), if it is one of those. */
  describeError(error: unknown, database: string, lockTimeoutMs: number): GloriousMigrateError | undefined

  /** The database's own message for a failed statement, without driver decoration. */
  errorMessage(error: unknown): string
}
