import { Kysely, MysqlDialect, sql } from 'kysely'
import type { DatabaseTarget } from '../../connection/database-options.js'
import { isMissingModule, requireDriver } from '../../connection/require-driver.js'
import { PERCENT_ENCODE_HINT, scrubSecrets } from '../../connection/redact-url.js'
import type { DatabaseSession } from '../../connection/session.js'
import { DatabaseError, GloriousMigrateError } from '../../errors.js'
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
    const options = mysqlConnectionOptions(url)
    const connection = await connect(mysql, url, { ...options, database: undefined })
    try {
      const [rows] = await connection
        .promise()
        .query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [options.database])
      return (rows as unknown[]).length > 0
    } finally {
      connection.destroy()
    }
  },

  async open(target, settings: OpenSettings): Promise<DatabaseSession> {
    const url = asUrl(target)
    const mysql = await loadMysql2(url)
    const options = mysqlConnectionOptions(url)
    const database = options.database
    if (database === '') {
      throw new DatabaseError(
        url.label,
        'names no database',
        'add the database to the URL: mysql://user@host:3306/<database>',
      )
    }
    if (!settings.readonly) {
      const connection = await connect(mysql, url, { ...options, database: undefined })
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
    return openPool(mysql, url, options, settings, false)
  },

  async openExisting(target, settings) {
    const url = asUrl(target)
    const mysql = await loadMysql2(url)
    const options = mysqlConnectionOptions(url)
    if (options.database === '') return undefined // as exists() says: no database named, none to find
    return openPool(mysql, url, options, { ...settings, readonly: true }, true)
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
 * Opens the pool and asks the server which it is (the session's lock key). With `ifExists` (a
 * read-only look), a database that does not exist gives `undefined` rather than an error: the
 * look of a run then costs one connection, not a check and an open.
 */
function openPool(
  mysql: Mysql2,
  url: UrlTarget,
  options: MysqlConnectionOptions,
  settings: OpenSettings,
  ifExists: false,
): Promise<DatabaseSession>
function openPool(
  mysql: Mysql2,
  url: UrlTarget,
  options: MysqlConnectionOptions,
  settings: OpenSettings,
  ifExists: true,
): Promise<DatabaseSession | undefined>
async function openPool(
  mysql: Mysql2,
  url: UrlTarget,
  options: MysqlConnectionOptions,
  settings: OpenSettings,
  ifExists: boolean,
): Promise<DatabaseSession | undefined> {
  const database = options.database
  let pool: ReturnType<Mysql2['createPool']>
  try {
    pool = mysql.createPool({
      ...options,
      connectionLimit: 4,
      // Our own queries never need several statements in one request; migrations are split.
      multipleStatements: false,
      // UTC in and out, so applied_at and dates never depend on the machine's time zone.
      timezone: 'Z',
    })
  } catch (error) {
    throw connectionError(error, url) // an option mysql2 rejects (an unknown ssl profile)
  }
  // Each new connection of a read-only pool refuses writes at the server; the setting's query is
  // queued before any other of the connection's, and remembered so a look can wait for it.
  const settingUp = new WeakMap<object, Promise<void>>()
  pool.on('connection', (connection) => {
    if (settings.readonly)
      settingUp.set(
        connection,
        new Promise((resolve) => connection.query('SET SESSION TRANSACTION READ ONLY', () => resolve())),
      )
  })
  // An idle pooled connection does not keep the process alive, so a process that forgot to
  // close a migrator can still exit, as pg's allowExitOnIdle does. (mysql2's maxIdle would close
  // idle connections, but its clean-up timer itself keeps the process alive until the pool ends.)
  pool.on('acquire', (connection) => streamOf(connection)?.ref())
  pool.on('release', (connection) => streamOf(connection)?.unref())
  const db = new Kysely<any>({ dialect: new MysqlDialect({ pool }) })
  try {
    if (ifExists) {
      // The read-only look of a run: connecting is the check (a database that does not exist
      // fails the handshake), and a session that never writes never takes the in-process lock,
      // so its key need not be the server's own name: no query before the ledger's. The
      // connection goes back to the pool once its READ ONLY setting is in force: released with
      // that query in flight, its socket would no longer keep the process alive, and closing the
      // pool (queued behind the query) would never finish.
      await new Promise<void>((resolve, reject) =>
        pool.getConnection((error, connection) => {
          if (error) return reject(error)
          void (settingUp.get(connection) ?? Promise.resolve()).then(() => {
            connection.release()
            resolve()
          })
        }),
      )
      return session(db, url.label, `mysql-read:${url.label}`, { readonly: true, owned: true })
    }
    const { rows } = await sql<{ server: string | null }>`SELECT concat(@@hostname, ':', @@port) AS server`.execute(db)
    return session(db, url.label, `mysql:${rows[0]?.server}/${database}`, {
      readonly: settings.readonly,
      owned: true,
    })
  } catch (error) {
    await db.destroy().catch(() => undefined)
    if (ifExists && mysqlErrno(error) === ER_BAD_DB_ERROR) return undefined
    throw connectionError(error, url)
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

/**
 * Loads `mysql2` (synchronously, through `require`). Its table of the server's error names
 * (`lib/constants/errors.js`: 185 KB, ~3,900 assignments) is a quarter of the instructions of
 * loading mysql2 (63 of 260 M), paid by every MySQL command, while mysql2 reads it only when the
 * server answers with an error: it is loaded then.
 */
export function requireMysql2(): Mysql2 {
  return mysql2Of(requireDriver('mysql2', ['lib/constants/errors.js']))
}

async function loadMysql2(url: UrlTarget): Promise<Mysql2> {
  try {
    return requireMysql2()
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
function mysql2Of(module: unknown): Mysql2 {
  const loaded = module as Mysql2 & { default?: Mysql2 }
  return loaded.default ?? loaded
}

async function connect(
  mysql: Mysql2,
  url: UrlTarget,
  options: MysqlConnectionOptions | (Omit<MysqlConnectionOptions, 'database'> & { database: undefined }),
): Promise<ReturnType<Mysql2['createConnection']>> {
  let connection: ReturnType<Mysql2['createConnection']> | undefined
  try {
    connection = mysql.createConnection(options)
    await connection.promise().connect()
    return connection
  } catch (error) {
    connection?.destroy()
    throw connectionError(error, url)
  }
}

/**
 * An error while connecting, as one clear line: the known ones by their code, any other (a TLS
 * handshake the server refuses, a socket that is not there, a driver option it rejects) with its
 * message, the URL's password scrubbed from it.
 */
function connectionError(error: unknown, url: UrlTarget): Error {
  const described = describeMysqlError(error, url.label, 0, url.url)
  if (described) return described
  if (error instanceof GloriousMigrateError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new DatabaseError(
    url.label,
    `cannot be connected to (${scrubSecrets(message, url.url)})`,
    'check the URL (host, port, user, socketPath, ssl) and the server',
    error,
  )
}

/** What mysql2 is given: the URL's parts, and the parameters it may carry. */
export interface MysqlConnectionOptions {
  readonly host: string
  readonly port: number | undefined
  readonly user: string
  readonly password: string
  readonly database: string
  readonly ssl?: string | Record<string, unknown>
  readonly socketPath?: string
  readonly connectTimeout?: number
  readonly localAddress?: string
  readonly enableKeepAlive?: boolean
  readonly keepAliveInitialDelay?: number
  readonly [option: string]: unknown
}

/**
 * The URL parameters passed on to mysql2: how to reach the server, nothing that changes what the
 * toolkit sends or reads (`multipleStatements`, `timezone`, `rowsAsArray`, `dateStrings`,
 * `supportBigNumbers`, … are its own; mysql2 would let the URL override them).
 */
const URL_PARAMETERS: Readonly<Record<string, 'string' | 'number' | 'boolean' | 'ssl'>> = {
  ssl: 'ssl',
  socketPath: 'string',
  connectTimeout: 'number',
  localAddress: 'string',
  enableKeepAlive: 'boolean',
  keepAliveInitialDelay: 'number',
}

/**
 * Reads a `mysql://` or `mariadb://` URL into mysql2's options, or says in one line what is wrong
 * with it: not a URL (a password with `/`, `#`, `?` or `@` not percent-encoded), a bad escape, a
 * bad port, or a parameter that is not one of {@link URL_PARAMETERS} (mysql2 would only warn, and
 * go on without it: `?sslmode=require` would connect in clear). `ssl=true` asks for TLS with the
 * certificate checked (`ssl={}`), `ssl=false` for none; otherwise `ssl` is mysql2's: a JSON object
 * of TLS options or the name of a profile (`Amazon RDS`).
 *
 * @throws {DatabaseError}
 */
export function mysqlConnectionOptions(url: Pick<UrlTarget, 'url' | 'label'>): MysqlConnectionOptions {
  const bad = (reason: string, hint: string) => new DatabaseError(url.label, reason, hint)
  let parsed: URL
  try {
    parsed = new URL(url.url.replace(/^mariadb:/i, 'mysql:'))
  } catch {
    throw bad(
      'is not a valid URL',
      `write it as mysql://user:password@host:3306/database (a port from 1 to 65535), and ${PERCENT_ENCODE_HINT}`,
    )
  }
  // A '#' starts a fragment, which a database URL never has: a password's '#', not encoded, cut
  // the URL short (`mysql://u:12#x@h/db` reads as host u, port 12).
  if (parsed.hash !== '' || url.url.includes('#')) {
    throw bad('has a "#", which ends a URL where it stands', PERCENT_ENCODE_HINT)
  }
  // An '@' after the host: a password's '/' or '?', not encoded, cut the URL short
  // (`mysql://u:12/x@h/db` reads as host u, port 12, database x@h/db).
  if (parsed.username === '' && url.url.slice(url.url.indexOf('//') + 2).includes('@')) {
    throw bad('has an "@" after its host', PERCENT_ENCODE_HINT)
  }
  const decode = (part: string, what: string): string => {
    try {
      return decodeURIComponent(part)
    } catch {
      throw bad(`has a malformed percent escape in its ${what}`, PERCENT_ENCODE_HINT)
    }
  }
  const options: Record<string, unknown> = {
    host: decode(parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname, 'host'),
    port: parsed.port === '' ? undefined : Number(parsed.port),
    user: decode(parsed.username, 'user'),
    password: decode(parsed.password, 'password'),
    database: decode(parsed.pathname.replace(/^\//, ''), 'database name'),
  }
  for (const [key, value] of parsed.searchParams) {
    const kind = URL_PARAMETERS[key]
    if (kind === undefined) {
      throw bad(
        `has the parameter "${key}", which glorious-migrate does not pass on`,
        `remove it; the parameters it takes are ${Object.keys(URL_PARAMETERS).join(', ')} (TLS: ?ssl=true, or ?ssl={"ca":"…"} as JSON)`,
      )
    }
    if (key in options && options[key] !== undefined) throw bad(`has the parameter "${key}" twice`, 'give it once')
    if (kind === 'string') options[key] = value
    else if (kind === 'number') {
      if (!/^\d+$/.test(value)) throw bad(`has "${key}=${value}", not a whole number`, `give ${key} in milliseconds`)
      options[key] = Number(value)
    } else if (kind === 'boolean') {
      if (value !== 'true' && value !== 'false') throw bad(`has "${key}=${value}"`, `give ${key}=true or ${key}=false`)
      options[key] = value === 'true'
    } else if (value === 'true' || value === '1') options[key] = {}
    else if (value === 'false' || value === '0') options[key] = undefined
    else if (value.trimStart().startsWith('{')) {
      let ssl: unknown
      try {
        ssl = JSON.parse(value)
      } catch {
        ssl = undefined
      }
      if (typeof ssl !== 'object' || ssl === null || Array.isArray(ssl)) {
        throw bad(
          'has an ssl parameter that is not a JSON object',
          'give ?ssl=true, or the TLS options as a JSON object: ?ssl={"ca":"…"}',
        )
      }
      options[key] = ssl
    } else options[key] = value // a profile name
  }
  return options as MysqlConnectionOptions
}

function asUrl(target: Exclude<DatabaseTarget, { kind: 'kysely' }>): UrlTarget {
  if (target.kind !== 'url' || target.engine !== 'mysql') throw new Error(`internal: not a MySQL URL: ${target.label}`)
  return target
}
