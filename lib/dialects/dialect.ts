import type { Kysely } from 'kysely'
import type { GloriousMigrateError } from '../errors.js'

/** The database engines glorious-migrate supports. */
export type EngineName = 'sqlite' | 'postgres' | 'mysql'

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
  /** 1-based column of the statement's first token, when the splitter records it. */
  readonly column?: number | undefined
  /** Offset of the statement's first character in the file text, when the splitter records it. */
  readonly offset?: number | undefined
}

export interface SplitResult {
  readonly statements: readonly SqlStatement[]
  /** Set when the text cannot be split (an unterminated string, comment or trigger). */
  readonly problem?: { readonly line: number; readonly reason: string }
}

/**
 * How a migration runs, as shown to users (`run --dry-run`, `--json`):
 * - `transaction`: atomically, in a transaction with its ledger row;
 * - `foreign-keys-off`: atomically, in a transaction of its own, with foreign-key enforcement
 *   switched off before it begins and the foreign keys checked before it commits;
 * - `no-transaction`: statement by statement outside any transaction (the file asked for it, or
 *   its statements cannot run in a transaction);
 * - `statement-by-statement`: statement by statement with its progress recorded, because the
 *   engine commits some of its statements implicitly (MySQL DDL).
 */
export type TransactionMode = 'transaction' | 'foreign-keys-off' | 'no-transaction' | 'statement-by-statement'

/** A statement that cannot run in the mode the migration asked for. */
export interface StatementProblem {
  readonly statement: SqlStatement
  readonly reason: string
  readonly hint: string
}

/** What the dialect found in a migration's statements: how it must run, and what it changes. */
export interface MigrationAnalysis {
  /** How it runs, for display. The runner follows the fields below, never this name. */
  readonly mode: TransactionMode
  /** `inside`: in a transaction; `outside`: statement by statement, outside any transaction. */
  readonly transaction: 'inside' | 'outside'
  /**
   * It switches foreign-key enforcement off (SQLite's table-rebuild idiom), which only takes
   * effect outside a transaction: it gets a transaction of its own, enforcement is switched off
   * before it begins, and the foreign keys are checked before it commits.
   */
  readonly foreignKeysOff: boolean
  /**
   * It may leave foreign-key violations that the database would only report at COMMIT (deferred
   * constraints): they are looked for before the migration's own savepoint or transaction ends.
   */
  readonly checkDeferredForeignKeys: boolean
  readonly problems: readonly StatementProblem[]
  /**
   * It can change table definitions without DDL (SQLite `writable_schema`): the toolkit's
   * tables are then compared by definition before and after it.
   */
  readonly editsSchemaDirectly: boolean
  /** Connection settings the migration changes, restored after it so no migration leaks into the next. */
  readonly connectionSettings: readonly string[]
  /**
   * The tables and views the migration creates, drops or renames, read from its statements, or
   * `undefined` when they cannot be read (then the runner compares listings before and after).
   */
  readonly objectChanges: readonly SchemaObjectChange[] | undefined
  /** Notes worth showing about individual statements (caveats that do not stop the migration). */
  readonly notes: readonly string[]
  /**
   * Per statement, whether the engine commits implicitly around it (MySQL DDL), when the engine
   * does that at all: such a migration runs statement by statement with its progress recorded.
   */
  readonly implicitCommits?: readonly boolean[] | undefined
  /**
   * Per statement, whether it only changes the connection's session (MySQL `SET foreign_key_checks
   * = 0`, `SET @x = …`): when a migration run statement by statement resumes after such a
   * statement, it runs again first, so the statements after it run under the same session.
   */
  readonly sessionOnly?: readonly boolean[] | undefined
}

/**
 * A lock a migration takes, as the plan (`run --dry-run`) shows it: read from the statement's
 * text, never from the database.
 */
export interface PlannedLock {
  /** The lock as the engine names it: `ACCESS EXCLUSIVE`, `metadata lock`, `database write lock`. */
  readonly mode: string
  /** What it is taken on, as written (`public.notes`, `the table of index notes_body`), or `undefined` for the whole database. */
  readonly on: string | undefined
  /** What it makes others wait for, in words: `blocks reads and writes on notes`. */
  readonly blocks: string
  /** A qualification worth showing (`ALGORITHM=INPLACE, LOCK=NONE`, `if it is a foreign key`), when there is one. */
  readonly detail?: string | undefined
}

/** The locks a migration takes, for the plan. */
export interface MigrationLocks {
  /** Locks held for the whole run whatever the statements (SQLite: the database write lock). */
  readonly run: readonly PlannedLock[]
  /** Per statement, in order (empty lists for statements that take no lock worth showing). */
  readonly statements: readonly (readonly PlannedLock[])[]
  /** Per statement, what the locks leave out (`and the tables its foreign keys reference`), or `undefined`. */
  readonly statementNotes: readonly (string | undefined)[]
  /** Why locks are missing or incomplete (a parser that is not installed, …). */
  readonly notes: readonly string[]
}

/** A change to the set of tables and views, as a statement declares it. */
export type SchemaObjectChange =
  | { readonly kind: 'create'; readonly name: string; readonly type: SchemaObjectType; readonly ifNotExists: boolean }
  | { readonly kind: 'drop'; readonly name: string }
  | { readonly kind: 'rename'; readonly from: string; readonly to: string }

export type SchemaObjectType = 'table' | 'view' | 'materialized-view'

/** A table or view, as far as ownership tracking needs to know it. */
export interface SchemaObject {
  /** The name as the engine stores it (schema-qualified when outside the default schema). */
  readonly name: string
  readonly type: SchemaObjectType
  /** Identity that survives a rename (SQLite: rootpage; PostgreSQL: oid), or `undefined`. */
  readonly identity: string | undefined
}

/** A foreign-key violation as reported by the database, identified by content (not by rowid). */
export interface ForeignKeyViolation {
  readonly table: string
  readonly parent: string
  /** The child row's foreign-key values, as text: what identifies the violation across a table rebuild. */
  readonly key: string
  /** The child row's rowid, when it has one (for messages). */
  readonly rowid: number | null
}

/** What a database says about a failed statement beyond its message. */
export interface ErrorFacts {
  /** 1-based character position in the statement text the error points at. */
  readonly position?: number | undefined
  readonly detail?: string | undefined
  readonly hint?: string | undefined
  readonly sqlState?: string | undefined
}

/** The run's settings that a dialect applies to its connection. */
export interface ConnectionSettings {
  /** How long to wait for another migrator (and, on SQLite, for any database lock). */
  readonly lockTimeoutMs: number
  /** Server databases: how long one statement may wait for a table lock (0 = no limit). */
  readonly statementLockTimeoutMs: number
}

/** The toolkit's tables' definitions as a dialect read them (see `reservedTablesState`). */
export interface ReservedTablesDefinitions {
  /** Their definitions (and what is defined on them, such as triggers), or their absence. */
  readonly fingerprint: string
  /** The columns of those that exist, quoted for the dialect's SQL, in order. */
  readonly columns: ReadonlyMap<string, readonly string[]>
}

/** The switch that lets the toolkit, and only it, write its own tables (see `guardReservedTables`). */
export interface ReservedTablesGuard {
  /** Runs the toolkit's own ledger writes with the guard lifted. */
  allowWrites<T>(fn: () => Promise<T>): Promise<T>
}

/**
 * Where a server runs a whole migration transaction sent as one message (PostgreSQL's simple
 * query protocol): `BEGIN`, the statements, a check of the toolkit's tables, the ledger row and
 * `COMMIT` in one round trip. What the runner needs to build that message.
 */
export interface OneMessageTransactions {
  /**
   * What the toolkit's tables are now (their identities as their names resolve), read once and
   * reused by {@link reservedTablesCheck} while nothing but one-message migrations run.
   */
  readReservedTables(conn: Kysely<any>, reservedTables: readonly string[]): Promise<ReservedTablesIdentity>
  /**
   * A statement that fails, with an error {@link reservedTablesCheckFailure} recognises, when the
   * current transaction wrote to or altered one of the toolkit's tables, or made its name resolve
   * to another table — by effect, whatever name, function or trigger it went through.
   */
  reservedTablesCheck(identity: ReservedTablesIdentity): string
  /** What the check found (table and what was done to it), when `error` is its failure. */
  reservedTablesCheckFailure(error: unknown): string | undefined
  /** A compiled query's text with its parameters written in as literals of the same meaning. */
  inline(query: { readonly sql: string; readonly parameters: readonly unknown[] }): string
  /**
   * A statement that notes the time a migration starts, for {@link elapsedMsExpression}: sent
   * after `BEGIN` for each migration but the first of a message (the first starts when the
   * server receives the message).
   */
  readonly startClock: string
  /**
   * An SQL expression: the whole milliseconds since the current transaction's {@link startClock}
   * ran, or without one, since the server received the current message.
   */
  readonly elapsedMsExpression: string
  /**
   * A statement that lets the current transaction commit without waiting for the disk, its
   * durability owed to the next synchronous commit of the session (PostgreSQL writes the log in
   * order, so that commit makes every earlier one durable too).
   */
  readonly deferDurability: string
}

/** The toolkit's tables as {@link OneMessageTransactions.readReservedTables} found them (opaque to the runner). */
export interface ReservedTablesIdentity {
  readonly tables: ReadonlyMap<string, string | null>
}

/**
 * What an engine can and cannot do; the runner picks its strategy from these flags and never
 * asks which engine it talks to.
 */
export interface DialectCapabilities {
  /** DDL can be rolled back (SQLite, PostgreSQL). MySQL commits implicitly around most DDL. */
  readonly transactionalDdl: boolean
  /**
   * How pending migrations are grouped into transactions:
   * - `transactional-batch`: consecutive migrations share one transaction, each in a savepoint
   *   with its ledger row (one commit for the run; SQLite, where a commit is an fsync);
   * - `per-migration-transaction`: each migration commits on its own (PostgreSQL, where a
   *   run-wide transaction would hold early migrations' locks until the end);
   * - `statement-progress`: each statement on its own, its progress recorded (MySQL).
   */
  readonly runStrategy: 'transactional-batch' | 'per-migration-transaction' | 'statement-progress'
  /**
   * What the migration lock is: `transaction` — the database's own write lock, taken by
   * beginning a locked transaction (SQLite `BEGIN IMMEDIATE`); `session` — a lock held by the
   * run's connection across its transactions (PostgreSQL advisory lock, MySQL `GET_LOCK`).
   */
  readonly lockScope: 'transaction' | 'session'
  /** Table names compare without regard to (ASCII) letter case (SQLite). */
  readonly caseInsensitiveNames: boolean
  /**
   * A transaction's statements can go to the server in one round trip (PostgreSQL's simple query
   * protocol), with the error's position telling which of them failed.
   */
  readonly batchStatements: boolean
}

/**
 * Everything that differs between database engines, behind one interface: statement splitting
 * and analysis, transactions and the migration lock, the few catalog queries the runner needs,
 * foreign-key checks and error translation. Connecting lives in the engine's connector. The
 * runner and the ledger never look past these two.
 *
 * Every method that talks to the database takes the run's pinned connection (`conn`): with a
 * pool, `BEGIN`, `SAVEPOINT` and `COMMIT` must reach the same connection.
 */
export interface MigrationDialect {
  readonly name: EngineName
  readonly capabilities: DialectCapabilities

  /** Splits migration text into statements, exactly where the engine's own client would. */
  split(text: string): SplitResult

  /**
   * A statement's tokens without its comments and spacing: two statements with the same tokens
   * are the same SQL (an edit that only touched comments or whitespace changed nothing).
   */
  significantTokens(sql: string): readonly string[]

  /**
   * Decides how a migration must run and which of its statements cannot run that way (including
   * any reference to the toolkit's own `reservedTables`).
   */
  analyze(
    statements: readonly SqlStatement[],
    options: { readonly noTransaction: boolean; readonly reservedTables: readonly string[] },
  ): MigrationAnalysis

  /**
   * Prepares the run's connection (lock waits, statement lock timeouts, …) and returns a
   * function that puts its settings back.
   */
  prepareConnection(conn: Kysely<any>, settings: ConnectionSettings): Promise<() => Promise<void>>

  /**
   * Begins a transaction. With `locked` (lock scope `transaction`), the transaction holds the
   * database's migration lock until it ends.
   */
  beginTransaction(conn: Kysely<any>, options: { readonly locked: boolean }): Promise<void>
  commit(conn: Kysely<any>): Promise<void>
  /** Rolls back the open transaction; does nothing when none is open (after a failed COMMIT, say). */
  rollback(conn: Kysely<any>): Promise<void>
  savepoint(conn: Kysely<any>, name: string): Promise<void>
  releaseSavepoint(conn: Kysely<any>, name: string): Promise<void>
  rollbackToSavepoint(conn: Kysely<any>, name: string): Promise<void>

  /**
   * Takes the lock that serialises migrators outside a transaction (lock scope `session`: the
   * whole run; lock scope `transaction`: while a migration runs outside a transaction), waiting
   * at most `lockTimeoutMs`, and returns its release function.
   */
  acquireLock(conn: Kysely<any>, lockTimeoutMs: number): Promise<() => Promise<void>>

  /** Runs one statement of a migration. */
  executeStatement(conn: Kysely<any>, sql: string): Promise<void>

  tableExists(conn: Kysely<any>, table: string): Promise<boolean>
  columnNames(conn: Kysely<any>, table: string): Promise<readonly string[]>
  /**
   * Whether `error` says that a query named a table or column that does not exist. Only engines
   * where a failed query leaves the session and its transaction as they were have it (MySQL): the
   * ledger is then read straight away, and its columns asked for only when that fails, where the
   * catalog query would cost a round trip and most of the server's time on every no-op run.
   */
  isUndefinedTableOrColumn?(error: unknown): boolean
  /**
   * The tables and views of the database; with `names`, at least those of them that exist (a
   * dialect may list more, or all): enough to compare before and after statements whose changes
   * are all among those names.
   */
  listSchemaObjects(conn: Kysely<any>, names?: readonly string[]): Promise<readonly SchemaObject[]>

  foreignKeysEnabled(conn: Kysely<any>): Promise<boolean>
  setForeignKeys(conn: Kysely<any>, enabled: boolean): Promise<void>
  /** Current violations; `tables` limits the check to those child tables. */
  foreignKeyViolations(conn: Kysely<any>, tables?: readonly string[]): Promise<readonly ForeignKeyViolation[]>
  /**
   * Child tables whose foreign keys the database checks only at COMMIT (deferred), or `'all'`
   * when every foreign key is deferred on this connection (SQLite `defer_foreign_keys`).
   */
  deferredForeignKeyTables(conn: Kysely<any>): Promise<readonly string[] | 'all'>

  readSetting(conn: Kysely<any>, name: string): Promise<string | undefined>
  writeSetting(conn: Kysely<any>, name: string, value: string): Promise<void>

  /**
   * Guards the toolkit's own tables on this connection, by effect: from now on, a write to them
   * that the toolkit did not switch on fails the statement that made it, whatever name or
   * trigger it went through. Returns the switch for the toolkit's own writes, or `undefined`
   * when this connection cannot be guarded (then the runner compares
   * {@link reservedTablesFingerprint}s, rows included, around each migration).
   */
  guardReservedTables(conn: Kysely<any>, reservedTables: readonly string[]): Promise<ReservedTablesGuard | undefined>

  /**
   * A fingerprint of the toolkit's own tables: their definitions (and anything defined on them,
   * such as triggers), and their rows — `changes`: what the current transaction wrote to them
   * (where the engine counts it, else their contents), `content`: their contents, `none`: not.
   */
  reservedTablesFingerprint(
    conn: Kysely<any>,
    reservedTables: readonly string[],
    options: {
      readonly rows: 'none' | 'changes' | 'content'
      /** A ledger row the toolkit itself updates meanwhile, left out of `content`. */
      readonly except?: { readonly skill: string; readonly version: number } | undefined
      /**
       * The state as {@link reservedTablesState} read it (its definitions, and its rows as
       * `afterWrites` gave them), with nothing but those writes since: the fingerprint it makes
       * with all rows (`changes` or `content`, no `except`), not read again where the engine can.
       */
      readonly known?: { readonly definitions: ReservedTablesDefinitions; readonly rows: string } | undefined
    },
  ): Promise<string>

  /**
   * {@link reservedTablesFingerprint} with `rows: 'content'`, in two parts: the definitions (what
   * `definitions` returns, to be handed back) and the rows. `known`: definitions read by an
   * earlier call on this connection; with nothing but the toolkit's own row writes since, they are
   * not read again, only the rows are; given the statements that ran `since`, the dialect reads
   * again at least what those could have changed (whatever names they use). Engines without it
   * are fingerprinted whole each time.
   */
  reservedTablesState?(
    conn: Kysely<any>,
    reservedTables: readonly string[],
    options: {
      readonly except?: { readonly skill: string; readonly version: number } | undefined
      readonly known?: ReservedTablesDefinitions | undefined
      readonly since?: readonly SqlStatement[] | undefined
      /** The rows as `afterWrites` of the last state gave them, with nothing but those writes since: not read again. */
      readonly knownRows?: string | undefined
      /**
       * Rows the toolkit writes next besides the ledger row `except`: those of `table` whose
       * `column` is one of `keys` (as `column IN (keys)` selects them).
       */
      readonly writes?:
        { readonly table: string; readonly column: string; readonly keys: readonly string[] } | undefined
    },
  ): Promise<{
    readonly definitions: ReservedTablesDefinitions
    readonly rows: string
    /**
     * With `writes`: once the toolkit wrote the ledger row `except` and those rows (and nothing
     * else changed), the rows as they are then — every ledger row included — reading only the
     * rows it wrote.
     */
    readonly afterWrites?: (() => Promise<string>) | undefined
  }>

  /**
   * Checks the database's own structure before a run writes to it, so a damaged database is
   * reported instead of being written to. Throws a clear error when it is damaged.
   */
  checkIntegrity?(conn: Kysely<any>, database: string): Promise<void>

  /**
   * Turns a driver error about the database itself (lock timeout, read-only, not a database,
   * disk full, connection lost, …) into a clear error; `undefined` for anything else.
   */
  describeError(error: unknown, database: string, lockTimeoutMs: number): GloriousMigrateError | undefined

  /** The database's own message for a failed statement, without driver decoration. */
  errorMessage(error: unknown): string

  /**
   * Facts beyond the message that locate and explain a statement's failure (PostgreSQL's
   * position, DETAIL, HINT and SQLSTATE), when the engine gives them.
   */
  errorFacts?(error: unknown): ErrorFacts

  /**
   * A fingerprint of the objects a statement acts on (their definitions, or their absence), taken
   * before it runs outside a transaction: a run interrupted while it ran compares it with the
   * objects as they are to tell whether the statement took effect. `undefined` when the
   * statement's effect cannot be told this way (a `CALL`, …). `recorded`: the probe taken before,
   * when comparing with it (the dialect reads the objects the way that one was read).
   */
  probeStatement?(conn: Kysely<any>, statement: SqlStatement, recorded?: string): Promise<string | undefined>

  /**
   * Whether a statement certainly cannot change the toolkit's tables — their definitions, what is
   * defined on them, or their rows — whatever names it uses: it runs no code when it runs and acts
   * on nothing but the objects it names, none of them the toolkit's. After a migration made only
   * of such statements the guard does not read the toolkit's tables again. Engines without it
   * guard every migration.
   */
  cannotReachReservedTables?(statement: SqlStatement, reservedTables: readonly string[]): boolean

  /**
   * What a statement that failed outside a transaction left behind, and how to remove it before
   * a retry (PostgreSQL: the INVALID index of a failed `CREATE INDEX CONCURRENTLY`), if anything.
   */
  cleanupAfterFailure?(conn: Kysely<any>, statement: SqlStatement): Promise<string | undefined>

  /**
   * The locks a migration's statements take and what they block, read from their text, for the
   * plan (`run --dry-run`). May load a parser lazily; never touches the database.
   */
  describeLocks?(statements: readonly SqlStatement[]): Promise<MigrationLocks>

  /** Present where a migration's whole transaction can go to the server as one message. */
  readonly oneMessage?: OneMessageTransactions

  /**
   * Why a failed migration may simply be tried again (a lock timeout or deadlock with the
   * application's own transactions), or `undefined` when it may not.
   */
  retryableReason?(error: unknown): string | undefined
}
