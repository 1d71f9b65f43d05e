import { Kysely, MysqlDialect, sql } from 'kysely'
import type { DatabaseTarget } from '../../connection/database-options.js'
import { isMissingModule, requireDriver } from '../../connection/require-driver.js'
import { scrubSecrets } from '../../connection/redact-url.js'
import type { DatabaseSession } from '../../connection/session.js'
import { DatabaseError } from '../../errors.js'
import type { EngineConnector, OpenSettings } from '../connector.js'
import { mysqlDialect } from './mysql-dialect.js'
import { ER_BAD_DB_ERROR, describeMysqlError, mysqlErrno } from './mysql-errors.js'
import { quoteIdent } from './mysql-lexer.js'

type UrlTarget = Extract<DatabaseTarget, { kind: 'url' }>
type Mysql2 = typeof import('mysql2')

/**
 * MySQL and MariaDB through `mysql2` (an optional peer dependency, loaded only here) and
 * Kysely's `MysqlDialect`. A writable open of a database that does not exist creates it, when
 * the user may; read-only sessions never create anything and refuse writes at the server.
 */
export const mysqlConnector: EngineConnector = Object.freeze<EngineConnector>({
  engine: 'mysql',
  dialect: mysqlDialect,

  async exists(target) {
    const url = asUrl(target)
    const mysql = await loadMysql2(url)
    const connection = await connect(mysql, url, withoutDatabase(url.url))
    try {
      const [rows] = await connection
        .promise()
        .query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [databaseOf(url.url)])
      return (rows as unknown[]).length > 0
    } finally {
      connection.destroy()
    }
  },

  async open(target, settings: OpenSettings): Promise<DatabaseSession> {
    const url = asUrl(target)
    const mysql = await loadMysql2(url)
    const database = databaseOf(url.url)
    if (database === '') {
      throw new DatabaseError(
        url.label,
        'names no database',
        'add the database to the URL: mysql://user@host:3306/<database>',
      )
    }
    if (!settings.readonly) {
      const connection = await connect(mysql, url, withoutDatabase(url.url))
      try {
        await connection.promise().query(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(database)}`)
      } catch (error) {
        throw new DatabaseError(
          url.label,
          `does not exist and cannot be created (${scrubSecrets(String((error as Error).message), url.url)})`,
          'create the database first, or give a user that may (CREATE privilege)',
          error,
        )
      } finally {
        connection.destroy()
      }
    }
    return openPool(mysql, url, settings, database, false)
  },

  async openExisting(target, settings) {
    const url = asUrl(target)
    const mysql = await loadMysql2(url)
    const database = databaseOf(url.url)
    if (database === '') return undefined // as exists() says: no database named, none to find
    return openPool(mysql, url, { ...settings, readonly: true }, database, true)
  },

  async adopt(db: Kysely<any>): Promise<DatabaseSession> {
    const { rows } = await sql<{ db: string | null; server: string | null }>`
      SELECT DATABASE() AS db, concat(@@hostname, ':', @@port) AS server`.execute(db)
    const row = rows[0]
    return session(db, `mysql database ${row?.db ?? '?'} (the Kysely instance)`, `mysql:${row?.server}/${row?.db}`, {
      readonly: false,
      owned: false,
    })
  },
})

/**
 * Opens the pool and asks the server which it is (the session's lock key). With `ifExists`, a
 * database that does not exist gives `undefined` rather than an error: the read-only look of a
 * run then costs one connection, not a check and an open.
 */
function openPool(
  mysql: Mysql2,
  url: UrlTarget,
  settings: OpenSettings,
  database: string,
  ifExists: false,
): Promise<DatabaseSession>
function openPool(
  mysql: Mysql2,
  url: UrlTarget,
  settings: OpenSettings,
  database: string,
  ifExists: true,
): Promise<DatabaseSession | undefined>
async function openPool(
  mysql: Mysql2,
  url: UrlTarget,
  settings: OpenSettings,
  database: string,
  ifExists: boolean,
): Promise<DatabaseSession | undefined> {
  const pool = mysql.createPool({
    uri: driverUrl(url.url),
    connectionLimit: 4,
    // Our own queries never need several statements in one request; migrations are split.
    multipleStatements: false,
    // UTC in and out, so applied_at and dates never depend on the machine's time zone.
    timezone: 'Z',
  })
  pool.on('connection', (connection) => {
    if (settings.readonly) connection.query('SET SESSION TRANSACTION READ ONLY')
  })
  // An idle pooled connection does not keep the process alive, so a process that forgot to
  // close a migrator can still exit, as pg's allowExitOnIdle does. (mysql2's maxIdle would close
  // idle connections, but its clean-up timer itself keeps the process alive until the pool ends.)
  pool.on('acquire', (connection) => streamOf(connection)?.ref())
  pool.on('release', (connection) => streamOf(connection)?.unref())
  const db = new Kysely<any>({ dialect: new MysqlDialect({ pool }) })
  try {
    const { rows } = await sql<{ server: string | null }>`SELECT concat(@@hostname, ':', @@port) AS server`.execute(db)
    return session(db, url.label, `mysql:${rows[0]?.server}/${database}`, {
      readonly: settings.readonly,
      owned: true,
    })
  } catch (error) {
    await db.destroy().catch(() => undefined)
    if (ifExists && mysqlErrno(error) === ER_BAD_DB_ERROR) return undefined
    throw describeMysqlError(error, url.label, 0, url.url) ?? error
  }
}

function session(
  db: Kysely<any>,
  label: string,
  lockKey: string,
  options: { readonly readonly: boolean; readonly owned: boolean },
): DatabaseSession {
  return Object.freeze({
    db,
    dialect: mysqlDialect,
    label,
    lockKey,
    readonly: options.readonly,
    pinned: <T>(fn: (conn: Kysely<any>) => Promise<T>) => db.connection().execute(fn),
    close: async () => {
      if (options.owned) await db.destroy()
    },
  })
}

/** The socket under a pooled connection (not in mysql2's typings). */
function streamOf(connection: object): { ref(): unknown; unref(): unknown } | undefined {
  const stream = (connection as { stream?: { ref?: unknown; unref?: unknown } }).stream
  return typeof stream?.ref === 'function' && typeof stream.unref === 'function'
    ? (stream as { ref(): unknown; unref(): unknown })
    : undefined
}

async function loadMysql2(url: UrlTarget): Promise<Mysql2> {
  try {
    return mysql2Of(requireDriver('mysql2'))
  } catch (error) {
    if (!isMissingModule(error, 'mysql2')) throw error
    throw new DatabaseError(
      url.label,
      'needs the MySQL driver, which is not installed',
      'install it beside glorious-migrate: npm install mysql2',
    )
  }
}

/** mysql2's exports, whether a bundler wrapped them as a default export or not. */
export function mysql2Of(module: unknown): Mysql2 {
  const loaded = module as Mysql2 & { default?: Mysql2 }
  return loaded.default ?? loaded
}

async function connect(mysql: Mysql2, url: UrlTarget, uri: string): Promise<ReturnType<Mysql2['createConnection']>> {
  const connection = mysql.createConnection({ uri: driverUrl(uri) })
  try {
    await connection.promise().connect()
    return connection
  } catch (error) {
    connection.destroy()
    throw describeMysqlError(error, url.label, 0, url.url) ?? error
  }
}

function asUrl(target: Exclude<DatabaseTarget, { kind: 'kysely' }>): UrlTarget {
  if (target.kind !== 'url' || target.engine !== 'mysql') throw new Error(`internal: not a MySQL URL: ${target.label}`)
  return target
}

/** mysql2 knows the `mysql:` scheme only. */
function driverUrl(url: string): string {
  return url.replace(/^mariadb:/i, 'mysql:')
}

function databaseOf(url: string): string {
  return decodeURIComponent(new URL(driverUrl(url)).pathname.replace(/^\//, ''))
}

function withoutDatabase(url: string): string {
  const parsed = new URL(driverUrl(url))
  parsed.pathname = '/'
  return parsed.toString()
}
