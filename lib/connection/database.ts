import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { type Kysely, sql } from 'kysely'
import type { MigrationDialect } from '../dialects/dialect.js'
import { createSqliteDialect, sqliteDialect } from '../dialects/sqlite/sqlite-dialect.js'
import { openSqlite } from '../dialects/sqlite/sqlite-open.js'
import { DatabaseError, InvalidOptionError } from '../errors.js'
import { assertSkillName } from '../files/skill-name.js'

/** How long a migrator waits for another one to finish, by default (milliseconds). */
export const DEFAULT_LOCK_TIMEOUT_MS = 60_000

/** Where the database is and how to open it. Shared by every API function. */
export interface DatabaseOptions {
  /**
   * A SQLite file path, or a Kysely instance you made (it is used as is and never closed).
   * Default: `GLORIOUS_DB`, else `<GLORIOUS_HOME or ~/.glorious>/agents/<agent>/agent.db`.
   */
  readonly database?: string | Kysely<any> | undefined
  /** Agent name for the default database path. Default: `GLORIOUS_AGENT`, else `default`. */
  readonly agent?: string | undefined
  /** Home folder for the default database path. Default: `GLORIOUS_HOME`, else `~/.glorious`. */
  readonly home?: string | undefined
  /** How long to wait for another migrator's lock before giving up. @default 60000 */
  readonly lockTimeoutMs?: number | undefined
  /** Journal mode given to a database file this toolkit creates. @default 'wal' */
  readonly journalMode?: 'wal' | 'delete' | undefined
  /** `PRAGMA foreign_keys` on connections the toolkit opens. @default true */
  readonly foreignKeys?: boolean | undefined
  /** SQLite extensions loaded into connections the toolkit opens. */
  readonly extensions?: readonly string[] | undefined
  /** Environment to read `GLORIOUS_*` variables from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
}

/** An open database: the Kysely instance, its dialect, and a name for messages. */
export interface DatabaseSession {
  readonly db: Kysely<any>
  readonly dialect: MigrationDialect
  /** The database as users know it (its path), for messages. */
  readonly label: string
  /** Closes the connection if this session opened it. */
  close(): Promise<void>
}

/**
 * The database file the options point at, and whether it is the default location (whose
 * folders may be created) rather than a path the user chose.
 *
 * Precedence: `database` option > `GLORIOUS_DB` > `<home>/agents/<agent>/agent.db`, where home is
 * the `home` option > `GLORIOUS_HOME` > `~/.glorious`, and agent is the `agent` option >
 * `GLORIOUS_AGENT` > `default`.
 */
export function resolveDatabasePath(options: DatabaseOptions): { readonly path: string; readonly isDefault: boolean } {
  const env = options.env ?? process.env
  if (typeof options.database === 'string') return { path: resolve(options.database), isDefault: false }
  if (env.GLORIOUS_DB) return { path: resolve(env.GLORIOUS_DB), isDefault: false }
  const home = options.home ?? env.GLORIOUS_HOME ?? join(homedir(), '.glorious')
  const agent = options.agent ?? env.GLORIOUS_AGENT ?? 'default'
  try {
    assertSkillName(agent)
  } catch {
    throw new InvalidOptionError(`invalid agent name ${JSON.stringify(agent)}: use letters, digits, "_" or "-"`)
  }
  return { path: resolve(home, 'agents', agent, 'agent.db'), isDefault: true }
}

/**
 * Opens the database the options point at. `readonly` sessions never create or write anything.
 *
 * @throws {DatabaseError | InvalidOptionError}
 */
export async function openDatabase(
  options: DatabaseOptions,
  mode: { readonly readonly: boolean },
): Promise<DatabaseSession> {
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS
  if (!Number.isFinite(lockTimeoutMs) || lockTimeoutMs < 0) {
    throw new InvalidOptionError(`lockTimeoutMs must be a number of milliseconds ≥ 0, got ${lockTimeoutMs}`)
  }
  if (options.database !== undefined && typeof options.database !== 'string') {
    return adoptKysely(options.database)
  }
  const { path, isDefault } = resolveDatabasePath(options)
  const { db, exec } = await openSqlite({
    path,
    readonly: mode.readonly,
    createFolders: isDefault,
    lockTimeoutMs,
    journalModeForNew: options.journalMode ?? 'wal',
    foreignKeys: options.foreignKeys ?? true,
    extensions: options.extensions ?? [],
  })
  return Object.freeze({ db, dialect: createSqliteDialect(exec), label: path, close: () => db.destroy() })
}

// Sessions for Kysely instances the caller owns, so that repeated checks (a skill loader calling
// migrateSkills on every load) do not ask the database for its file name each time.
const adopted = new WeakMap<Kysely<any>, DatabaseSession>()

async function adoptKysely(db: Kysely<any>): Promise<DatabaseSession> {
  const known = adopted.get(db)
  if (known) return known
  const adapter = db.getExecutor().adapter.constructor.name
  if (adapter !== 'SqliteAdapter') {
    throw new InvalidOptionError(
      `the Kysely instance uses ${adapter}; this version of glorious-migrate supports SQLite only (PostgreSQL and MySQL are planned)`,
    )
  }
  const { rows } = await sql<{ name: string; file: string }>`PRAGMA database_list`.execute(db)
  const file = rows.find((row) => row.name === 'main')?.file
  const session = Object.freeze({ db, dialect: sqliteDialect, label: file || ':memory:', close: async () => {} })
  adopted.set(db, session)
  return session
}

/** The error read-only commands give when the database file does not exist (they never create it). */
export function missingDatabase(options: DatabaseOptions): DatabaseError {
  return new DatabaseError(
    resolveDatabasePath(options).path,
    'does not exist',
    'nothing has been migrated there yet: check --db / --agent, or run "glorious migrate run" first',
  )
}
