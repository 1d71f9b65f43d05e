// The real PostgreSQL server of the proof suites (races, crashes, live load, corpus): fresh
// databases made and dropped per test, plain queries through `pg`, and `pg_dump`. A server that is
// down fails the suite with one clear message, never a skip.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import pg from 'pg'
import { POSTGRES_ADMIN_URL } from './engines.js'
import { RESERVED_TABLES } from '../../lib/ledger/ledger.js'

const run = promisify(execFile)

/** The toolkit's own tables on PostgreSQL (lib/ledger/ledger.ts): left out of schema dumps. No sequences. */
export const TOOLKIT_TABLES: readonly string[] = RESERVED_TABLES

export interface PgDatabase {
  readonly name: string
  readonly url: string
  /** Runs one query on a short-lived connection and returns its rows. */
  query<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>
  /** Drops it (WITH FORCE: a killed client's backend may linger). */
  drop(): Promise<void>
}

function withPath(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

/** A query on the admin database (`postgres`). */
export async function adminQuery<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
  try {
    await client.connect()
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL} (${(error as Error).message}): start it ` +
        '(bash .ci/run ensure-services) or set GLORIOUS_TEST_POSTGRES_URL',
    )
  }
  try {
    return (await client.query(text, values)).rows as T[]
  } finally {
    await client.end()
  }
}

/** A new, empty database with a unique name (`glorious_<prefix>_<random>`). */
export async function createDatabase(prefix: string): Promise<PgDatabase> {
  const name = `glorious_${prefix}_${randomBytes(5).toString('hex')}`
  await adminQuery(`CREATE DATABASE ${name}`)
  const url = withPath(POSTGRES_ADMIN_URL, name)
  return {
    name,
    url,
    async query<T>(text: string, values?: unknown[]) {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        return (await client.query(text, values)).rows as T[]
      } finally {
        await client.end()
      }
    },
    async drop() {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    },
  }
}

/** The connection options `pg_dump` needs, from the admin URL. */
function dumpConnection(): string[] {
  const url = new URL(POSTGRES_ADMIN_URL)
  return ['-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username || 'postgres')]
}

/** `pg_dump`'s major version; fails clearly when it is not the corpus's (15). */
export async function pgDumpMajorVersion(): Promise<number> {
  let stdout: string
  try {
    ;({ stdout } = await run('pg_dump', ['--version']))
  } catch (error) {
    throw new Error(
      `pg_dump is not installed or cannot run (${(error as Error).message}): install postgresql-client-15`,
    )
  }
  const match = /\(PostgreSQL\) (\d+)\./.exec(stdout)
  if (!match) throw new Error(`cannot read pg_dump's version from ${JSON.stringify(stdout.trim())}`)
  return Number(match[1])
}

/**
 * The corpus README's recipe: `pg_dump --schema-only --no-owner --no-privileges` without the
 * toolkit's tables, minus the `\restrict` key lines and the version comments.
 */
export async function schemaDump(database: string): Promise<string> {
  const exclude = TOOLKIT_TABLES.flatMap((table) => ['-T', table])
  const { stdout } = await run(
    'pg_dump',
    [...dumpConnection(), '--schema-only', '--no-owner', '--no-privileges', ...exclude, database],
    { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PGPASSWORD: new URL(POSTGRES_ADMIN_URL).password } },
  )
  return stdout
    .split('\n')
    .filter((line) => !/^(\\restrict |\\unrestrict |-- Dumped (from|by) )/.test(line))
    .join('\n')
}

/** Sessions connected to a database other than the asking one (a killed client's backend until the server notices). */
export async function otherBackends(database: string): Promise<{ pid: number; state: string | null; query: string }[]> {
  return adminQuery(
    `SELECT pid, state, left(query, 80) AS query FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [database],
  )
}

/** Advisory locks held or awaited in a database. */
export async function advisoryLocks(database: string): Promise<{ pid: number; granted: boolean }[]> {
  return adminQuery(
    `SELECT l.pid, l.granted FROM pg_locks l JOIN pg_database d ON d.oid = l.database
     WHERE l.locktype = 'advisory' AND d.datname = $1`,
    [database],
  )
}

/** Waits until no other session is connected to the database (at most `timeoutMs`); returns those left. */
export async function waitForNoBackends(
  database: string,
  timeoutMs: number,
): Promise<{ pid: number; state: string | null; query: string }[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const left = await otherBackends(database)
    if (left.length === 0 || Date.now() > deadline) return left
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
