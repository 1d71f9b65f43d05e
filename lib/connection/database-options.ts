import { resolve } from 'node:path'
import type { Kysely } from 'kysely'
import type { EngineName } from '../dialects/dialect.js'
import { InvalidOptionError } from '../errors.js'
import { envSetting, expandHome, gloriousHome } from '../files/glorious-home.js'
import { assertSkillName } from '../files/skill-name.js'
import { redactUrl } from './redact-url.js'

/** How long a migrator waits for another one to finish, by default (milliseconds). */
export const DEFAULT_LOCK_TIMEOUT_MS = 60_000

/**
 * How long one statement of a migration may wait for a table lock on a server database before
 * its migration is retried (PostgreSQL `lock_timeout`), by default (milliseconds).
 */
export const DEFAULT_STATEMENT_LOCK_TIMEOUT_MS = 5_000

/** Where the database is and how to open it. Shared by every API function. */
export interface DatabaseOptions {
  /**
   * The database: a SQLite file path, a URL (`postgres://…`, `postgresql://…`, `mysql://…`,
   * `mariadb://…`, `sqlite:<path>`), or a Kysely instance you made (used as is, never closed).
   * Default: `GLORIOUS_DATABASE_URL`, else `GLORIOUS_DB`, else `DATABASE_URL` (when it is a URL of
   * a supported engine), else `<GLORIOUS_HOME or ~/.glorious>/agents/<agent>/agent.db`.
   */
  readonly database?: string | Kysely<any> | undefined
  /** Agent name for the default database path. Default: `GLORIOUS_AGENT`, else `default`. */
  readonly agent?: string | undefined
  /** Home folder for the default database path. Default: `GLORIOUS_HOME`, else `~/.glorious`. */
  readonly home?: string | undefined
  /** How long to wait for another migrator's lock before giving up. @default 60000 */
  readonly lockTimeoutMs?: number | undefined
  /**
   * PostgreSQL: the schema that holds the ledger and is the connection's default `search_path`.
   * @default 'public'
   */
  readonly schema?: string | undefined
  /**
   * Server databases: how long one statement may wait for a table lock (`lock_timeout`) before
   * its migration is rolled back and retried; 0 waits without bound. @default 5000
   */
  readonly statementLockTimeoutMs?: number | undefined
  /** Server databases: how many times a migration that hit a lock timeout or deadlock is retried. @default 5 */
  readonly lockRetries?: number | undefined
  /** Journal mode given to a SQLite database file this toolkit creates. @default 'wal' */
  readonly journalMode?: 'wal' | 'delete' | undefined
  /** SQLite: `PRAGMA foreign_keys` on connections the toolkit opens. @default true */
  readonly foreignKeys?: boolean | undefined
  /** SQLite extensions loaded into connections the toolkit opens. */
  readonly extensions?: readonly string[] | undefined
  /** Environment to read `GLORIOUS_*` and `DATABASE_URL` from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
}

/** The database the options point at, before anything is opened. */
export type DatabaseTarget =
  | {
      readonly kind: 'file'
      readonly engine: 'sqlite'
      readonly path: string
      /** The default location, whose folders may be created (a path the user chose must exist). */
      readonly isDefault: boolean
      /** The database as users know it, for messages. */
      readonly label: string
    }
  | {
      readonly kind: 'url'
      readonly engine: 'postgres' | 'mysql'
      readonly url: string
      /** The URL with its password replaced by `***`: the only form that appears in output. */
      readonly label: string
    }
  | {
      readonly kind: 'kysely'
      readonly engine: EngineName | undefined
      readonly db: Kysely<any>
      readonly label: string
    }

const URL_ENGINES: Readonly<Record<string, 'postgres' | 'mysql' | 'sqlite' | undefined>> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
  sqlite: 'sqlite',
}

/**
 * The database the options point at.
 *
 * Precedence: `database` option > `GLORIOUS_DATABASE_URL` > `GLORIOUS_DB` > `DATABASE_URL` (only
 * when it names a supported engine: it often belongs to another service) >
 * `<home>/agents/<agent>/agent.db`, where home is the `home` option > `GLORIOUS_HOME` >
 * `~/.glorious`, and agent is the `agent` option > `GLORIOUS_AGENT` > `default`.
 *
 * @throws {InvalidOptionError} for a URL of an unsupported engine or an invalid agent name.
 */
export function resolveDatabaseTarget(options: DatabaseOptions): DatabaseTarget {
  const env = options.env ?? process.env
  const given = options.database
  if (given !== undefined && typeof given !== 'string') {
    return { kind: 'kysely', engine: undefined, db: given, label: 'the Kysely instance' }
  }
  if (given !== undefined) return fromText(given, 'database')
  if (env.GLORIOUS_DATABASE_URL) return fromText(env.GLORIOUS_DATABASE_URL, 'GLORIOUS_DATABASE_URL')
  if (env.GLORIOUS_DB) return fileTarget(env.GLORIOUS_DB, false)
  const generic = env.DATABASE_URL
  if (generic && URL_ENGINES[schemeOf(generic) ?? ''] !== undefined) return fromText(generic, 'DATABASE_URL')
  const home = gloriousHome(options.home, env)
  const agent = options.agent ?? envSetting(env, 'GLORIOUS_AGENT') ?? 'default'
  try {
    assertSkillName(agent)
  } catch {
    throw new InvalidOptionError(`invalid agent name ${JSON.stringify(agent)}: use letters, digits, "_" or "-"`)
  }
  return fileTarget(resolve(home, 'agents', agent, 'agent.db'), true)
}

/**
 * The database file the options point at, for SQLite. Kept for callers that only know files.
 *
 * @throws {InvalidOptionError} when the options name a server database.
 */
export function resolveDatabasePath(options: DatabaseOptions): { readonly path: string; readonly isDefault: boolean } {
  const target = resolveDatabaseTarget(options)
  if (target.kind !== 'file') throw new InvalidOptionError(`${target.label} is not a SQLite database file`)
  return { path: target.path, isDefault: target.isDefault }
}

/** The lock timeout from the options, checked. */
export function lockTimeoutOf(options: DatabaseOptions): number {
  const value = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionError(`lockTimeoutMs must be a number of milliseconds ≥ 0, got ${String(value)}`)
  }
  return value
}

function fromText(text: string, source: string): DatabaseTarget {
  const scheme = schemeOf(text)
  if (scheme === undefined) return fileTarget(text, false)
  const engine = URL_ENGINES[scheme]
  if (engine === undefined) {
    throw new InvalidOptionError(
      `${source} ${redactUrl(text)} is not a database glorious-migrate supports: use postgres://, mysql://, mariadb:// or a SQLite file path`,
    )
  }
  if (engine === 'sqlite') return fileTarget(sqlitePathOf(text), false)
  return { kind: 'url', engine, url: text, label: redactUrl(text) }
}

function fileTarget(path: string, isDefault: boolean): DatabaseTarget {
  const absolute = resolve(expandHome(path))
  return { kind: 'file', engine: 'sqlite', path: absolute, isDefault, label: absolute }
}

/** `postgres` for `postgres://…`; `undefined` for a plain path (including Windows `C:\…`). */
function schemeOf(text: string): string | undefined {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(text)
  if (!match || (match[1] as string).length < 2) return undefined
  return (match[1] as string).toLowerCase()
}

/** `sqlite:///abs/x.db` → `/abs/x.db`; `sqlite:rel.db` → `rel.db`. */
function sqlitePathOf(url: string): string {
  const rest = url.slice(url.indexOf(':') + 1)
  return rest.startsWith('//') ? decodeURIComponent(rest.slice(2)) : decodeURIComponent(rest)
}
