import { Kysely, PostgresDialect, sql } from 'kysely'
import type { DatabaseTarget } from '../../connection/database-options.js'
import { isMissingModule, requireDriver } from '../../connection/require-driver.js'
import { scrubSecrets } from '../../connection/redact-url.js'
import type { DatabaseSession } from '../../connection/session.js'
import { DatabaseError, InvalidOptionError } from '../../errors.js'
import type { EngineConnector, OpenSettings } from '../connector.js'
import { postgresDialect } from './postgres-dialect.js'
import { describePostgresError, postgresCode } from './postgres-errors.js'

type UrlTarget = Extract<DatabaseTarget, { kind: 'url' }>

/** What the toolkit calls itself on the server (`application_name`), so a lock's holder can be named. */
export const APPLICATION_NAME = 'glorious-migrate'

/**
 * PostgreSQL through `pg` (an optional peer dependency, loaded only here) and Kysely's
 * `PostgresDialect`. A writable open of a database that does not exist creates it (as a SQLite
 * file is created), when the role may; read-only sessions never create anything and refuse
 * writes at the server (`default_transaction_read_only`).
 */
export const postgresConnector: EngineConnector = Object.freeze<EngineConnector>({
  engine: 'postgres',
  dialect: postgresDialect,

  async exists(target, settings) {
    const url = asUrl(target)
    const pg = await loadPg(url)
    checkSchema(settings.schema)
    const client = newClient(pg, url, url.url)
    try {
      await client.connect()
      if (settings.schema === undefined) return true
      const { rows } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [settings.schema])
      return rows.length > 0
    } catch (error) {
      if (postgresCode(error) === '3D000') return false // invalid_catalog_name: no such database
      throw describe(error, url)
    } finally {
      await client.end().catch(() => undefined)
    }
  },

  async open(target, settings: OpenSettings): Promise<DatabaseSession> {
    const url = asUrl(target)
    const pg = await loadPg(url)
    const schema = checkSchema(settings.schema)
    if (!settings.readonly) await createDatabaseIfMissing(pg, url)
    return openPool(pg, url, settings, schema, false)
  },

  async openExisting(target, settings) {
    const url = asUrl(target)
    const pg = await loadPg(url)
    return openPool(pg, url, { ...settings, readonly: true }, checkSchema(settings.schema), true)
  },

  async adopt(db: Kysely<any>): Promise<DatabaseSession> {
    const { rows } = await sql<{ database: string; schema: string; server: string | null }>`
      SELECT current_database() AS database, current_schema() AS schema,
             coalesce(inet_server_addr()::text, 'local') || ':' || coalesce(inet_server_port()::text, '') AS server`.execute(
      db,
    )
    const row = rows[0]
    const label = `postgres database ${row?.database ?? '?'} (the Kysely instance)`
    return session(db, label, `postgres:${row?.server}/${row?.database}/${row?.schema}`, {
      readonly: false,
      owned: false,
    })
  },
})

/**
 * Without `--schema`, the ledger is in the session's default schema (`current_schema()`), and
 * that default could change under the toolkit: a migration that creates a schema named after the
 * role (`"$user"` comes first in the default search_path) or runs `ALTER DATABASE … SET
 * search_path` made the rest of the run put the toolkit's tables there, and the next run look for
 * the ledger there, find none, and apply every migration again. So each connection's search path
 * is fixed when it opens, as the schemas it resolves to then; and when a schema later in it holds
 * the ledger while the first does not, that schema is put first: the run finds its ledger, and
 * its migrations create what they create where the earlier ones did (as in one run of them all).
 */
const FOLLOW_LEDGER = `SELECT pg_catalog.set_config('search_path', pg_catalog.string_agg(pg_catalog.quote_ident(p.s), ', ' ORDER BY p.n), false)
FROM (SELECT DISTINCT ON (q.s) q.s, q.n FROM (
        (SELECT u.s, 0 AS n FROM pg_catalog.unnest(pg_catalog.current_schemas(false)) WITH ORDINALITY AS u(s, n)
         WHERE pg_catalog.to_regclass(pg_catalog.quote_ident(u.s) OPERATOR(pg_catalog.||) '._migrations') IS NOT NULL
         ORDER BY u.n LIMIT 1)
        UNION ALL
        SELECT u.s, u.n FROM pg_catalog.unnest(pg_catalog.current_schemas(false)) WITH ORDINALITY AS u(s, n)
      ) AS q ORDER BY q.s, q.n) AS p
HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 0`

/**
 * Opens the pool and asks the server which database it is (the session's lock key). With
 * `ifExists`, a database (or schema) that does not exist gives `undefined` rather than an error:
 * the read-only look of a run then costs one connection, not a check and an open.
 */
function openPool(
  pg: PgModule,
  url: UrlTarget,
  settings: OpenSettings,
  schema: string | undefined,
  ifExists: false,
): Promise<DatabaseSession>
function openPool(
  pg: PgModule,
  url: UrlTarget,
  settings: OpenSettings,
  schema: string | undefined,
  ifExists: true,
): Promise<DatabaseSession | undefined>
async function openPool(
  pg: PgModule,
  url: UrlTarget,
  settings: OpenSettings,
  schema: string | undefined,
  ifExists: boolean,
): Promise<DatabaseSession | undefined> {
  const pool = new pg.Pool({
    connectionString: url.url,
    application_name: APPLICATION_NAME,
    max: 4,
    // A process that forgot to close a migrator can still exit once its clients are idle.
    allowExitOnIdle: true,
    // Read-only commands cannot write, even by mistake.
    ...(settings.readonly ? { options: '-c default_transaction_read_only=on' } : {}),
  })
  pool.on('error', () => undefined) // an idle client's error must not crash the process
  pool.on('connect', (client) => {
    // Queued before any query of the client: the schema holds the ledger and is the default.
    void client
      .query(schema === undefined ? FOLLOW_LEDGER : `SET search_path TO ${quoteIdent(schema)}`)
      .catch(() => undefined)
  })
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) })
  try {
    const { rows } = await sql<{ database: string; present: boolean }>`SELECT current_database() AS database, ${
      schema === undefined ? sql`true` : sql`EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${schema})`
    } AS present`.execute(db)
    if (ifExists && rows[0]?.present !== true) {
      await db.destroy()
      return undefined
    }
    if (schema !== undefined && !settings.readonly) {
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(db).catch((error: unknown) => {
        if (!madeMeanwhile(error, '42P06')) throw error // duplicate_schema (or its unique index): created meanwhile
      })
    }
    return session(db, url.label, `postgres:${serverOf(url.url)}/${rows[0]?.database}/${schema ?? 'public'}`, {
      readonly: settings.readonly,
      owned: true,
    })
  } catch (error) {
    await db.destroy().catch(() => undefined)
    if (ifExists && postgresCode(error) === '3D000') return undefined // invalid_catalog_name: no such database
    throw describe(error, url)
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
    dialect: postgresDialect,
    label,
    lockKey,
    readonly: options.readonly,
    pinned: <T>(fn: (conn: Kysely<any>) => Promise<T>) => db.connection().execute(fn),
    close: async () => {
      if (options.owned) await db.destroy()
    },
  })
}

type PgModule = typeof import('pg')

async function loadPg(url: UrlTarget): Promise<PgModule> {
  try {
    return requirePg()
  } catch (error) {
    if (!isMissingModule(error, 'pg')) throw error
    throw new DatabaseError(
      url.label,
      'needs the PostgreSQL driver, which is not installed',
      'install it beside glorious-migrate: npm install pg',
    )
  }
}

/**
 * Loads `pg` (synchronously, through `require`). As it loads, pg asks whether it runs in a
 * Cloudflare Worker: where Node has no `navigator` (Node 20), the question constructs a
 * `Response`, which loads Node's whole fetch implementation (undici) — about 100 M instructions,
 * more than pg itself, on every PostgreSQL command. For the time of the load only, pg is shown a
 * `navigator` that says it is not a Worker, and the global is removed right after (nothing else
 * runs in between: the load is synchronous). Where Node has its own `navigator`, nothing is done.
 */
export function requirePg(): PgModule {
  if ('navigator' in globalThis) return pgOf(requireDriver('pg'))
  Object.defineProperty(globalThis, 'navigator', {
    value: { userAgent: 'Node.js' },
    configurable: true,
    enumerable: false,
    writable: true,
  })
  try {
    return pgOf(requireDriver('pg'))
  } finally {
    delete (globalThis as { navigator?: unknown }).navigator
  }
}

function pgOf(module: unknown): PgModule {
  const loaded = module as PgModule & { default?: PgModule }
  return loaded.default ?? loaded
}

/** Creates the target database when it does not exist, connected to the server's maintenance database. */
async function createDatabaseIfMissing(pg: PgModule, url: UrlTarget): Promise<void> {
  const probe = newClient(pg, url, url.url)
  try {
    await probe.connect()
    return
  } catch (error) {
    if (postgresCode(error) !== '3D000') throw describe(error, url)
  } finally {
    await probe.end().catch(() => undefined)
  }
  // The name pg itself connects to: its own reading of the URL (`decodeURI`, so `%2F` stays),
  // else PGDATABASE, else the user name.
  const name = probe.database ?? databaseOf(url.url)
  const admin = newClient(pg, url, withDatabase(url.url, 'postgres'))
  try {
    await admin.connect()
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`)
  } catch (error) {
    // Another process made it meanwhile: duplicate_database, or when both got past the check
    // at once, the unique index on pg_database (unique_violation).
    if (madeMeanwhile(error, '42P04')) return
    throw new DatabaseError(
      url.label,
      `does not exist and cannot be created (${scrubSecrets((error as Error).message, url.url)})`,
      'create the database first (CREATE DATABASE), or give a role that may (CREATEDB)',
      error,
    )
  } finally {
    await admin.end().catch(() => undefined)
  }
}

/** A client for `connectionString` (not connected yet); a URL pg cannot read is described, its password hidden. */
function newClient(pg: PgModule, url: UrlTarget, connectionString: string): InstanceType<PgModule['Client']> {
  try {
    return new pg.Client({ connectionString, application_name: APPLICATION_NAME })
  } catch (error) {
    throw describe(error, url)
  }
}

/**
 * Whether a CREATE failed because another session created the object meanwhile: its own
 * `duplicate_…` SQLSTATE, or, when two sessions passed the existence check together, the unique
 * violation of the catalog's name index (`pg_database_datname_index`, `pg_namespace_nspname_index`).
 */
function madeMeanwhile(error: unknown, duplicateCode: string): boolean {
  const code = postgresCode(error)
  return (
    code === duplicateCode || (code === '23505' && /_(?:datname|nspname)_index/.test(String((error as Error).message)))
  )
}

function asUrl(target: Exclude<DatabaseTarget, { kind: 'kysely' }>): UrlTarget {
  if (target.kind !== 'url' || target.engine !== 'postgres')
    throw new Error(`internal: not a PostgreSQL URL: ${target.label}`)
  return target
}

function describe(error: unknown, url: UrlTarget): Error {
  return describePostgresError(error, url.label, 0, url.url) ?? (error as Error)
}

/**
 * The `--schema` name, checked as PostgreSQL would check it, before anything runs: at most 63
 * bytes (a longer name is cut there without an error, so two long names could be one schema),
 * and not starting with `pg_` (reserved for the system: CREATE SCHEMA refuses it).
 */
function checkSchema(schema: string | undefined): string | undefined {
  if (schema === undefined) return undefined
  if (schema === '' || Buffer.byteLength(schema, 'utf8') > 63 || /[\u0000]/.test(schema)) {
    throw new InvalidOptionError(
      `schema ${JSON.stringify(schema)} is not a valid PostgreSQL schema name: use 1 to 63 bytes (PostgreSQL cuts a longer name at 63 bytes)`,
    )
  }
  if (schema.startsWith('pg_')) {
    throw new InvalidOptionError(
      `schema ${JSON.stringify(schema)} is not a valid PostgreSQL schema name: names starting with "pg_" are reserved for the system; choose another name`,
    )
  }
  return schema
}

/** The database name of a URL (its path), as pg reads it. */
function databaseOf(url: string): string {
  const { parsed } = parseUrl(url)
  const name = decodeURI(parsed.pathname.replace(/^\//, ''))
  return name === '' ? decodeURIComponent(parsed.username) || 'postgres' : name
}

/** The URL with another database in its path, the rest as it was (a host-less socket URL too). */
export function withDatabase(url: string, database: string): string {
  const { parsed, dummyHost } = parseUrl(url)
  parsed.pathname = `/${encodeURIComponent(database)}`
  const text = parsed.toString()
  return dummyHost ? text.replace(`@${DUMMY_HOST}/`, '@/') : text
}

const DUMMY_HOST = '___DUMMY___'

/**
 * A URL parsed as pg parses it: a user with no host (`postgres://user@/db?host=/var/run/postgresql`,
 * a Unix socket) is no URL to `new URL`, and pg reads it with a stand-in host.
 */
function parseUrl(url: string): { readonly parsed: URL; readonly dummyHost: boolean } {
  if (URL.canParse(url) || !url.includes('@/')) return { parsed: new URL(url), dummyHost: false }
  return { parsed: new URL(url.replace('@/', `@${DUMMY_HOST}/`)), dummyHost: true }
}

function serverOf(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname || 'local'}:${parsed.port || '5432'}`
  } catch {
    return 'unknown'
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}
